package io.hakit.keepalive;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.keepalive.tls.CertificateGenerator;
import io.hakit.keepalive.tls.PemLayout;
import io.hakit.keepalive.tls.TestCerts;
import io.hakit.testkit.proxy.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Mutual TLS between the two nodes, and the lease arbiter. */
class KeepaliveTlsTest {

    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aPairWithValidCertificatesTalksOverMutualTls() {
        TestCerts certs = new TestCerts(dir.resolve("certs"), Instant.now());
        try (PairFixture pair = new PairFixture(dir, false)) {
            KeepaliveNode a = pair.start("node-a", 150, x -> x.tls(certs.node("node-a").dir()));
            KeepaliveNode b = pair.start("node-b", 100, x -> x.tls(certs.node("node-b").dir()));
            await().atMost(BOUND).until(() -> a.role() == Role.ACTIVE && b.role() == Role.STANDBY);
            assertThat(b.status().connections()).isPositive();
            assertThat(a.alarms().active()).isEmpty();
        }
    }

    @Test
    void reloadingCertificatesKeepsThePairTogether() {
        Instant now = Instant.now();
        TestCerts certs = new TestCerts(dir.resolve("certs"), now);
        PemLayout dirA = certs.node("node-a");
        List<RoleChange> changes = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (PairFixture pair = new PairFixture(dir, false)) {
            KeepaliveNode a = pair.start("node-a", 150, x -> x.tls(dirA.dir()), changes::add);
            KeepaliveNode b = pair.start("node-b", 100, x -> x.tls(certs.node("node-b").dir()));
            await().atMost(BOUND).until(() -> a.role() == Role.ACTIVE && b.role() == Role.STANDBY
                    && a.status().connections() > 0);
            int before = changes.size();
            CertificateGenerator.writeNode(dirA.dir(), CertificateGenerator.node(certs.ca, "node-a", List.of(),
                    now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(700))), certs.ca);
            a.reloadCertificates();
            await().during(Duration.ofMillis(500)).atMost(BOUND).until(() -> a.status().connections() > 0
                    && a.role() == Role.ACTIVE && b.role() == Role.STANDBY);
            assertThat(changes).hasSize(before);
            assertThat(a.alarms().active()).isEmpty();
        }
    }

    @Test
    void aHandshakeSlowerThanTheDeadIntervalStillFormsThePair() {
        // 100 ms each way: the TLS handshake and the peer's Hello take about 400 ms, more than the 300 ms dead
        // interval (a cold JVM on a busy machine is as slow); the connection must not be closed as silent before its
        // Hello. Afterwards heartbeats arrive well within the dead interval (round trip 200 ms).
        TestCerts certs = new TestCerts(dir.resolve("certs"), Instant.now());
        try (PairFixture pair = new PairFixture(dir, true)) {
            pair.toA.fault(Fault.delay(Duration.ofMillis(100)));
            pair.toB.fault(Fault.delay(Duration.ofMillis(100)));
            KeepaliveNode a = pair.start("node-a", 150, x -> x.tls(certs.node("node-a").dir())
                    .deadInterval(Duration.ofMillis(300)));
            KeepaliveNode b = pair.start("node-b", 100, x -> x.tls(certs.node("node-b").dir())
                    .deadInterval(Duration.ofMillis(300)));
            // both may go active at start (neither heard the other within the dead interval); once connected, one
            // steps down and the pair stays as it is
            await().during(Duration.ofSeconds(1)).atMost(BOUND).until(() -> a.role() == Role.ACTIVE
                    && b.role() == Role.STANDBY && b.status().connections() > 0
                    && b.status().peer().startsWith("node-a ACTIVE"));
        }
    }

    @Test
    void aPeerWithAWrongCaExpiredSelfSignedOrMisnamedCertificateIsRefused() {
        TestCerts certs = new TestCerts(dir.resolve("certs"), Instant.now());
        Instant now = Instant.now();
        List<PemLayout> bad = List.of(
                certs.nodeOfOtherCa("node-b"),
                certs.node("node-b", now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))),
                certs.selfSigned("node-b"),
                certs.node("node-x"));
        AtomicInteger i = new AtomicInteger();
        for (PemLayout badB : bad) {
            try (PairFixture pair = new PairFixture(dir.resolve("run-" + i.incrementAndGet()), false)) {
                KeepaliveNode a = pair.start("node-a", 150, x -> x.tls(certs.node("node-a").dir()));
                KeepaliveNode b = pair.start("node-b", 100, x -> x.tls(badB.dir()));
                await().during(Duration.ofMillis(600)).atMost(BOUND).until(() -> a.status().connections() == 0
                        && b.status().connections() == 0 && a.status().peer().equals("never heard"));
                // with no arbiter, both serve alone: exactly what the arbiters exist for
                await().atMost(BOUND).until(() -> a.role() == Role.ACTIVE);
            }
        }
    }

    @Test
    void aNodeWithoutUsableCertificatesDoesNotStartAndSaysWhy() throws Exception {
        TestCerts certs = new TestCerts(dir.resolve("certs"), Instant.now());
        PemLayout broken = certs.node("node-a");
        java.nio.file.Files.delete(broken.keyFile());
        try (PairFixture pair = new PairFixture(dir, false)) {
            assertThatThrownBy(() -> pair.start("node-a", 150, x -> x.tls(broken.dir())))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("server.key")
                    .hasMessageContaining("missing");
        }
    }

    @Test
    void anExpiringCertificateRaisesItsAlarmAtStartAndReloadingANewOneClearsIt() {
        Instant now = Instant.now();
        TestCerts certs = new TestCerts(dir.resolve("certs"), now);
        PemLayout soon = certs.node("node-a", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(5)));
        try (PairFixture pair = new PairFixture(dir, false)) {
            KeepaliveNode a = pair.start("node-a", 150, x -> x.tls(soon.dir()));
            assertThat(a.alarms().isActive(AlarmType.CERT_EXPIRING, soon.dir().toString())).isTrue();
            CertificateGenerator.writeNode(soon.dir(), CertificateGenerator.node(certs.ca, "node-a", List.of(),
                    now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(400))), certs.ca);
            a.reloadCertificates();
            assertThat(a.alarms().isActive(AlarmType.CERT_EXPIRING, soon.dir().toString())).isFalse();
        }
    }

    @Test
    void withALeaseArbiterACutLinkNeverMakesBothActive() throws Exception {
        EmbeddedHaBackend backend = EmbeddedHaBackend.create();
        try (HaServices haA = backend.newServices(HaConfig.builder().nodeId("node-a").build());
             HaServices haB = backend.newServices(HaConfig.builder().nodeId("node-b").build());
             PairFixture pair = new PairFixture(dir, true)) {
            KeepaliveNode a = pair.start("node-a", 150, x -> x.arbiter(Arbiter.lease(haA, "keepalive")));
            KeepaliveNode b = pair.start("node-b", 100, x -> x.arbiter(Arbiter.lease(haB, "keepalive"))
                    .arbiterTimeout(Duration.ofMillis(200)));
            await().atMost(BOUND).until(() -> a.role() == Role.ACTIVE && b.role() == Role.STANDBY);

            pair.cut();
            long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            int samples = 0;
            while (System.nanoTime() < end) {
                assertThat(a.role() == Role.ACTIVE && b.role() == Role.ACTIVE).as("both active").isFalse();
                samples++;
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
            assertThat(samples).isGreaterThan(50);
            assertThat(a.role()).isEqualTo(Role.ACTIVE);

            // the active dies for real: its lease goes, the cut-off standby gets it and takes over
            a.close();
            await().atMost(BOUND).until(() -> b.role() == Role.ACTIVE);
            assertThat(backend.leader()).contains("node-b");
            pair.heal();
        }
    }
}
