package io.hakit.keepalive;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.alarm.AlarmRegistry;
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
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

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
            // node-b is STANDBY from its start: wait for its connection too
            await().atMost(BOUND).until(() -> a.role() == Role.ACTIVE && b.role() == Role.STANDBY
                    && b.status().connections() > 0);
            assertThat(a.alarms().active()).isEmpty();
            assertThat(a.status().tlsProblem()).isEmpty();
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

    /** A node-b whose certificate node-a refuses, though node-b itself finds nothing wrong with it. */
    static final class BadPeer {
        final String name;
        final String nodeId;
        final PemLayout certs;
        final UnaryOperator<KeepaliveConfig.Builder> custom;
        final String aSees;

        BadPeer(String name, String nodeId, PemLayout certs, UnaryOperator<KeepaliveConfig.Builder> custom,
                String aSees) {
            this.name = name;
            this.nodeId = nodeId;
            this.certs = certs;
            this.custom = custom;
            this.aSees = aSees;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Bad node-b directories next to the good ones of {@code certs}, which node-a uses. */
    static List<BadPeer> badPeers(TestCerts certs, Path dir) {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        CertificateGenerator.Issued rogue = CertificateGenerator.certificateAuthority("Rogue CA",
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        Path rogueDir = dir.resolve("certs/rogue-b");
        CertificateGenerator.writeNode(rogueDir, CertificateGenerator.node(rogue, "node-b", List.of(),
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))), rogue);
        Instant expired = now.minus(Duration.ofDays(1));
        return List.of(
                new BadPeer("another CA", "node-b", new PemLayout(rogueDir), x -> x,
                        "not signed by our CA (CN=HAKit Test CA) but by CN=Rogue CA"),
                // node-b's clock is two days slow: it finds its certificate valid, node-a does not
                new BadPeer("expired", "node-b", certs.node("node-b", now.minus(Duration.ofDays(30)), expired),
                        x -> x.clock(Clock.fixed(now.minus(Duration.ofDays(2)), ZoneOffset.UTC)),
                        "(CN=node-b) expired at " + expired),
                // another node answers at node-b's address (a wrong keepalive.peer.address)
                new BadPeer("wrong name", "node-x", certs.node("node-x"), x -> x,
                        "peer name node-x where node-b was expected"));
    }

    @Test
    void aPeerWhoseCertificateIsRefusedIsNamedAndNotTakenForDead() {
        int i = 0;
        TestCerts certs = new TestCerts(dir.resolve("certs"), Instant.now());
        for (BadPeer bad : badPeers(certs, dir)) {
            try (PairFixture pair = new PairFixture(dir.resolve("run-" + i++), false)) {
                KeepaliveNode a = pair.start("node-a", 150, x -> x.tls(certs.node("node-a").dir()));
                KeepaliveNode b = pair.start("node-b", 100, x -> bad.custom.apply(x.nodeId(bad.nodeId)
                        .tls(bad.certs.dir())));
                // over more than the hold time (2 dead intervals of 150 ms): node-b, which has heard of node-a only
                // through failed handshakes, never promotes, so there is never a second active (node-a may be active:
                // it may have been alone for a dead interval before node-b listened)
                long end = System.nanoTime() + Duration.ofMillis(1200).toNanos();
                while (System.nanoTime() < end) {
                    assertThat(b.role()).as("%s: node-b", bad).isNotEqualTo(Role.ACTIVE);
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
                assertThat(b.role()).as("%s: node-b", bad).isEqualTo(Role.STANDBY);
                assertThat(a.status().tlsProblem()).as("%s", bad).contains(bad.aSees);
                assertThat(a.alarms().active()).as("%s", bad).anySatisfy(al -> {
                    assertThat(al.type()).isEqualTo(AlarmType.HEARTBEAT_INTERRUPTED);
                    assertThat(al.detail()).contains("the TLS handshake fails: ").contains(bad.aSees);
                });
                // node-b names what it refuses (node-a's certificate, another CA), or hears node-a's refusal
                assertThat(b.status().tlsProblem()).as("%s: node-b", bad).isNotEmpty();
                assertThat(a.status().connections()).isZero();
            }
        }
    }

    @Test
    void withPromoteOnHandshakeFailureTheStandbyPromotesAsIfThePeerWereDead() {
        TestCerts certs = new TestCerts(dir.resolve("certs"), Instant.now());
        BadPeer rogue = badPeers(certs, dir).get(0);
        try (PairFixture pair = new PairFixture(dir.resolve("run"), false)) {
            KeepaliveNode a = pair.start("node-a", 150, x -> x.tls(certs.node("node-a").dir()));
            KeepaliveNode b = pair.start("node-b", 100, x -> x.tls(rogue.certs.dir()).promoteOnHandshakeFailure(true));
            await().atMost(BOUND).until(() -> b.role() == Role.ACTIVE);
            assertThat(b.alarms().active()).anySatisfy(al -> assertThat(al.detail())
                    .contains("the TLS handshake fails: unknown CA"));
            assertThat(a.status().connections()).isZero();
        }
    }

    @Test
    void aNodeRefusesToStartWithAnOwnCertificateNoPeerCouldAccept() throws Exception {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        TestCerts certs = new TestCerts(dir.resolve("certs"), now);
        Instant past = now.minus(Duration.ofDays(1));
        Instant future = now.plus(Duration.ofDays(1));
        Map<PemLayout, String> bad = new LinkedHashMap<>();
        bad.put(certs.node("node-a", now.minus(Duration.ofDays(30)), past), "expired at " + past);
        bad.put(certs.node("node-a", future, now.plus(Duration.ofDays(30))), "is not valid before " + future);
        bad.put(certs.node("node-b"), "does not name this node node-a: it names [node-b, 127.0.0.1, localhost]");
        bad.put(certs.nodeOfOtherCa("node-a"), "is not issued by the CA in");
        int i = 0;
        for (Map.Entry<PemLayout, String> e : bad.entrySet()) {
            try (PairFixture pair = new PairFixture(dir.resolve("run-" + i++), false);
                 AlarmRegistry alarms = AlarmRegistry.create(Runnable::run, Clock.systemUTC(),
                         io.hakit.api.Ticker.system())) {
                KeepaliveConfig config = pair.config("node-a", 150).tls(e.getKey().dir()).build();
                assertThatThrownBy(() -> KeepaliveNode.start(config, alarms))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("node-a: refusing to start: ").hasMessageContaining(e.getValue());
                assertThat(alarms.active()).as(e.getValue()).singleElement().satisfies(al ->
                        assertThat(al.type()).isIn(AlarmType.CERT_EXPIRED, AlarmType.CERT_INVALID));
                // nothing listens: the peer finds it dead, not a node that fails handshakes
                try (java.net.ServerSocket s = new java.net.ServerSocket(pair.portA, 1,
                        java.net.InetAddress.getByName("127.0.0.1"))) {
                    assertThat(s.getLocalPort()).isEqualTo(pair.portA);
                }
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
