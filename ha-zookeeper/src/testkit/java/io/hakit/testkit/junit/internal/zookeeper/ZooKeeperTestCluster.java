package io.hakit.testkit.junit.internal.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import io.hakit.zookeeper.ZooKeeperOptions;
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
 * A {@link TestCluster} on a real ZooKeeper ensemble: each cluster gets its own cluster id (its own subtree), and each
 * process its own Curator session.
 *
 * <p>A {@linkplain #proxied(TestingCluster, Duration, Connector) proxied} cluster connects every process through its
 * own {@link FaultInjectingProxy} per ensemble member (its quorum string lists its proxies), so a test can cut one
 * process off from ZooKeeper ({@link #partition(HaServices)}) while the others and the ensemble carry on.
 *
 * <p>The source lives in ha-zookeeper's {@code src/testkit} (see {@link ZkEnsemble}); it uses ha-zookeeper's public
 * API only. ha-zookeeper's own tests pass a {@link Connector} that keeps each process's backend, to look into it.
 */
public final class ZooKeeperTestCluster implements TestCluster {

    /** How a cluster connects a process. */
    public interface Connector {

        /** {@link HaServices#create(HaConfig)}: the backend found by its type, as an application connects. */
        Connector CREATE = HaServices::create;

        /**
         * Connects one process.
         *
         * @param config the process's configuration, with the cluster's ZooKeeper options
         * @return the started services
         */
        HaServices connect(HaConfig config);

        /**
         * The ZooKeeper handle of a process this connector connected, or null if it cannot tell; with a handle,
         * {@link ZooKeeperTestCluster#expireSession(HaServices)} joins the session and closes it, without one it ends
         * the session on the servers through the process's proxies.
         *
         * @param process a process this connector connected
         * @return its current handle, or null
         */
        default ZooKeeper zooKeeper(HaServices process) {
            return null;
        }
    }

    private static final AtomicInteger IDS = new AtomicInteger();

    private final TestingCluster ensemble;
    private final String clusterId = "c" + IDS.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    private final Duration sessionTimeout;
    private final boolean proxied;
    private final Connector connector;
    private final Map<String, List<FaultInjectingProxy>> proxies = new ConcurrentHashMap<>();
    // the server deleteEpochHistory() copied the tree into; processes started since connect to it (null: none)
    private volatile TestingServer restored;
    // the servers (connect string) each process reaches, by node id: the ensemble, or the server restored into
    private final Map<String, String> serversOf = new ConcurrentHashMap<>();

    private ZooKeeperTestCluster(TestingCluster ensemble, Duration sessionTimeout, boolean proxied,
            Connector connector) {
        this.ensemble = ensemble;
        this.sessionTimeout = sessionTimeout;
        this.proxied = proxied;
        this.connector = connector;
    }

    /** The session timeout every process of this cluster asks for. */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** A cluster whose processes connect to the ensemble directly. */
    public static ZooKeeperTestCluster direct(TestingCluster ensemble, Duration sessionTimeout, Connector connector) {
        return new ZooKeeperTestCluster(ensemble, sessionTimeout, false, connector);
    }

    /** A cluster whose processes each reach every ensemble member through a proxy of their own. */
    public static ZooKeeperTestCluster proxied(TestingCluster ensemble, Duration sessionTimeout, Connector connector) {
        return new ZooKeeperTestCluster(ensemble, sessionTimeout, true, connector);
    }

    /** Adds the backend type, cluster id and ZooKeeper options (quorum, timeouts) to a process's configuration. */
    public HaConfig.Builder configure(HaConfig.Builder b) {
        return configure(b, connectString());
    }

    /** Where processes started now connect: the ensemble, or the server the tree was restored into. */
    private String connectString() {
        TestingServer r = restored;
        return r != null ? r.getConnectString() : ensemble.getConnectString();
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
        TestingServer r = restored;
        String servers = r != null ? r.getConnectString() : ensemble.getConnectString();
        HaConfig c = configure(config, servers).build();
        serversOf.put(c.nodeId(), servers);
        if (proxied) {
            List<FaultInjectingProxy> own = new ArrayList<>();
            List<Integer> ports = r != null ? List.of(r.getPort())
                    : ensemble.getInstances().stream().map(InstanceSpec::getPort).toList();
            for (int port : ports) {
                own.add(FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", port)));
            }
            proxies.put(c.nodeId(), own);
            String quorum = own.stream().map(p -> "127.0.0.1:" + p.localAddress().getPort())
                    .collect(Collectors.joining(","));
            c = configure(config, quorum).build();
        }
        return connector.connect(c);
    }

    /**
     * Expires the process's session: with the {@link Connector#zooKeeper(HaServices) handle} the connector gives, a
     * second handle joins the session and closes it; else, on a proxied cluster, the servers end the sessions of the
     * process's connections ({@link ZkEnsemble#terminateSessions}). Either way the process learns that its session
     * expired when it next hears from a server, as after a partition longer than the session timeout.
     *
     * @return false if this cluster cannot find the process's session (a direct cluster without handles)
     * @throws IllegalStateException if the session could not be expired, or a proxied process has no connection
     */
    @Override
    public boolean expireSession(HaServices process) {
        ZooKeeper zk = connector.zooKeeper(process);
        try {
            if (zk != null) {
                ZkEnsemble.expire(serversOf.getOrDefault(process.config().nodeId(), connectString()),
                        zk.getSessionId(), zk.getSessionPasswd());
                return true;
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not expire the session of " + process.config().nodeId(), e);
        }
        if (!proxied) {
            return false;
        }
        List<InetSocketAddress> clients = new ArrayList<>();
        proxies(process).forEach(p -> clients.addAll(p.upstreamLocalAddresses()));
        if (ZkEnsemble.terminateSessions(clients).isEmpty()) {
            throw new IllegalStateException(process.config().nodeId() + " has no connection to the ensemble "
                    + ZkEnsemble.describe(ensemble) + " whose session could be ended");
        }
        return true;
    }

    /** The cluster's znode ({@link ZooKeeperOptions#clusterPath(String)}). */
    public String clusterPath() {
        HaConfig c = configure(HaConfig.builder().nodeId("admin")).build();
        return ZooKeeperOptions.of(c).clusterPath(c.clusterId());
    }

    /**
     * Runs {@code action} with an administrator's client of the ensemble (not through any proxy), or of the server the
     * tree was {@linkplain #deleteEpochHistory() restored into}.
     */
    public void admin(AdminAction action) {
        admin(connectString(), action);
    }

    private void admin(String connectString, AdminAction action) {
        try (CuratorFramework admin = CuratorFrameworkFactory.newClient(connectString, 10_000, 3_000,
                new RetryNTimes(1, 100))) {
            admin.start();
            if (!admin.blockUntilConnected(5, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("no connection to " + connectString + " within 5 s");
            }
            action.run(admin);
        } catch (Exception e) {
            throw new IllegalStateException("administrator's change of " + clusterPath() + " failed", e);
        }
    }

    /** What an administrator does to the ensemble. */
    public interface AdminAction {
        /**
         * Acts on the ensemble.
         *
         * @param admin a started client connected to the ensemble
         * @throws Exception whatever the action fails with; {@link #admin(AdminAction)} wraps it
         */
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

    /**
     * Restores the cluster's tree into another ZooKeeper: a fresh standalone server, into which the persistent znodes
     * of the cluster (its namespaces with their keys and fence records; not the election or the leader records, which
     * are ephemeral) are copied with their data. Processes started from now on connect to it; those started before stay
     * on the ensemble. A ZooKeeper leader's epoch is its latch node's czxid, and nothing deleted in the tree lowers the
     * ensemble's zxids: only such a copy loses the epoch history. A fresh standalone server numbers its transactions
     * from 1, while every zxid of a quorum that has elected a leader is at least 2^32, so the next grants there are
     * below every epoch granted on the ensemble.
     *
     * @throws IllegalStateException if the tree was restored already, or the copy failed
     */
    @Override
    public void deleteEpochHistory() {
        if (restored != null) {
            throw new IllegalStateException("the tree of " + clusterPath() + " was restored into another server already");
        }
        TestingServer target;
        try {
            target = ZkEnsemble.standalone();
        } catch (Exception e) {
            throw new IllegalStateException("could not start a ZooKeeper server to restore " + clusterPath() + " into", e);
        }
        try {
            Map<String, byte[]> tree = new java.util.LinkedHashMap<>();
            admin(ensemble.getConnectString(), a -> copyOut(a, clusterPath(), tree));
            admin(target.getConnectString(), a -> {
                for (Map.Entry<String, byte[]> node : tree.entrySet()) {
                    a.create().creatingParentsIfNeeded().forPath(node.getKey(), node.getValue());
                }
            });
        } catch (RuntimeException e) {
            closeQuietly(target);
            throw e;
        }
        restored = target;
    }

    /** Reads the persistent znodes at and under {@code path} (parents first), without the election. */
    private static void copyOut(CuratorFramework admin, String path, Map<String, byte[]> tree) throws Exception {
        org.apache.zookeeper.data.Stat stat = new org.apache.zookeeper.data.Stat();
        byte[] data;
        try {
            data = admin.getData().storingStatIn(stat).forPath(path);
        } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
            return; // went meanwhile
        }
        if (stat.getEphemeralOwner() != 0 || path.endsWith("/election")) {
            return;
        }
        tree.put(path, data == null ? new byte[0] : data);
        for (String child : admin.getChildren().forPath(path)) {
            copyOut(admin, path + "/" + child, tree);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // nothing more to do about it
        }
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
    public List<FaultInjectingProxy> proxies(HaServices process) {
        List<FaultInjectingProxy> own = proxies.get(process.config().nodeId());
        if (own == null) {
            throw new IllegalArgumentException("no proxies for " + process.config().nodeId()
                    + (proxied ? "" : ": this cluster is not proxied"));
        }
        return own;
    }

    /** The proxies of every process of a {@linkplain #proxied proxied} cluster. */
    public Collection<List<FaultInjectingProxy>> allProxies() {
        return proxies.values();
    }

    /** Cuts {@code process} off from every member silently (its proxies blackhole both directions). */
    @Override
    public void partition(HaServices process) {
        proxies(process).forEach(p -> p.fault(Fault.blackhole()));
    }

    /** Ends every fault on {@code process}'s proxies. */
    @Override
    public void heal(HaServices process) {
        proxies(process).forEach(p -> p.fault(Fault.pass()));
    }

    /** Closes the proxies and the server the tree was restored into, if any (the ensemble belongs to the caller). */
    @Override
    public void close() {
        for (List<FaultInjectingProxy> own : proxies.values()) {
            own.forEach(FaultInjectingProxy::close);
        }
        proxies.clear();
        TestingServer r = restored;
        if (r != null) {
            closeQuietly(r);
        }
    }

    /** This cluster's id (its subtree under the root). */
    public String clusterId() {
        return clusterId;
    }

    /** The ensemble the processes connect to. */
    public TestingCluster ensemble() {
        return ensemble;
    }
}
