package io.hakit.keepalive;

import io.hakit.api.alarm.Alarm;

import java.util.List;

/**
 * A snapshot of a node for {@code hakit status} and monitoring: role, epoch, what it knows of its peer, the last
 * heartbeat's age, the heartbeat round trip, the peer's clock offset and the active alarms. Immutable.
 */
public final class NodeStatus {

    private final String nodeId;
    private final Role role;
    private final long epoch;
    private final boolean healthy;
    private final String peer;
    private final long lastHeartbeatAgeMillis;
    private final double rttMillis;
    private final int connections;
    private final String arbiter;
    private final List<Alarm> alarms;
    private final String tlsProblem;
    private final String operatorState;
    private final ClockOffset clockOffset;

    NodeStatus(String nodeId, Role role, long epoch, boolean healthy, String peer, long lastHeartbeatAgeMillis,
            double rttMillis, int connections, String arbiter, List<Alarm> alarms, String tlsProblem,
            String operatorState, ClockOffset clockOffset) {
        this.nodeId = nodeId;
        this.role = role;
        this.epoch = epoch;
        this.healthy = healthy;
        this.peer = peer;
        this.lastHeartbeatAgeMillis = lastHeartbeatAgeMillis;
        this.rttMillis = rttMillis;
        this.connections = connections;
        this.arbiter = arbiter;
        this.alarms = List.copyOf(alarms);
        this.tlsProblem = tlsProblem;
        this.operatorState = operatorState;
        this.clockOffset = clockOffset;
    }

    /**
     * Operator actions in force: "maintenance" (the node will not take the active role), a switchover handing over,
     * preemption suspended after a switchover.
     *
     * @return the operator state as text; "-" when none
     */
    public String operatorState() {
        return operatorState;
    }

    /**
     * The node this status is of.
     *
     * @return {@link KeepaliveConfig#nodeId()} of the node
     */
    public String nodeId() {
        return nodeId;
    }

    /**
     * The node's role when the snapshot was taken.
     *
     * @return the role; STOPPED for a node that is not running
     */
    public Role role() {
        return role;
    }

    /**
     * The epoch of the node's current or last active period ({@link KeepaliveNode#epoch()}).
     *
     * @return the epoch, 0 if the node was never active with this state directory
     */
    public long epoch() {
        return epoch;
    }

    /**
     * Whether the node's own health checks pass ({@value KeepaliveConfig#HEALTH_FALL} and
     * {@value KeepaliveConfig#HEALTH_RISE} decide when this changes).
     *
     * @return true while healthy; false while the node is FAULT, and for a stopped node
     */
    public boolean healthy() {
        return healthy;
    }

    /**
     * What the node knows of its peer.
     *
     * @return for example "node-b ACTIVE epoch 4 priority 100"; "-" for a stopped node
     */
    public String peer() {
        return peer;
    }

    /**
     * How long ago the peer's last heartbeat arrived.
     *
     * @return milliseconds since the peer's last heartbeat, or -1 if never heard
     */
    public long lastHeartbeatAgeMillis() {
        return lastHeartbeatAgeMillis;
    }

    /**
     * The last heartbeat round trip; {@link KeepaliveNode#rttHistogram()} has all of them.
     *
     * @return the round trip in milliseconds (fractions included), or -1 if none measured
     */
    public double rttMillis() {
        return rttMillis;
    }

    /**
     * The peer's wall clock minus this node's, as the heartbeats measured it; see {@link ClockOffset}.
     *
     * @return the offset with its uncertainty, or an unknown offset with its reason
     */
    public ClockOffset clockOffset() {
        return clockOffset;
    }

    /**
     * Live, authenticated connections to the peer.
     *
     * @return 0, 1 or 2 (both nodes dial)
     */
    public int connections() {
        return connections;
    }

    /**
     * The node's arbiter and what it holds ({@link Arbiter#describe()}).
     *
     * @return for example "none", "reachability of [...]" or "lease of c on zookeeper (held at epoch 7)"
     */
    public String arbiter() {
        return arbiter;
    }

    /**
     * The alarms active on the node's registry, its own and those of components sharing it.
     *
     * @return an immutable list; empty when none is active
     */
    public List<Alarm> alarms() {
        return alarms;
    }

    /**
     * Why the TLS handshakes with the peer fail, while they do and no authenticated connection is up.
     *
     * @return for example "unknown CA: the peer's certificate (CN=node-b) is not signed by our CA (CN=pair CA) but by
     *     CN=other CA"; "" when none failed lately
     */
    public String tlsProblem() {
        return tlsProblem;
    }

    @Override
    public String toString() {
        return nodeId + " " + role + " epoch " + epoch + (healthy ? "" : " (unhealthy)") + "; peer " + peer
                + "; last heartbeat " + (lastHeartbeatAgeMillis < 0 ? "never" : lastHeartbeatAgeMillis + " ms ago")
                + "; rtt " + (rttMillis < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.2f ms", rttMillis))
                + "; clock offset " + clockOffset + "; connections " + connections + "; arbiter " + arbiter
                + "; alarms " + alarms.size()
                + (tlsProblem.isEmpty() ? "" : "; TLS handshake fails: " + tlsProblem);
    }
}
