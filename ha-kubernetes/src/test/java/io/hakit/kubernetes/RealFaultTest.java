package io.hakit.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.ConnectionStatePolicy;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.StoreEvent;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.kubernetes.internal.Naming;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.history.LeadershipHistory;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesTestCluster;
import io.hakit.testkit.junit.internal.kubernetes.Rbac;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Faults on a real API server: unreachable (through a proxy per process), the Lease deleted by hand, a conflict storm,
 * a dropped watch, the apiserver process killed and restarted (etcd keeps the data), and the RBAC user's limits.
 * Short leases (3 s / 2 s / 200 ms) so failovers are quick; every wait is bounded.
 */
class RealFaultTest {

    @RegisterExtension
    static final RealApiServer SERVER = new RealApiServer();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path storage;
    private KubernetesTestCluster cluster;
    private final List<HaServices> processes = new ArrayList<>();

    @BeforeEach
    void setUp() {
        cluster = KubernetesTestCluster.proxied(SERVER.get());
    }

    @AfterEach
    void tearDown() {
        processes.forEach(p -> {
            try {
                p.close();
            } catch (RuntimeException e) {
                // keep closing
            }
        });
        cluster.close();
    }

    private HaServices process(String node, Consumer<HaConfig.Builder> custom) {
        HaConfig.Builder b = HaConfig.builder().nodeId(node).storageDir(storage.resolve("blobs"))
                .operationTimeout(Duration.ofSeconds(1)).leaseDuration(Duration.ofSeconds(3))
                .renewDeadline(Duration.ofSeconds(2)).retryPeriod(Duration.ofMillis(200));
        custom.accept(b);
        HaServices p = cluster.newProcess(b);
        processes.add(p);
        return p;
    }

