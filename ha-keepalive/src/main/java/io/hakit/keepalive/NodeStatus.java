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
     * preemption suspended after a switchover; "-" when none.
     */
    public String operatorState() {
        return operatorState;
    }

    public String nodeId() {
        return nodeId;
    }

    public Role role() {
        return role;
    }

    public long epoch() {
        return epoch;
    }

    public boolean healthy() {
        return healthy;
    }

    /** What the node knows of its peer, e.g. "node-b ACTIVE epoch 4 priority 100". */
    public String peer() {
        return peer;
    }

    /** Milliseconds since the peer's last heartbeat, or -1 if never heard. */
    public long lastHeartbeatAgeMillis() {
        return lastHeartbeatAgeMillis;
    }

    /** The last heartbeat round trip in ms, or -1 if none measured. */
    public double rttMillis() {
        return rttMillis;
    }

    /** The peer's wall clock minus this node's, as the heartbeats measured it; see {@link ClockOffset}. */
    public ClockOffset clockOffset() {
        return clockOffset;
    }

    /** Live, authenticated connections to the peer (0, 1 or 2: both nodes dial). */
    public int connections() {
        return connections;
    }

    public String arbiter() {
        return arbiter;
    }

    public List<Alarm> alarms() {
        return alarms;
    }

    /**
     * Why the TLS handshakes with the peer fail, while they do and no authenticated connection is up (for example
     * "unknown CA: the peer's certificate (CN=node-b) is not signed by our CA (CN=pair CA) but by CN=other CA"), or ""
     * when none failed lately.
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
