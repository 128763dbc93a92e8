package io.hakit.testkit.junit.internal.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.kubernetes.internal.Naming;
import io.hakit.testkit.junit.internal.BackendServer;
import io.hakit.testkit.junit.internal.ClusterControl;
import io.hakit.testkit.junit.internal.TestClusterControl;
import io.hakit.testkit.junit.internal.Recording;
import io.hakit.testkit.junit.internal.ThreadLeaks;
import io.hakit.testkit.junit.internal.Waits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * One Kubernetes API server for a test class (a real one, or fabric8's mock); each test gets a proxied
 * {@link KubernetesTestCluster} (its own cluster id and namespace).
 *
 * <p>Leadership moves as an administrator editing the Lease would. To grant a process, the Lease is first held for a
 * stranger with a long lease, so that the old leader steps down at its next renewal and nobody else acquires; then
 * the other contenders are cut off for a moment and the Lease released, so that the process, seeing the release,
 * acquires it with the next epoch.
 */
public final class KubernetesBackendServer implements BackendServer {

    /** The holder identity of an administrator's hold on the Lease. */
    static final String HOLD = "hakit-testkit-hold";

    private final ApiServers server;
    private final Timing timing;

    /** Lease timings of the processes: short, so that a test's failovers take seconds, not the defaults' 15 s. */
    public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod,
            Duration operationTimeout) {
    }

    private KubernetesBackendServer(ApiServers server, Timing timing) {
        this.server = server;
        this.timing = timing;
    }

    /**
     * On fabric8's mock server in CRUD mode.
     *
     * @param timing the processes' lease timings
     * @return the started server
     */
    public static KubernetesBackendServer mock(Timing timing) {
        MockApiServer.warnIfTheStallingWatchListenerIsLoaded();
        return new KubernetesBackendServer(MockApiServer.mock(), timing);
    }

    /**
     * On the cluster of {@code $KUBECONFIG}, or a kube-apiserver with etcd started here.
     *
     * @param timing the processes' lease timings
     * @return the started server
     * @throws Exception if it cannot start
     */
    public static KubernetesBackendServer real(Timing timing) throws Exception {
        return new KubernetesBackendServer(ApiServers.real(), timing);
    }

    /**
     * Why a real API server cannot run here, or null if it can.
     *
     * @return the reason, or null
     */
    public static String realUnavailableReason() {
        return ApiServers.unavailableReason();
    }

    @Override
    public String describe() {
        return server.describe();
    }

    @Override
    public ClusterControl newCluster() {
        return new Control(KubernetesTestCluster.proxied(server), timing);
    }

    /**
     * The mock server's threads (Vert.x, Netty, HAKit's watch senders), and the JDK HTTP client's selector thread:
     * Java 17's client has no close, its selector ends only once the client is garbage.
     */
    @Override
    public boolean outlivesProcesses(Thread thread) {
        return (thread.getName().startsWith("HttpClient-") && thread.getName().endsWith("-SelectorManager"))
                || ThreadLeaks.matches(thread, List.of("vert.x-", "mock-watch-sender", "MockWebServer"),
                        List.of("io.vertx.", "io.netty.", "io.fabric8.mockwebserver."));
    }

    @Override
    public void close() throws Exception {
        server.close();
    }

    /** One test's cluster. */
    private static final class Control extends TestClusterControl {
        private final KubernetesTestCluster cluster;
        private final Timing timing;
        private final Map<String, HaServices> processes = new ConcurrentHashMap<>();

        Control(KubernetesTestCluster cluster, Timing timing) {
            super(cluster);
            this.cluster = cluster;
            this.timing = timing;
        }

        @Override
        public HaConfig.Builder configure(HaConfig.Builder config) {
            return cluster.configure(config.leaseDuration(timing.leaseDuration())
                    .renewDeadline(timing.renewDeadline()).retryPeriod(timing.retryPeriod())
                    .operationTimeout(timing.operationTimeout()));
        }

        @Override
        public HaServices connect(HaConfig.Builder config) {
            HaServices p = super.connect(config);
            processes.put(p.config().nodeId(), p);
            return p;
        }

        private String leaseName() {
            return Naming.leaseName(cluster.clusterId());
        }

        private Optional<Lease> lease() {
            try (KubernetesClient admin = cluster.server().adminClient()) {
                return Optional.ofNullable(admin.resources(Lease.class).inNamespace(cluster.namespace())
                        .withName(leaseName()).get());
            }
        }

        private static String holder(Lease lease) {
            return lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
        }

        /** The process whose elector's identity ({@code <node id>-<random hex>}) holds the Lease, if one does. */
        private Optional<String> holderNode(Optional<Lease> lease) {
            String holder = lease.map(KubernetesBackendServer.Control::holder).orElse(null);
            if (holder == null) {
                return Optional.empty();
            }
            return processes.keySet().stream().filter(n -> holder.startsWith(n + "-")
                    && holder.substring(n.length() + 1).chars().allMatch(c -> Character.digit(c, 16) >= 0))
                    .findFirst();
        }

        /** Rewrites the Lease's spec as an administrator would, reading it again after a conflicting renewal. */
        private void editLease(UnaryOperator<LeaseBuilder> edit) {
            try (KubernetesClient admin = cluster.server().adminClient()) {
                for (int attempt = 0; ; attempt++) {
                    Lease l = admin.resources(Lease.class).inNamespace(cluster.namespace()).withName(leaseName())
                            .get();
                    if (l == null) {
                        throw new IllegalStateException("no Lease " + leaseName() + " in " + cluster.namespace()
                                + ": nobody contends");
                    }
                    try {
                        admin.resources(Lease.class).inNamespace(cluster.namespace())
                                .resource(edit.apply(new LeaseBuilder(l)).build()).update();
                        return;
                    } catch (KubernetesClientException e) {
                        if (e.getCode() != 409 || attempt == 50) {
                            throw e;
                        }
                        // a renewal came between the read and the update: read again
                    }
                }
            }
        }

        /** Holds the Lease for a stranger for an hour: the holder steps down at its next renewal, nobody acquires. */
        private void hold() {
            editLease(b -> b.editSpec().withHolderIdentity(HOLD).withLeaseDurationSeconds(3600).endSpec());
        }

        /** Releases the Lease (no holder): a contender that sees it acquires it at once. */
        private void release() {
            editLease(b -> b.editSpec().withHolderIdentity(null).endSpec());
        }

        @Override
        public void awaitContending(HaServices process, Duration bound) {
            Waits.require(bound, "a Lease " + leaseName(), () -> lease().isPresent(), () -> "no Lease");
        }

        @Override
        public void grant(HaServices process, Recording leaders, Duration bound) {
            String node = process.config().nodeId();
            if (holderNode(lease()).filter(node::equals).isPresent()) {
                return;
            }
            hold();
            Waits.require(bound, "the old leader's revoke", () -> leaders.leaders().stream().allMatch(node::equals),
                    leaders::describe);
            List<HaServices> others = new ArrayList<>();
            for (String other : leaders.contenders()) {
                if (!other.equals(node) && processes.containsKey(other)) {
                    others.add(processes.get(other));
                }
            }
            others.forEach(cluster::partition);
            try {
                release();
                Waits.require(bound, node + " acquiring the Lease", () -> holderNode(lease()).filter(node::equals)
                        .isPresent(), () -> "the Lease is held by " + lease().map(Control::holder).orElse("nobody"));
            } finally {
                others.forEach(cluster::heal);
            }
        }

        @Override
        public void revokeSole(HaServices process, Recording leaders, Duration bound) {
            String node = process.config().nodeId();
            hold();
            Waits.require(bound, node + "'s revoke", () -> !leaders.leads(node), leaders::describe);
            release();
        }

        /**
         * Kubernetes has no session: the Lease ends as an expired lease would, if {@code process} holds it (a
         * stranger takes it with a one-second lease, see {@link KubernetesTestCluster#expireSession}); else nothing
         * happens.
         */
        @Override
        public void expireSession(HaServices process) {
            if (holderNode(lease()).filter(process.config().nodeId()::equals).isPresent()) {
                super.expireSession(process);
            }
        }

        @Override
        public void healAll() {
            cluster.healAll();
        }

        /**
         * The Lease still held by one of the processes (each releases it on close). Open connections are not counted:
         * Java 17's HTTP client keeps idle pooled connections until the client is garbage.
         */
        @Override
        public List<String> leaks(Duration bound) {
            List<String> found = new ArrayList<>();
            Waits.until(bound, () -> {
                found.clear();
                Optional<Lease> lease = lease();
                holderNode(lease).ifPresent(n -> found.add("Lease " + leaseName() + " is still held by " + n + " ("
                        + lease.map(Control::holder).orElse("") + "): it was not released"));
                return found.isEmpty();
            });
            return List.copyOf(found);
        }
    }
}