    private HaServices process(String node) {
        return process(node, b -> { });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A backend write that must be refused by the API server's state, retried while the process reconnects. */
    private static RuntimeException refusedOnceReachable(Runnable write) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                write.run();
                throw new AssertionError("the stale write was accepted");
            } catch (BackendUnavailableException | UnknownOutcomeException e) {
                assertThat(System.nanoTime() - deadline).as("reachable again in time: %s", e).isNegative();
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
            } catch (RuntimeException e) {
                return e;
            }
        }
    }

    @Test
    void anUnreachableLeaderRevokesByTheRenewDeadlineAndItsWriteIsRefusedAfterHealing() {
        LeadershipHistory history = new LeadershipHistory();
        HaServices a = process("node-a", b -> b.connectionStatePolicy(ConnectionStatePolicy.REVOKE_ON_LOSS));
        HaServices b = process("node-b");
        TestingContender ca = new TestingContender("a", "addr-a", history).startOn(a.leaderElection("jm"));
        LeaderSession old = ca.awaitGrant(TIMEOUT);
        a.stateStore("ck").put(old, "latest", bytes("chk-1"), StateStore.NEW);
        TestingContender cb = new TestingContender("b", "addr-b", history).startOn(b.leaderElection("jm"));

        long cut = System.nanoTime();
        cluster.partition(a);
        await("a revoked").atMost(TIMEOUT).pollInterval(Duration.ofMillis(5)).until(() -> !ca.isLeader());
        long revokedMs = (System.nanoTime() - cut) / 1_000_000;
        // the renew deadline (2 s) counts from the send of the last successful renewal, before the cut; the bound
        // leaves room for a timer that fires late on a busy machine and stays below b's earliest grant (2.7 s)
        assertThat(revokedMs).as("revoked %d ms after the cut", revokedMs).isLessThanOrEqualTo(2_600);
        LeaderSession current = cb.awaitGrant(TIMEOUT);
        long grantedMs = (System.nanoTime() - cut) / 1_000_000;
        // b waits the lease (3 s) from when it last saw a's renewal (at most a retry period before the cut)
        assertThat(grantedMs).as("b granted %d ms after the cut", grantedMs).isGreaterThanOrEqualTo(2_700);
        assertThat(current.epoch()).isGreaterThan(old.epoch());
        history.assertNoViolations();

        cluster.heal(a);
        // the backend itself refuses the old epoch: the ConfigMap's fence was raised by b before b was told
        RuntimeException refused = refusedOnceReachable(() -> cluster.backend(a).store("ck")
                .put("latest", bytes("stale"), StateStore.ANY, old.epoch()));
        assertThat(refused).isInstanceOf(LeadershipLostException.class);
        assertThat(b.stateStore("ck").get("latest").orElseThrow().value()).isEqualTo(bytes("chk-1"));
        b.stateStore("ck").put(current, "latest", bytes("chk-2"), StateStore.ANY);
    }

    @Test
    void epochsNeverRepeatWhenTheLeaseIsDeletedByHand() {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        TestingContender ca = new TestingContender("a").startOn(a.leaderElection("jm"));
        LeaderSession first = ca.awaitGrant(TIMEOUT);
        a.stateStore("ck").put(first, "latest", bytes("chk-1"), StateStore.NEW);
        ca.startOn(a.leaderElection("other")); // a second component, same session
        TestingContender cb = new TestingContender("b").startOn(b.leaderElection("jm"));

        try (KubernetesClient admin = SERVER.get().adminClient()) {
            admin.resources(Lease.class).inNamespace(cluster.namespace()).withName(Naming.leaseName(cluster.clusterId()))
                    .delete();
        }
        await("a steps down").atMost(TIMEOUT).until(() -> !ca.isLeader());
        await("someone leads again").atMost(TIMEOUT).until(() -> ca.isLeader() || cb.isLeader());
        LeaderSession next = (cb.isLeader() ? cb : ca).session().orElseThrow();
        // re-seeded above the highest fence the ConfigMaps recorded, not from 1
        assertThat(next.epoch()).isGreaterThan(first.epoch());
        RuntimeException refused = refusedOnceReachable(() -> cluster.backend(a).store("ck")
                .put("latest", bytes("stale"), StateStore.ANY, first.epoch()));
        assertThat(refused).isInstanceOf(LeadershipLostException.class);
    }

    @Test
    void aConflictStormOfTenContendersKeepsOneLeaderAndUniqueEpochs() {
        LeadershipHistory history = new LeadershipHistory();
        List<HaServices> procs = new ArrayList<>();
        List<io.hakit.api.LeaderElection> elections = new ArrayList<>();
        List<TestingContender> contenders = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            HaServices p = process("node-" + i);
            procs.add(p);
            io.hakit.api.LeaderElection e = p.leaderElection("jm");
            elections.add(e);
            contenders.add(new TestingContender("node-" + i + "#0", null, history).startOn(e));
        }
        Set<Long> epochs = new HashSet<>();
        for (int cycle = 1; cycle <= 8; cycle++) {
            await("one leader in cycle " + cycle).atMost(TIMEOUT).pollInterval(Duration.ofMillis(2))
                    .until(() -> contenders.stream().filter(TestingContender::isLeader).count() == 1);
            TestingContender leader = contenders.stream().filter(TestingContender::isLeader).findFirst().orElseThrow();
            assertThat(epochs.add(leader.session().orElseThrow().epoch())).isTrue();
            int i = contenders.indexOf(leader);
            elections.get(i).close();
            io.hakit.api.LeaderElection e = procs.get(i).leaderElection("jm");
            elections.set(i, e);
            contenders.set(i, new TestingContender("node-" + i + "#" + cycle, null, history).startOn(e));
        }
        history.assertNoViolations();
    }

    @Test
    void aDroppedWatchResumesWithoutAMissedUpdate() {
        HaServices writer = process("writer");
        HaServices observer = process("observer");
        Map<String, String> seen = new ConcurrentHashMap<>();
        observer.stateStore("w").watch("k", ev -> {
            if (ev.type() == StoreEvent.Type.PUT) {
                seen.put(ev.key(), new String(ev.value().orElseThrow().value(), StandardCharsets.UTF_8));
            } else {
                seen.remove(ev.key());
            }
        });
        StateStore s = writer.stateStore("w");
        for (int i = 0; i < 60; i++) {
            if (i == 20) {
                cluster.proxy(observer).fault(io.hakit.testkit.proxy.Fault.reset()); // every connection of the observer
            }
            if (i == 40) {
                cluster.proxy(observer).fault(io.hakit.testkit.proxy.Fault.pass());
            }
            s.put("k" + (i % 10), bytes("v" + i), StateStore.ANY);
        }
        await("the observer saw the last value of every key").atMost(TIMEOUT).untilAsserted(() -> {
            for (int k = 0; k < 10; k++) {
                assertThat(seen.get("k" + k)).isEqualTo("v" + (50 + k));
            }
        });
    }

    @Test
    void theApiServerKilledAndRestartedLosesNothing() throws Exception {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        TestingContender ca = new TestingContender("a").startOn(a.leaderElection("jm"));
        LeaderSession first = ca.awaitGrant(TIMEOUT);
        a.stateStore("ck").put(first, "latest", bytes("chk-1"), StateStore.NEW);
        TestingContender cb = new TestingContender("b").startOn(b.leaderElection("jm"));
        Map<String, String> seen = new ConcurrentHashMap<>();
        b.stateStore("ck").watch("", ev -> ev.value().ifPresent(v -> seen.put(ev.key(),
                new String(v.value(), StandardCharsets.UTF_8))));

        SERVER.get().killApiServer();
        await("a revoked while the API server is down").atMost(TIMEOUT).until(() -> !ca.isLeader());
        SERVER.get().startApiServerAgain();
        await("a leader again").atMost(Duration.ofSeconds(60)).until(() -> ca.isLeader() || cb.isLeader());
        TestingContender leader = ca.isLeader() ? ca : cb;
        LeaderSession now = leader.session().orElseThrow();
        assertThat(now.epoch()).isGreaterThan(first.epoch());
        HaServices lp = leader == ca ? a : b;
        assertThat(lp.stateStore("ck").get("latest").orElseThrow().value()).isEqualTo(bytes("chk-1"));
        lp.stateStore("ck").put(now, "after", bytes("restart"), StateStore.NEW);
        await("the watch resumed").atMost(TIMEOUT).until(() -> "restart".equals(seen.get("after")));
    }

    @Test
    void theRbacUserCanDoNothingBeyondTheShippedRole() {
        process("node-a");
        try (KubernetesClient user = new KubernetesClientBuilder()
                .withConfig(Rbac.bindTestUser(SERVER.get(), SERVER.get().freshNamespace()))
                .withHttpClientFactory(new JdkHttpClientFactory()).build()) {
            String ns = cluster.namespace();
            assertThatThrownBy(() -> user.secrets().inNamespace(ns).list())
                    .isInstanceOf(KubernetesClientException.class).hasMessageContaining("403");
            assertThatThrownBy(() -> user.pods().inNamespace(ns).list())
                    .isInstanceOf(KubernetesClientException.class).hasMessageContaining("403");
            assertThatThrownBy(() -> user.configMaps().inNamespace("default").list())
                    .isInstanceOf(KubernetesClientException.class).hasMessageContaining("403");
        }
    }

    /**
     * The observer is cut off while 500 ConfigMap writes go by, then resumes: whether the API server still has the
     * version its watch resumes from or answers 410 Gone (then the informer lists again), the fan-out, which diffs each
     * ConfigMap against the last version it saw, reports every key's final value and the delete. (kube-apiserver
     * 1.20 sizes its watch cache by time, so this test cannot force the 410 and does not assert which path ran.)
     */
    @Test
    void aLongOutageWithManyWritesIsResumedWithoutAMissedUpdate() {
        HaServices writer = process("writer");
        HaServices observer = process("observer");
        Map<String, String> seen = new ConcurrentHashMap<>();
        observer.stateStore("w").watch("k", ev -> {
            if (ev.type() == StoreEvent.Type.PUT) {
                seen.put(ev.key(), new String(ev.value().orElseThrow().value(), StandardCharsets.UTF_8));
            } else {
                seen.remove(ev.key());
            }
        });
        StateStore w = writer.stateStore("w");
        StateStore noise = writer.stateStore("noise");
        w.put("k0", bytes("before"), StateStore.NEW);
        await("the watch works").atMost(TIMEOUT).until(() -> "before".equals(seen.get("k0")));

        cluster.proxy(observer).fault(io.hakit.testkit.proxy.Fault.reset());
        for (int i = 0; i < 500; i++) {
            noise.put("n" + (i % 20), bytes("x" + i), StateStore.ANY);
            if (i % 100 == 0) {
                w.put("k" + (i / 100), bytes("v" + i), StateStore.ANY);
            }
        }
        w.delete("k0", StateStore.ANY);
        cluster.proxy(observer).fault(io.hakit.testkit.proxy.Fault.pass());

        await("the observer caught up").atMost(TIMEOUT).untilAsserted(() -> {
            for (int k = 1; k < 5; k++) {
                assertThat(seen.get("k" + k)).isEqualTo("v" + (k * 100));
            }
            assertThat(seen).doesNotContainKey("k0");
        });
    }
}
