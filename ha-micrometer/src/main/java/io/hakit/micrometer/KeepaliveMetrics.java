package io.hakit.micrometer;

import io.hakit.keepalive.ClockOffset;
import io.hakit.keepalive.KeepaliveNode;
import io.hakit.keepalive.NodeStatus;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.RoleListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * A keepalive node's meters: its role (one gauge per role), epoch, health, connections to the peer, role changes,
 * the heartbeat round trip (a function timer over {@link KeepaliveNode#rttHistogram()}), missed heartbeats
 * ({@link KeepaliveNode#missedHeartbeats()}), the time since the peer's last heartbeat, the peer's clock offset
 * ({@link KeepaliveNode#clockOffset()}), and the node's alarms ({@link AlarmMetrics}). The names, types, units and
 * tags are in {@code docs/metrics.md}.
 *
 * <p>Bind it between {@link KeepaliveNode#create} and {@link KeepaliveNode#start()} to count the first role change
 * (STOPPED to STANDBY) too; bound later, the role changes count from then on. The gauges read the node when the
 * registry is read (health, connections and heartbeat age from {@link KeepaliveNode#status()}, a bounded hop to the
 * node's thread); a stopped node's read as NaN, and so does the clock offset while it is unknown.
 */
public final class KeepaliveMetrics implements MeterBinder {

    private final KeepaliveNode node;
    private final Tags tags;

    /**
     * The meters of {@code node}, with no tags of their own.
     *
     * @param node the keepalive node
     */
    public KeepaliveMetrics(KeepaliveNode node) {
        this(node, Tags.empty());
    }

    /**
     * The meters of {@code node}, with {@code tags} added to every meter.
     *
     * @param node the keepalive node
     * @param tags added to every meter (e.g. the node id, when one registry holds both nodes of a pair)
     */
    public KeepaliveMetrics(KeepaliveNode node, Iterable<Tag> tags) {
        this.node = Objects.requireNonNull(node, "node");
        this.tags = Tags.of(tags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Map<Role, Counter> changes = new EnumMap<>(Role.class);
        for (Role r : Role.values()) {
            String role = HaServicesMetrics.tagValue(r);
            Gauge.builder("hakit.keepalive.role", node, n -> n.role() == r ? 1 : 0).tags(tags).tag("role", role)
                    .description("1 for the role the node is in, 0 for the others").register(registry);
            changes.put(r, Counter.builder("hakit.keepalive.role.changes").tags(tags).tag("role", role)
                    .description("role changes of the node, by the role changed to").register(registry));
        }
        node.addRoleListener(new RoleListener() {
            @Override
            public void roleChanged(io.hakit.keepalive.RoleChange change) {
                changes.get(change.to()).increment();
            }
        });
        Gauge.builder("hakit.keepalive.epoch", node, KeepaliveNode::epoch).tags(tags)
                .description("the node's epoch (raised by every promotion)").register(registry);
        Gauge.builder("hakit.keepalive.healthy", node, status(s -> s.healthy() ? 1 : 0)).tags(tags)
                .description("1 while the node's health checks pass").register(registry);
        Gauge.builder("hakit.keepalive.connections", node, status(NodeStatus::connections)).tags(tags)
                .baseUnit("connections").description("live, authenticated connections with the peer (0-2)")
                .register(registry);
        TimeGauge.builder("hakit.keepalive.heartbeat.age", node, TimeUnit.MILLISECONDS,
                        status(s -> s.lastHeartbeatAgeMillis() < 0 ? Double.NaN : s.lastHeartbeatAgeMillis()))
                .tags(tags).description("time since the peer's last heartbeat (NaN before the first)")
                .register(registry);
        FunctionTimer.builder("hakit.keepalive.heartbeat.rtt", node, n -> n.rttHistogram().count(),
                        n -> n.rttHistogram().totalMillis(), TimeUnit.MILLISECONDS).tags(tags)
                .description("heartbeat round trips (each ack of a heartbeat, on either connection)")
                .register(registry);
        TimeGauge.builder("hakit.keepalive.clock.offset", node, TimeUnit.NANOSECONDS, n -> {
                    ClockOffset c = n.clockOffset();
                    return c.isKnown() ? c.offset().toNanos() : Double.NaN;
                }).tags(tags).description("the peer's wall clock minus this node's, measured by the heartbeats within "
                        + "half a round trip (NaN while unknown: no answer yet, no connection, or a peer that sends no "
                        + "time)").register(registry);
        FunctionCounter.builder("hakit.keepalive.heartbeat.missed", node, KeepaliveNode::missedHeartbeats)
                .tags(tags).description("heartbeats of the peer not received when due")
                .register(registry);
        new AlarmMetrics(node.alarms(), tags).bindTo(registry);
    }

    /** A figure of the node's status, or NaN while the node cannot give one (stopped). */
    private static ToDoubleFunction<KeepaliveNode> status(ToDoubleFunction<NodeStatus> figure) {
        return n -> {
            try {
                return figure.applyAsDouble(n.status());
            } catch (RuntimeException e) {
                return Double.NaN;
            }
        };
    }
}
