package io.hakit.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.support.CustomBackend;
import io.hakit.testkit.junit.internal.zookeeper.ZooKeeperTestCluster;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.ZooKeeper;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * {@link ZooKeeperTestCluster}s for this module's tests: their processes are connected on a {@link ZooKeeperBackend}
 * this class keeps, so a test can look into a process's backend ({@link #backend(HaServices)}) and expire its session
 * through its own handle.
 */
final class ZkTestClusters implements ZooKeeperTestCluster.Connector {

    private static final ZkTestClusters CONNECTOR = new ZkTestClusters();
    /** The backend of every process connected here, until the process is garbage. */
    private static final Map<HaServices, ZooKeeperBackend> BACKENDS = Collections.synchronizedMap(new WeakHashMap<>());

    private ZkTestClusters() {
    }

    /** A cluster on {@code ensemble} whose processes connect directly, with a 4 s session timeout. */
    static ZooKeeperTestCluster on(TestingCluster ensemble) {
        return on(ensemble, Duration.ofSeconds(4));
    }

    /** A cluster on {@code ensemble} whose processes connect directly. */
    static ZooKeeperTestCluster on(TestingCluster ensemble, Duration sessionTimeout) {
        return ZooKeeperTestCluster.direct(ensemble, sessionTimeout, CONNECTOR);
    }

    /** A cluster on {@code ensemble} whose processes reach each member through proxies of their own. */
    static ZooKeeperTestCluster proxied(TestingCluster ensemble, Duration sessionTimeout) {
        return ZooKeeperTestCluster.proxied(ensemble, sessionTimeout, CONNECTOR);
    }

    /** The backend of a process connected by one of these clusters. */
    static ZooKeeperBackend backend(HaServices process) {
        ZooKeeperBackend b = BACKENDS.get(process);
        if (b == null) {
            throw new IllegalArgumentException("no process " + process.config().nodeId());
        }
        return b;
    }

    @Override
    public HaServices connect(HaConfig c) {
        ZooKeeperBackend[] connected = new ZooKeeperBackend[1];
        HaServices services = CustomBackend.start(c, events -> {
            connected[0] = ZooKeeperBackend.connect(c, ZooKeeperOptions.of(c), events);
            return connected[0];
        });
        BACKENDS.put(services, connected[0]);
        return services;
    }

    @Override
    public ZooKeeper zooKeeper(HaServices process) {
        try {
            return backend(process).client.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            throw new IllegalStateException("no ZooKeeper handle of " + process.config().nodeId(), e);
        }
    }
}
