package io.hakit.micrometer;

import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.KeepaliveNode;
import io.hakit.keepalive.Role;
import io.hakit.testkit.FreePorts;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * {@link KeepaliveMetrics} on a real pair over loopback TCP, each node reaching the other through a fault-injecting
 * proxy: roles, epochs and role changes from the first one on, heartbeat round trips, the clock offset (node-b's clock
 * is 2 s ahead), a silence shorter than the dead interval (missed heartbeats, the heartbeat age, the
 * HEARTBEAT_INTERRUPTED alarm, and no role change), then a failover.
 */
class KeepaliveMetricsTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final Duration INTERVAL = Duration.ofMillis(50);

    @TempDir
    Path dir;

    @Test
    void heartbeatsASilenceAndAFailoverShowInTheNodesMeters() {
        int portA = FreePorts.loopback();
        int portB = FreePorts.loopback();
        SimpleMeterRegistry ra = new SimpleMeterRegistry();
        SimpleMeterRegistry rb = new SimpleMeterRegistry();
        try (FaultInjectingProxy toA = FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", portA));
             FaultInjectingProxy toB = FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", portB));
             KeepaliveNode a = KeepaliveNode.create(config("node-a", 150, portA, "node-b", toB.localPort()).build(),
                     null);
             KeepaliveNode b = KeepaliveNode.create(config("node-b", 100, portB, "node-a", toA.localPort())
                     .clock(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(2))).build(), null)) {
            // bound before the start: the first role change (STOPPED to STANDBY) counts too
            new KeepaliveMetrics(a).bindTo(ra);
            new KeepaliveMetrics(b).bindTo(rb);
            assertThat(role(ra, "stopped")).isEqualTo(1);
            assertThat(offset(ra)).isNaN(); // no heartbeat answered yet
            a.start();
            b.start();
            await().atMost(LIMIT).until(() -> a.role() == Role.ACTIVE && b.role() == Role.STANDBY);

            assertThat(role(ra, "active")).isEqualTo(1);
            assertThat(role(ra, "standby")).isZero();
            assertThat(role(rb, "standby")).isEqualTo(1);
            // at least: on a loaded machine a pair may change roles more often than the scenario asks
            assertThat(changes(ra, "standby")).isGreaterThanOrEqualTo(1); // the first change, STOPPED to STANDBY
            assertThat(changes(ra, "active")).isGreaterThanOrEqualTo(1);
            assertThat(changes(rb, "standby")).isGreaterThanOrEqualTo(1);
            assertThat(ra.get("hakit.keepalive.epoch").gauge().value()).isEqualTo(a.epoch()).isPositive();
            assertThat(ra.get("hakit.keepalive.healthy").gauge().value()).isEqualTo(1);
            await().atMost(LIMIT).until(() -> ra.get("hakit.keepalive.connections").gauge().value() >= 1);
            await().atMost(LIMIT).until(() -> rtt(ra).count() >= 5 && rtt(rb).count() >= 5);
            double mean = rtt(ra).totalTime(TimeUnit.MILLISECONDS) / rtt(ra).count();
            assertThat(mean).isGreaterThan(0).isLessThan(1000);
            assertThat(rb.get("hakit.keepalive.heartbeat.age").timeGauge().value(TimeUnit.SECONDS))
                    .isBetween(0.0, 1.0);
            assertThat(alarm(rb, "HEARTBEAT_INTERRUPTED")).isZero();
            // node-b's clock is 2 s ahead: node-a sees +2 s, node-b -2 s (within half a round trip, here < 0.5 s)
            await().atMost(LIMIT).until(() -> !Double.isNaN(offset(ra)) && !Double.isNaN(offset(rb)));
            assertThat(offset(ra)).isCloseTo(2.0, within(0.5));
            assertThat(offset(rb)).isCloseTo(-2.0, within(0.5));

            // silence both ways, shorter than the dead interval (2 s): heartbeats are missed, no one fails over
            double missedBefore = missed(rb);
            long changesBefore = Math.round(changes(rb, "active") + changes(rb, "standby"));
            toA.fault(Fault.blackhole());
            toB.fault(Fault.blackhole());
            await().atMost(LIMIT).until(() -> missed(rb) >= missedBefore + 5 && missed(ra) >= 5
                    && rb.get("hakit.keepalive.heartbeat.age").timeGauge().value(TimeUnit.SECONDS) >= 0.3);
            await().atMost(LIMIT).until(() -> alarm(rb, "HEARTBEAT_INTERRUPTED") == 1);
            toA.fault(Fault.pass());
            toB.fault(Fault.pass());
            await().atMost(LIMIT).until(() -> rb.get("hakit.keepalive.heartbeat.age").timeGauge()
                    .value(TimeUnit.SECONDS) < 0.5 && alarm(rb, "HEARTBEAT_INTERRUPTED") == 0);
            // the silence ended: the count stays where it is
            double missedAfter = missed(rb);
            await().during(Duration.ofMillis(300)).atMost(LIMIT).until(() -> missed(rb) <= missedAfter + 2);
            assertThat(b.role()).isEqualTo(Role.STANDBY);
            assertThat(Math.round(changes(rb, "active") + changes(rb, "standby"))).isEqualTo(changesBefore);

            // a failover: node-a stops, node-b takes over with a higher epoch
            long epochA = a.epoch();
            double promotions = changes(rb, "active");
            a.close();
            await().atMost(LIMIT).until(() -> role(rb, "active") == 1);
            assertThat(changes(rb, "active")).isEqualTo(promotions + 1);
            assertThat(rb.get("hakit.keepalive.epoch").gauge().value()).isGreaterThan(epochA);
            assertThat(role(ra, "stopped")).isEqualTo(1);
            assertThat(changes(ra, "stopped")).isEqualTo(1);
            assertThat(ra.get("hakit.keepalive.healthy").gauge().value()).isNaN(); // a stopped node has no status
        }
    }

    private KeepaliveConfig.Builder config(String node, int priority, int port, String peer, int peerPort) {
        return KeepaliveConfig.builder().clusterId("pair").nodeId(node).priority(priority)
                .bind(new InetSocketAddress("127.0.0.1", port)).peer(peer, new InetSocketAddress("127.0.0.1", peerPort))
                .heartbeatInterval(INTERVAL).deadInterval(Duration.ofSeconds(2))
                .heartbeatAlarmAfter(Duration.ofMillis(300)).stateDir(dir.resolve(node)).arbiter(Arbiter.none())
                .insecure();
    }

    private static double role(MeterRegistry r, String role) {
        return r.get("hakit.keepalive.role").tag("role", role).gauge().value();
    }

    private static double changes(MeterRegistry r, String role) {
        return r.get("hakit.keepalive.role.changes").tag("role", role).counter().count();
    }

    private static FunctionTimer rtt(MeterRegistry r) {
        return r.get("hakit.keepalive.heartbeat.rtt").functionTimer();
    }

    private static double offset(MeterRegistry r) {
        return r.get("hakit.keepalive.clock.offset").timeGauge().value(TimeUnit.SECONDS);
    }

    private static double missed(MeterRegistry r) {
        return r.get("hakit.keepalive.heartbeat.missed").functionCounter().count();
    }

    private static double alarm(MeterRegistry r, String type) {
        return r.get("hakit.alarms.active").tag("type", type).gauge().value();
    }

}
