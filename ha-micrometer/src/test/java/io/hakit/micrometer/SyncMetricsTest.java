package io.hakit.micrometer;

import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.keepalive.Role;
import io.hakit.sync.FileSync;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.Arbiter;
import io.hakit.sync.SyncConfig;
import io.hakit.testkit.FreePorts;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link SyncMetrics} on two real synchronizers over loopback: a round carries a file (rounds, bytes sent and
 * received, in sync, the age of the last clean round), a file changed on the standby becomes a conflict copy, and a
 * round to a standby that is gone fails.
 */
class SyncMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private FileSync a;
    private FileSync b;

    @AfterEach
    void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void aRoundAConflictAndAFailedRoundShowInBothSynchronizersMeters() throws Exception {
        Path rootA = Files.createDirectories(dir.resolve("a/data"));
        Path rootB = Files.createDirectories(dir.resolve("b/data"));
        int portA = FreePorts.loopback();
        int portB = FreePorts.loopback();
        b = FileSync.start(config("node-b", "node-a", rootB, portB, portA), alarms());
        a = FileSync.start(config("node-a", "node-b", rootA, portA, portB), alarms());
        SimpleMeterRegistry ra = new SimpleMeterRegistry();
        SimpleMeterRegistry rb = new SimpleMeterRegistry();
        new SyncMetrics(a).bindTo(ra);
        new SyncMetrics(b).bindTo(rb);
        assertThat(role(ra, "sink")).isEqualTo(1);
        assertThat(ra.get("hakit.sync.last.success.age").timeGauge().value(TimeUnit.SECONDS)).isNaN();
        assertThat(bytes(ra, "sent")).isZero();

        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        Files.write(rootA.resolve("app.bin"), data);
        Files.writeString(rootA.resolve("app.conf"), "x=1\n");
        a.roleChanged(Role.ACTIVE, 1);
        assertThat(a.syncNow(WAIT).clean()).isTrue();

        assertThat(role(ra, "source")).isEqualTo(1);
        assertThat(role(rb, "sink")).isEqualTo(1);
        assertThat(gauge(ra, "hakit.sync.connected")).isEqualTo(1);
        assertThat(gauge(ra, "hakit.sync.in.sync")).isEqualTo(1);
        assertThat(ra.get("hakit.sync.lag").timeGauge().value(TimeUnit.SECONDS)).isZero();
        assertThat(counter(ra, "hakit.sync.rounds")).isGreaterThanOrEqualTo(1);
        await().atMost(WAIT).until(() -> counter(rb, "hakit.sync.rounds") >= 1);
        assertThat(counter(ra, "hakit.sync.rounds.failed")).isZero();
        // the file's bytes went from a to b (plus frames and manifests)
        assertThat(bytes(ra, "sent")).isGreaterThanOrEqualTo(data.length);
        await().atMost(WAIT).until(() -> bytes(rb, "received") >= data.length);
        assertThat(bytes(ra, "received")).isPositive().isLessThan(data.length);
        assertThat(ra.get("hakit.sync.last.success.age").timeGauge().value(TimeUnit.SECONDS)).isBetween(0.0, 10.0);
        assertThat(gauge(ra, "hakit.sync.pending.files")).isZero();
        assertThat(counter(ra, "hakit.sync.conflicts")).isZero();

        // the standby's copy of an agreed file changes there: the next round keeps it as a conflict copy
        Files.writeString(rootB.resolve("app.conf"), "x=changed on the standby\n");
        Files.writeString(rootA.resolve("app.conf"), "x=2\n");
        assertThat(a.syncNow(WAIT).conflicts()).hasSize(1);
        assertThat(counter(ra, "hakit.sync.conflicts")).isEqualTo(1);
        await().atMost(WAIT).until(() -> counter(rb, "hakit.sync.conflicts") == 1
                && gauge(rb, "hakit.sync.conflicts.unresolved") == 1);

        // the standby is gone: the next round fails on the source, which is no longer in sync
        b.close();
        b = null;
        assertThatThrownBy(() -> a.syncNow(Duration.ofSeconds(3))).isInstanceOf(Exception.class);
        await().atMost(WAIT).until(() -> counter(ra, "hakit.sync.rounds.failed") >= 1);
        assertThat(gauge(ra, "hakit.sync.in.sync")).isZero();
        assertThat(gauge(ra, "hakit.sync.connected")).isZero();
        await().atMost(WAIT).until(() -> ra.get("hakit.sync.lag").timeGauge().value(TimeUnit.MILLISECONDS) > 0);
        assertThat(counter(ra, "hakit.sync.rounds")).isGreaterThanOrEqualTo(counter(ra, "hakit.sync.rounds.failed"));
    }

    private SyncConfig config(String self, String peer, Path root, int bind, int peerPort) {
        KeepaliveConfig pair = KeepaliveConfig.builder().clusterId("c1").nodeId(self).insecure()
                .stateDir(dir.resolve(self + "-state")).bind(InetSocketAddress.createUnresolved("127.0.0.1", 1))
                .peer(peer, InetSocketAddress.createUnresolved("127.0.0.1", 2)).arbiter(Arbiter.none()).build();
        return SyncConfig.builder().keepalive(pair)
                .bind(new InetSocketAddress("127.0.0.1", bind)).peer(new InetSocketAddress("127.0.0.1", peerPort))
                .root("data", root).period(Duration.ofHours(1))
                .timeout(Duration.ofSeconds(5)).watch(false).build();
    }

    private static AlarmRegistry alarms() {
        return AlarmRegistry.create(Runnable::run, Clock.systemUTC(), Ticker.system());
    }

    private static double role(MeterRegistry r, String role) {
        return r.get("hakit.sync.role").tag("role", role).gauge().value();
    }

    private static double gauge(MeterRegistry r, String name) {
        return r.get(name).gauge().value();
    }

    private static double counter(MeterRegistry r, String name) {
        return r.get(name).functionCounter().count();
    }

    private static double bytes(MeterRegistry r, String direction) {
        return r.get("hakit.sync.bytes").tag("direction", direction).functionCounter().count();
    }

}
