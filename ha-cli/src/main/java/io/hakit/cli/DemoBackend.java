package io.hakit.cli;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import io.hakit.zookeeper.ZooKeeperOptions;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

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
            default:
                throw new IllegalArgumentException("--backend must be embedded or zookeeper, was '" + type + "'");
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
     * A real 3-member ZooKeeper ensemble in this JVM; every process reaches it through its own fault-injecting
     * proxies, so the demo can cut one off (its session then expires on the servers, as after a crash or a
     * partition longer than the session timeout).
     */
    final class ZooKeeper implements DemoBackend {
        static final Duration SESSION_TIMEOUT = Duration.ofMillis(1500);
        private final TestingCluster ensemble;
        private final Map<String, List<FaultInjectingProxy>> proxies = new HashMap<>();

        ZooKeeper() {
            List<InstanceSpec> specs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                // a 100 ms tick lets the servers grant a session timeout as short as 200 ms
                specs.add(new InstanceSpec(null, -1, -1, -1, true, -1, 100, -1));
            }
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
        public String crashHow() {
            return "killed (no goodbye; its session expires)";
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
            // let cut-off processes close quickly: their sessions are gone already
            for (String nodeId : proxies.keySet()) {
                afterDeposed(nodeId);
            }
        }

        @Override
        public void close() {
            for (List<FaultInjectingProxy> ps : proxies.values()) {
                ps.forEach(FaultInjectingProxy::close);
            }
            try {
                ensemble.close();
            } catch (Exception e) {
                // going away
            }
        }
    }
}
