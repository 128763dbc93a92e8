package io.hakit.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.kubernetes.internal.Naming;
import io.hakit.testkit.ManualTicker;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesTestCluster;
import io.hakit.testkit.junit.internal.kubernetes.MockApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Behaviour on the CRUD mock server that needs a driven ticker or a prepared object. */
class MockFaultTest {

    @RegisterExtension
    static final MockApiServer SERVER = new MockApiServer();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path storage;
    private KubernetesTestCluster cluster;
    private final List<HaServices> processes = new ArrayList<>();

    @BeforeEach
    void setUp() {
        cluster = KubernetesTestCluster.on(SERVER.get());
    }

    @AfterEach
    void tearDown() {
        processes.forEach(HaServices::close);
        cluster.close();
    }

    private HaServices process(String node, ManualTicker ticker) {
        HaConfig.Builder b = HaConfig.builder().nodeId(node).storageDir(storage.resolve("blobs"))
                .operationTimeout(Duration.ofSeconds(5)).leaseDuration(Duration.ofSeconds(15))
                .renewDeadline(Duration.ofSeconds(10)).retryPeriod(Duration.ofMillis(100));
        if (ticker != null) {
            b.ticker(ticker);
        }
        HaServices p = cluster.newProcess(b);
        processes.add(p);
        return p;
    }

    /**
     * A Lease whose record says it was renewed an hour ago is still respected for its whole duration as this process
     * measures it from when it first saw that version: the record's renewTime is never compared with the local clock
     * (fabric8's LeaderElector would take it over at once). And a renewTime in the future extends nothing.
     */
    @Test
    void expiryIsMeasuredOnTheLocalTickerFromWhenTheLeaseWasSeenNotFromItsRenewTime() {
        String leaseName = Naming.leaseName(cluster.clusterId());
        try (KubernetesClient admin = SERVER.get().adminClient()) {
            ZonedDateTime hourAgo = ZonedDateTime.now(ZoneOffset.UTC).minusHours(1);
            admin.resources(Lease.class).inNamespace(cluster.namespace()).resource(new LeaseBuilder()
                    .withNewMetadata().withName(leaseName).withNamespace(cluster.namespace())
                    .withAnnotations(Map.of(Naming.EPOCH, "41")).endMetadata()
                    .withNewSpec().withHolderIdentity("ghost").withLeaseDurationSeconds(15).withAcquireTime(hourAgo)
                    .withRenewTime(hourAgo).withLeaseTransitions(3).endSpec().build()).create();
        }
        ManualTicker ticker = new ManualTicker();
        HaServices a = process("node-a", ticker);
        TestingContender ca = new TestingContender("a").startOn(a.leaderElection("jm"));
        // many retry periods of real time pass; the ticker does not move: the ghost's lease holds
        await().pollDelay(Duration.ofMillis(800)).atMost(TIMEOUT).until(() -> true);
        assertThat(ca.isLeader()).isFalse();
        ticker.advance(Duration.ofSeconds(14));
        await().pollDelay(Duration.ofMillis(500)).atMost(TIMEOUT).until(() -> true);
        assertThat(ca.isLeader()).as("14 s of 15 on the local ticker").isFalse();
        ticker.advance(Duration.ofSeconds(2));
        LeaderSession s = ca.awaitGrant(TIMEOUT);
        assertThat(s.epoch()).as("one above the Lease's epoch annotation").isEqualTo(42);
    }

    /**
     * A namespace whose ConfigMap would pass Kubernetes' 1 MiB limit is refused by the driver before anything is sent
     * (the mock server checks no sizes): the core then keeps the value in the blob store with a pointer inline.
     */
    @Test
    void aFullNamespaceOffloadsToTheBlobStoreAndTheConfigMapStaysUnderOneMiB() {
        HaServices a = process("node-a", null);
        StateStore s = a.stateStore("big");
        Random r = new Random(1);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            byte[] v = new byte[100 * 1024]; // each under the 128 KiB inline limit; together far over 1 MiB
            r.nextBytes(v);
            values.add(v);
            s.put("v" + i, v, StateStore.NEW);
        }
        for (int i = 0; i < 14; i++) {
            assertThat(s.get("v" + i).orElseThrow().value()).isEqualTo(values.get(i));
        }
        try (KubernetesClient admin = SERVER.get().adminClient()) {
            ConfigMap cm = admin.configMaps().inNamespace(cluster.namespace())
                    .withName(Naming.storeName(cluster.clusterId(), "big")).get();
            long size = cm.getBinaryData().entrySet().stream()
                    .mapToLong(e -> e.getKey().length() + java.util.Base64.getDecoder().decode(e.getValue()).length)
                    .sum();
            assertThat(size).isLessThan(1024 * 1024).isGreaterThan(800 * 1024);
        }
    }

    /**
     * A crashed leader leaves its record in the ConfigMap (no ephemeral node vanishes): a retriever shows it until the
     * Lease has gone unrenewed for its duration on the retriever's own ticker, then shows no leader.
     */
    @Test
    void aCrashedLeadersRecordDisappearsWhenItsLeaseRunsOutOnTheRetrieversTicker() {
        KubernetesTestCluster proxied = KubernetesTestCluster.proxied(SERVER.get());
        try {
            HaServices a = proxied.newProcess(HaConfig.builder().nodeId("node-a").storageDir(storage.resolve("a"))
                    .leaseDuration(Duration.ofSeconds(15)).renewDeadline(Duration.ofSeconds(10))
                    .retryPeriod(Duration.ofMillis(100)).operationTimeout(Duration.ofSeconds(2)));
            processes.add(a);
            ManualTicker ticker = new ManualTicker();
            HaServices observer = proxied.newProcess(HaConfig.builder().nodeId("observer")
                    .storageDir(storage.resolve("o")).ticker(ticker).operationTimeout(Duration.ofSeconds(2)));
            processes.add(observer);
            io.hakit.testkit.TestingRetrievalListener seen = new io.hakit.testkit.TestingRetrievalListener();
            observer.watchLeader("jm", seen);
            io.hakit.api.LeaderElection e = a.leaderElection("jm");
            new TestingContender("a", "addr-a", null).startOn(e).awaitGrant(TIMEOUT);
            seen.awaitLatest(i -> i.address().map("addr-a"::equals).orElse(false), TIMEOUT);

            proxied.partition(a); // a crashed: no more renewals, no goodbye
            // a renewal already on its way may still land (and count as a fresh one): start once a has noticed
            await("a cut off").atMost(TIMEOUT)
                    .until(() -> a.connectionState() != io.hakit.api.ConnectionState.CONNECTED);
            await().pollDelay(Duration.ofMillis(300)).atMost(TIMEOUT).until(() -> true);
            ticker.advance(Duration.ofSeconds(14));
            await().pollDelay(Duration.ofMillis(500)).atMost(TIMEOUT).until(() -> true);
            assertThat(seen.latest().address()).as("14 s of 15 on the observer's ticker").contains("addr-a");
            ticker.advance(Duration.ofSeconds(2));
            await("no leader shown").atMost(TIMEOUT).until(() -> seen.latest().isEmpty());
            proxied.heal(a);
        } finally {
            processes.forEach(HaServices::close); // before their proxies go
            processes.clear();
            proxied.close();
        }
    }
}
