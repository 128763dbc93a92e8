package io.hakit.cli;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import io.hakit.zookeeper.ZooKeeperOptions;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.util.ServiceUtils;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/** Where the demo's processes run, and how it deposes and crashes a leader there. */
interface DemoBackend extends AutoCloseable {

    /** For the header line: "the embedded in-process backend". */
    String description();

    /** Starts one process. */
    HaServices newProcess(String nodeId);

    /** How the first failover happens, for the table. */
    String deposeHow();

    /** Takes leadership away from a live leader. */
    void depose(String nodeId);

    /** Called once the first failover is seen; the deposed process may reconnect. */
    void afterDeposed(String nodeId);

    /** How the second failover happens, for the table. */
    String crashHow();

    /** Kills a process without a goodbye. */
    void crash(String nodeId, HaServices services);

    /** The contenders in queue order, where the backend can tell. */
    Optional<List<String>> contenders();

    /** Before the processes are closed: undo faults so that they close quickly. */
    default void prepareClose() {
    }

    /** After the processes are closed: stop what the backend runs. */
    @Override
    void close();

    static DemoBackend create(String type) {
        switch (type) {
            case "embedded":
                return new Embedded();
            case "zookeeper":
                return new ZooKeeper();
            case "kubernetes":
                return new Kubernetes();
            default:
                throw new IllegalArgumentException("--backend must be embedded, zookeeper or kubernetes, was '" + type
                        + "'");
        }
    }

    /** The embedded backend: its control surface revokes; a crash closes the process. */
    final class Embedded implements DemoBackend {
        private final EmbeddedHaBackend backend = EmbeddedHaBackend.create();

        @Override
        public String description() {
            return "the embedded in-process backend";
        }

        @Override
        public HaServices newProcess(String nodeId) {
            return backend.newServices(HaConfig.builder().clusterId("hakit-demo").nodeId(nodeId).build());
        }

        @Override
        public String deposeHow() {
            return "deposed (live, the backend revokes it)";
        }

        @Override
        public void depose(String nodeId) {
            backend.revokeLeadership();
        }

        @Override
        public void afterDeposed(String nodeId) {
        }

        @Override
        public String crashHow() {
            return "crashed (its process's session ends)";
        }

        @Override
        public void crash(String nodeId, HaServices services) {
            services.close();
        }

        @Override
        public Optional<List<String>> contenders() {
            return Optional.of(backend.contenders());
        }

        @Override
        public void close() {
        }
    }

    /**
     * A backend every process reaches through its own fault-injecting proxies: deposing or crashing a process cuts
     * them (the backend then sees it vanish, as after a partition or a crash), and healing opens them again.
     */
    abstract class Proxied implements DemoBackend {
        /** Each process's proxies, by node id. */
        final Map<String, List<FaultInjectingProxy>> proxies = new HashMap<>();

        @Override
        public void depose(String nodeId) {
            cut(nodeId);
        }

        @Override
        public void afterDeposed(String nodeId) {
            for (FaultInjectingProxy p : proxies.get(nodeId)) {
                p.refuseNewConnections(false);
                p.fault(Fault.pass());
            }
        }

        @Override
        public void crash(String nodeId, HaServices services) {
            cut(nodeId);
        }

        private void cut(String nodeId) {
            for (FaultInjectingProxy p : proxies.get(nodeId)) {
                p.fault(Fault.blackhole());
                p.refuseNewConnections(true);
            }
        }

        @Override
        public Optional<List<String>> contenders() {
            return Optional.empty();
        }

        @Override
        public void prepareClose() {
            // let cut-off processes close quickly: their sessions or Leases are gone already
            for (String nodeId : proxies.keySet()) {
                afterDeposed(nodeId);
            }
        }

        void closeProxies() {
            for (List<FaultInjectingProxy> ps : proxies.values()) {
                ps.forEach(FaultInjectingProxy::close);
            }
        }
    }

    /**
     * A real 3-member ZooKeeper ensemble in this JVM; every process reaches it through its own fault-injecting
     * proxies, so the demo can cut one off (its session then expires on the servers, as after a crash or a
     * partition longer than the session timeout).
     */
    final class ZooKeeper extends Proxied {
        static final Duration SESSION_TIMEOUT = Duration.ofMillis(1500);
        private final TestingCluster ensemble;

        ZooKeeper() {
            List<InstanceSpec> specs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                // a 100 ms tick lets the servers grant a session timeout as short as 200 ms
                specs.add(new InstanceSpec(null, -1, -1, -1, true, -1, 100, -1));
            }
            // a member's fatal error (an election port it cannot bind) is logged, not the end of the demo's JVM
            ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
            TestingCluster c = new TestingCluster(specs);
            try {
                c.start();
            } catch (Exception e) {
                throw new IllegalStateException("could not start the in-process ZooKeeper ensemble: " + e, e);
            }
            this.ensemble = c;
        }

        @Override
        public String description() {
            return "a 3-member ZooKeeper ensemble (in-process, session timeout " + SESSION_TIMEOUT.toMillis()
                    + " ms), each process behind its own proxies";
        }

