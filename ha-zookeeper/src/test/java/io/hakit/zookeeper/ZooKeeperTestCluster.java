package io.hakit.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.support.CustomBackend;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.ZooKeeper;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link TestCluster} on a real ZooKeeper ensemble: each test gets its own cluster id (its own subtree), and each
 * process its own Curator session. Keeps the backends so tests can reach a process's session.
 *
 * <p>A {@linkplain #proxied(TestingCluster, Duration) proxied} cluster connects every process through its own
 * {@link FaultInjectingProxy} per ensemble member (its quorum string lists its proxies), so a test can cut one process
 * off from ZooKeeper ({@link #partition(HaServices)}) while the others and the ensemble carry on.
 */
final class ZooKeeperTestCluster implements TestCluster {

    private static final AtomicInteger IDS = new AtomicInteger();

    private final TestingCluster ensemble;
    private final String clusterId = "c" + IDS.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    private final Map<String, ZooKeeperBackend> backends = new ConcurrentHashMap<>();
    private final Duration sessionTimeout;
    private final boolean proxied;
    private final Map<String, List<FaultInjectingProxy>> proxies = new ConcurrentHashMap<>();

    private ZooKeeperTestCluster(TestingCluster ensemble, Duration sessionTimeout, boolean proxied) {
        this.ensemble = ensemble;
        this.sessionTimeout = sessionTimeout;
        this.proxied = proxied;
    }

    ZooKeeperTestCluster(TestingCluster ensemble, Duration sessionTimeout) {
        this(ensemble, sessionTimeout, false);
    }

    /** A cluster whose processes each reach every ensemble member through a proxy of their own. */
    static ZooKeeperTestCluster proxied(TestingCluster ensemble, Duration sessionTimeout) {
        return new ZooKeeperTestCluster(ensemble, sessionTimeout, true);
    }

    ZooKeeperTestCluster(TestingCluster ensemble) {
        this(ensemble, Duration.ofSeconds(4));
    }

    HaConfig.Builder configure(HaConfig.Builder b) {
        return configure(b, ensemble.getConnectString());
    }

    private HaConfig.Builder configure(HaConfig.Builder b, String quorum) {
        if (proxied) {
            // keep every connection on the proxies: the ensemble's own member list would bypass them
            b.backendOption(ZooKeeperOptions.ENSEMBLE_TRACKER, "false");
        }
        return b.type("zookeeper").clusterId(clusterId)
                .backendOption(ZooKeeperOptions.QUORUM, quorum)
                .backendOption(ZooKeeperOptions.SESSION_TIMEOUT, sessionTimeout.toMillis() + " ms")
                .backendOption(ZooKeeperOptions.CONNECTION_TIMEOUT, "5 s")
                .backendOption(ZooKeeperOptions.RETRY_WAIT, "100 ms")
                .backendOption(ZooKeeperOptions.MAX_RETRY_ATTEMPTS, "3");
    }

    @Override
    public HaServices newProcess(HaConfig.Builder config) {
        HaConfig c = configure(config).build();
        if (proxied) {
            List<FaultInjectingProxy> own = new ArrayList<>();
            for (InstanceSpec member : ensemble.getInstances()) {
                own.add(FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", member.getPort())));
            }
            proxies.put(c.nodeId(), own);
            String quorum = own.stream().map(p -> "127.0.0.1:" + p.localAddress().getPort())
                    .collect(Collectors.joining(","));
            c = configure(config, quorum).build();
        }
        return start(c);
    }

    private HaServices start(HaConfig c) {
        return CustomBackend.start(c, events -> {
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

    /** The cluster's znode ({@link ZooKeeperOptions#clusterPath()}). */
    String clusterPath() {
        return ZooKeeperOptions.of(configure(HaConfig.builder().nodeId("admin")).build()).clusterPath();
    }

    /** Runs {@code action} with an administrator's client of the ensemble (not through any proxy). */
    void admin(AdminAction action) {
        try (CuratorFramework admin = CuratorFrameworkFactory.newClient(ensemble.getConnectString(), 10_000, 3_000,
                new RetryNTimes(1, 100))) {
            admin.start();
            if (!admin.blockUntilConnected(5, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("no connection to " + ensemble.getConnectString() + " within 5 s");
            }
            action.run(admin);
        } catch (Exception e) {
            throw new IllegalStateException("administrator's change of " + clusterPath() + " failed", e);
        }
    }

    /** What an administrator does to the ensemble. */
    interface AdminAction {
        void run(CuratorFramework admin) throws Exception;
    }

    /**
     * Deletes the election znode with its latch nodes in one multi-op, as zkCli's {@code deleteall <cluster>/election}
     * does (a new latch node created meanwhile makes it fail; it is tried again, a few times).
     */
    @Override
    public void deleteElection() {
        admin(a -> deleteAll(a, clusterPath() + "/election"));
    }

    /** Clears the epoch floor in the cluster znode, then deletes the election, as a restore without them would. */
    @Override
    public void deleteEpochHistory() {
        admin(a -> {
            a.setData().forPath(clusterPath(), new byte[0]);
            deleteAll(a, clusterPath() + "/election");
        });
    }

    private static void deleteAll(CuratorFramework admin, String path) throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                if (org.apache.zookeeper.ZKUtil.deleteRecursive(admin.getZookeeperClient().getZooKeeper(), path,
                        1000)) {
                    return;
                }
            } catch (org.apache.zookeeper.KeeperException.NoNodeException
                     | org.apache.zookeeper.KeeperException.NotEmptyException e) {
                if (admin.checkExists().forPath(path) == null) {
                    return; // nothing (left) to delete
                }
                // changed under us: look again
            }
        }
        throw new IllegalStateException(path + " kept changing; not deleted");
    }

    /** The proxies of a process of a {@linkplain #proxied proxied} cluster, in the order of the ensemble's members. */
    List<FaultInjectingProxy> proxies(HaServices process) {
        List<FaultInjectingProxy> own = proxies.get(process.config().nodeId());
        if (own == null) {
            throw new IllegalArgumentException("no proxies for " + process.config().nodeId()
                    + (proxied ? "" : ": this cluster is not proxied"));
        }
        return own;
    }

    /** The proxies of every process of a {@linkplain #proxied proxied} cluster. */
    Collection<List<FaultInjectingProxy>> allProxies() {
        return proxies.values();
    }

    /** Cuts {@code process} off from every member silently (its proxies blackhole both directions). */
    void partition(HaServices process) {
        proxies(process).forEach(p -> p.fault(Fault.blackhole()));
    }

    /** Ends every fault on {@code process}'s proxies. */
    void heal(HaServices process) {
        proxies(process).forEach(p -> p.fault(Fault.pass()));
    }

    /** Closes the proxies (the ensemble belongs to the caller). */
    @Override
    public void close() {
        for (List<FaultInjectingProxy> own : proxies.values()) {
            own.forEach(FaultInjectingProxy::close);
        }
        proxies.clear();
    }

    String clusterId() {
        return clusterId;
    }

    TestingCluster ensemble() {
        return ensemble;
    }
}
