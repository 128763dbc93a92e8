package io.hakit.flink;

import io.hakit.api.HaConfig;
import io.hakit.flink.core.HakitProcess;
import io.hakit.testkit.FreePorts;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import io.hakit.zookeeper.ZooKeeperOptions;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.flink.configuration.Configuration;
import org.apache.zookeeper.util.ServiceUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failover of a real Flink JobManager on HAKit's ZooKeeper backend, on a real 3-member ensemble (curator-test's
 * TestingCluster). Each HAKit process reaches every member through proxies of its own; the leader's session expires
 * after its proxies cut it off for longer than the 2 s session timeout.
 */
class ZooKeeperFailoverTest extends FailoverTestBase {

    private static final String ROOT = "/hakit-flink-test";
    private static TestingCluster ensemble;
    private final Map<Integer, List<FaultInjectingProxy>> proxies = new ConcurrentHashMap<>();

    @BeforeAll
    static void startEnsemble() throws Exception {
        // members on ports below the ephemeral range, where no outgoing connection takes them before they bind
        List<InstanceSpec> members = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int[] p = FreePorts.loopback(3);
            members.add(new InstanceSpec(null, p[0], p[1], p[2], true, -1, -1, -1));
        }
        ensemble = new TestingCluster(members);
        try {
            ensemble.start();
        } finally {
            // a ZooKeeper server's fatal error must not end this JVM: curator-test's embedded server sets
            // System.exit each time a member starts
            ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
        }
    }

    @AfterAll
    static void stopEnsemble() throws Exception {
        ensemble.close();
    }

    @AfterEach
    void closeProxies() {
        proxies.values().forEach(l -> l.forEach(FaultInjectingProxy::close));
    }

    @Override
    protected Configuration config(Path storage) {
        Configuration c = TestProcesses.embeddedConfig(storage);
        c.setString("high-availability.hakit.backend", "zookeeper");
        c.setString(ZooKeeperOptions.QUORUM, ensemble.getConnectString());
        c.setString(ZooKeeperOptions.PATH_ROOT, ROOT);
        c.setString(ZooKeeperOptions.SESSION_TIMEOUT, "2 s");
        c.setString(ZooKeeperOptions.CONNECTION_TIMEOUT, "5 s");
        c.setString(ZooKeeperOptions.RETRY_WAIT, "100 ms");
        return c;
    }

    @Override
    protected void customize(int index, HaConfig.Builder b) {
        List<FaultInjectingProxy> own = new CopyOnWriteArrayList<>();
        for (InstanceSpec member : ensemble.getInstances()) {
            own.add(FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", member.getPort())));
        }
        proxies.put(index, own);
        b.backendOption(ZooKeeperOptions.ENSEMBLE_TRACKER, "false");
        b.backendOption(ZooKeeperOptions.QUORUM, own.stream().map(p -> "127.0.0.1:" + p.localAddress().getPort())
                .collect(Collectors.joining(",")));
    }

    @Override
    protected void expireSession(int index, HakitProcess process) {
        proxies.get(index).forEach(p -> p.fault(Fault.blackhole()));
    }

    @Override
    protected void heal(int index) {
        proxies.get(index).forEach(p -> p.fault(Fault.pass()));
    }

    /** Not a znode left under the cluster's path. */
    @Override
    protected void assertBackendHoldsNothing(Configuration config) throws Exception {
        try (CuratorFramework c = CuratorFrameworkFactory.newClient(ensemble.getConnectString(), new RetryOneTime(100))) {
            c.start();
            c.blockUntilConnected();
            c.sync().forPath("/");
            String path = ROOT + "/" + HakitProcess.clusterId(config);
            assertThat(c.checkExists().forPath(path)).as("znode %s", path).isNull();
        }
    }
}