        @Override
        public HaServices newProcess(String nodeId) {
            List<FaultInjectingProxy> mine = new ArrayList<>();
            StringJoiner quorum = new StringJoiner(",");
            for (InstanceSpec spec : ensemble.getInstances()) {
                FaultInjectingProxy p = FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", spec.getPort()));
                mine.add(p);
                quorum.add("127.0.0.1:" + p.localPort());
            }
            proxies.put(nodeId, mine);
            return HaServices.create(HaConfig.builder().type("zookeeper").clusterId("hakit-demo").nodeId(nodeId)
                    .backendOption(ZooKeeperOptions.QUORUM, quorum.toString())
                    .backendOption(ZooKeeperOptions.SESSION_TIMEOUT, SESSION_TIMEOUT.toMillis() + " ms")
                    .backendOption(ZooKeeperOptions.CONNECTION_TIMEOUT, "5 s")
                    .backendOption(ZooKeeperOptions.RETRY_WAIT, "100 ms")
                    .build());
        }

        @Override
        public String deposeHow() {
            return "partitioned (live, cut off from ZooKeeper)";
        }

        @Override
        public String crashHow() {
            return "killed (no goodbye; its session expires)";
        }

        @Override
        public void close() {
            closeProxies();
            try {
                ensemble.close();
            } catch (Exception e) {
                // going away
            }
        }
    }

    /**
     * A real Kubernetes API server: the cluster of {@code $KUBECONFIG}, else kube-apiserver 1.20.2 + etcd started on
     * loopback for the demo by {@code ha-kubernetes/src/test/k8s/kube-apiserver.sh} (built once with its
     * {@code build} command). Every process reaches it through its own fault-injecting proxy (TLS passes through),
     * so the demo can cut one off; its Lease then runs out on the others' clocks. Leases of 3 s / 2 s / 200 ms.
     * fabric8's mock server is not offered here: its Vert.x needs Netty 4.2, the keepalive in this CLI Netty 4.1.
     */
    final class Kubernetes extends Proxied {
        private static final java.util.regex.Pattern SERVER =
                java.util.regex.Pattern.compile("server: \"?(https?)://([^:/\"]+):(\\d+)\"?");
        private final java.nio.file.Path dir;
        private final java.nio.file.Path script;
        private final String kubeconfig;
        private final String what;

        Kubernetes() {
            String env = System.getenv("KUBECONFIG");
            try {
                if (env != null) {
                    dir = null;
                    script = null;
                    kubeconfig = java.nio.file.Files.readString(java.nio.file.Paths.get(env));
                    what = "the Kubernetes cluster of KUBECONFIG=" + env;
                    return;
                }
                script = script();
                if (run(List.of("bash", script.toString(), "path")) != 0) {
                    throw new IllegalStateException("kube-apiserver 1.20.2 is not built on this machine: run 'bash "
                            + script + " build' as root (once, 3.5-6 min), or set KUBECONFIG to a cluster");
                }
                dir = java.nio.file.Files.createTempDirectory("hakit-demo-apiserver");
                if (run(List.of("bash", script.toString(), "start", dir.toString())) != 0) {
                    throw new IllegalStateException("kube-apiserver.sh start failed; see " + dir);
                }
                kubeconfig = java.nio.file.Files.readString(dir.resolve("kubeconfig"));
                what = "a real kube-apiserver 1.20.2 + etcd on loopback (started for the demo)";
            } catch (java.io.IOException e) {
                throw new IllegalStateException("could not prepare the Kubernetes API server: " + e, e);
            }
        }

        private static java.nio.file.Path script() {
            for (String p : List.of("ha-kubernetes/src/test/k8s/kube-apiserver.sh",
                    "../ha-kubernetes/src/test/k8s/kube-apiserver.sh")) {
                if (java.nio.file.Files.isRegularFile(java.nio.file.Paths.get(p))) {
                    return java.nio.file.Paths.get(p).toAbsolutePath();
                }
            }
            throw new IllegalStateException("ha-kubernetes/src/test/k8s/kube-apiserver.sh not found: run the demo from "
                    + "the repository, or set KUBECONFIG to a cluster");
        }

        private static int run(List<String> command) {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) ? p.exitValue() : -1;
            } catch (java.io.IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        @Override
        public String description() {
            return what + ", each process behind its own proxy (lease 3 s, renew deadline 2 s)";
        }

        @Override
        public HaServices newProcess(String nodeId) {
            java.util.regex.Matcher m = SERVER.matcher(kubeconfig);
            if (!m.find()) {
                throw new IllegalStateException("no server address in the kubeconfig");
            }
            FaultInjectingProxy proxy = FaultInjectingProxy.start(new InetSocketAddress(m.group(2),
                    Integer.parseInt(m.group(3))));
            proxies.put(nodeId, List.of(proxy));
            String mine = m.replaceFirst("server: \"" + m.group(1) + "://127.0.0.1:" + proxy.localPort() + "\"");
            java.nio.file.Path file;
            try {
                file = java.nio.file.Files.createTempFile("hakit-demo-" + nodeId, ".kubeconfig");
                file.toFile().deleteOnExit();
                java.nio.file.Files.writeString(file, mine);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("could not write a kubeconfig: " + e, e);
            }
            return HaServices.create(HaConfig.builder().type("kubernetes").clusterId("hakit-demo").nodeId(nodeId)
                    .leaseDuration(Duration.ofSeconds(3)).renewDeadline(Duration.ofSeconds(2))
                    .retryPeriod(Duration.ofMillis(200)).operationTimeout(Duration.ofSeconds(2))
                    .backendOption("kubernetes.config.file", file.toString()).build());
        }

        @Override
        public String deposeHow() {
            return "partitioned (live, cut off from the API server)";
        }

        @Override
        public String crashHow() {
            return "killed (no goodbye; its Lease runs out)";
        }

        @Override
        public void close() {
            closeProxies();
            if (dir != null) {
                run(List.of("bash", script.toString(), "stop", dir.toString()));
                run(List.of("rm", "-rf", dir.toString()));
            }
        }
    }
}
