package io.hakit.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.internal.DefaultHaServices;
import io.hakit.testkit.TestCluster;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.ZooKeeper;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link TestCluster} on a real ZooKeeper ensemble: each test gets its own cluster id (its own subtree), and each
 * process its own Curator session. Keeps the backends so tests can reach a process's session.
 */
final class ZooKeeperTestCluster implements TestCluster {

    private static final AtomicInteger IDS = new AtomicInteger();

    private final TestingCluster ensemble;
    private final String clusterId = "c" + IDS.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    private final Map<String, ZooKeeperBackend> backends = new ConcurrentHashMap<>();
    private final Duration sessionTimeout;

    ZooKeeperTestCluster(TestingCluster ensemble, Duration sessionTimeout) {
        this.ensemble = ensemble;
        this.sessionTimeout = sessionTimeout;
    }

    ZooKeeperTestCluster(TestingCluster ensemble) {
        this(ensemble, Duration.ofSeconds(4));
    }

    HaConfig.Builder configure(HaConfig.Builder b) {
        return b.type("zookeeper").clusterId(clusterId)
                .backendOption(ZooKeeperOptions.QUORUM, ensemble.getConnectString())
                .backendOption(ZooKeeperOptions.SESSION_TIMEOUT, sessionTimeout.toMillis() + " ms")
                .backendOption(ZooKeeperOptions.CONNECTION_TIMEOUT, "5 s")
                .backendOption(ZooKeeperOptions.RETRY_WAIT, "100 ms")
                .backendOption(ZooKeeperOptions.MAX_RETRY_ATTEMPTS, "3");
    }

    @Override
    public HaServices newProcess(HaConfig.Builder config) {
        HaConfig c = configure(config).build();
        return new DefaultHaServices(c, events -> {
            ZooKeeperBackend b = ZooKeeperBackend.connect(c, ZooKeeperOptions.of(c), events);
            backends.put(c.nodeId(), b);
            return b;
        });
    }

    /** The backend of a process started by this cluster. */
    ZooKeeperBackend backend(HaServices process) {
        ZooKeeperBackend b = backends.get(process.config().nodeId());
        if (b == null) {
            throw new IllegalArgumentException("no process " + process.config().nodeId());
        }
        return b;
    }

    @Override
    public boolean expireSession(HaServices process) {
        try {
            ZooKeeper zk = backend(process).client.getZookeeperClient().getZooKeeper();
            ZkEnsemble.expire(ensemble.getConnectString(), zk.getSessionId(), zk.getSessionPasswd());
            return true;
        } catch (Exception e) {
            throw new IllegalStateException("could not expire the session of " + process.config().nodeId(), e);
        }
    }

    String clusterId() {
        return clusterId;
    }

    TestingCluster ensemble() {
        return ensemble;
    }
}
