package io.hakit.testkit.junit.internal.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.testkit.junit.internal.BackendServer;
import io.hakit.testkit.junit.internal.ClusterControl;
import io.hakit.testkit.junit.internal.TestClusterControl;
import io.hakit.testkit.junit.internal.Recording;
import io.hakit.testkit.junit.internal.ThreadLeaks;
import io.hakit.testkit.junit.internal.Waits;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fresh 3-member ZooKeeper ensemble ({@link ZkEnsemble#fresh(int)}) for one test class; each test gets a proxied
 * {@link ZooKeeperTestCluster} of its own, whose processes connect with {@link HaServices#create(HaConfig)}.
 *
 * <p>Leadership moves as an operator's {@code deleteall} of latch znodes would: HAKit's ZooKeeper election lets the
 * lowest latch node lead, so granting a process deletes every latch node below its own (their owners contend again
 * behind it), and revoking the only contender deletes its latch node.
 */
public final class ZooKeeperBackendServer implements BackendServer {

    private final TestingCluster ensemble;
    private final Duration sessionTimeout;

    private ZooKeeperBackendServer(TestingCluster ensemble, Duration sessionTimeout) {
        this.ensemble = ensemble;
        this.sessionTimeout = sessionTimeout;
    }

    /**
     * Starts a 3-member ensemble whose clusters' processes ask for {@code sessionTimeout}.
     *
     * @throws Exception if the ensemble does not start and serve within a minute
     */
    public static ZooKeeperBackendServer start(Duration sessionTimeout) throws Exception {
        return new ZooKeeperBackendServer(ZkEnsemble.fresh(3), sessionTimeout);
    }

    @Override
    public String describe() {
        return "a 3-member ZooKeeper ensemble at " + ensemble.getConnectString() + " (session timeout "
                + sessionTimeout.toMillis() + " ms)";
    }

    @Override
    public ClusterControl newCluster() {
        return new Control(ZooKeeperTestCluster.proxied(ensemble, sessionTimeout, ZooKeeperTestCluster.Connector.CREATE));
    }

    /** ZooKeeper's sessions expire on the servers' clocks; a ManualTicker would only freeze HAKit's own lease. */
    @Override
    public String manualTickerRefusal() {
        return "ZooKeeper sessions expire on the servers' clocks, which a ManualTicker does not drive (it would only "
                + "stop HAKit's local lease of a suspended leader from running out)";
    }

    /** Threads of ZooKeeper's servers: their worker pools grow as clients connect and keep their threads. */
    private static final List<String> SERVER_THREADS = List.of("NIOWorkerThread-", "CommitProcWorkThread-",
            "NIOServerCxnFactory", "ConnnectionExpirer", "QuorumConnectionThread-", "LearnerHandler-", "SendWorker:",
            "RecvWorker:", "SyncThread:", "ProcessThread(", "FollowerRequestProcessor:", "CommitProcessor:",
            "QuorumPeer", "WorkerReceiver[", "WorkerSender[", "ListenerHandler-", "LearnerCnxAcceptor",
            "SessionTracker", "RequestThrottler", "LeaderRequestProcessor");

    @Override
    public boolean outlivesProcesses(Thread thread) {
        return ThreadLeaks.matches(thread, SERVER_THREADS, List.of("org.apache.zookeeper.server."));
    }

    @Override
    public void close() throws Exception {
        ensemble.close();
    }

    /** A latch node of the election: its name, sequence number, the node id it holds and its session. */
    record Latch(String name, long sequence, String node, long session) {
    }

    /** One test's cluster. */
    static final class Control extends TestClusterControl {
        final ZooKeeperTestCluster cluster;

        Control(ZooKeeperTestCluster cluster) {
            super(cluster);
            this.cluster = cluster;
        }

        @Override
        public HaConfig.Builder configure(HaConfig.Builder config) {
            return cluster.configure(config);
        }

        String electionPath() {
            return cluster.clusterPath() + "/election";
        }

        /** The election's latch nodes, lowest first (none if the election znode does not exist yet). */
        List<Latch> latches() {
            List<Latch> out = new ArrayList<>();
            cluster.admin(admin -> {
                admin.sync().forPath(cluster.clusterPath());
                List<String> children;
                try {
                    children = admin.getChildren().forPath(electionPath());
                } catch (KeeperException.NoNodeException e) {
                    return;
                }
                for (String child : children) {
                    Stat stat = new Stat();
                    try {
                        byte[] data = admin.getData().storingStatIn(stat).forPath(electionPath() + "/" + child);
                        out.add(new Latch(child, sequence(child), new String(data, StandardCharsets.UTF_8),
                                stat.getEphemeralOwner()));
                    } catch (KeeperException.NoNodeException e) {
                        // deleted meanwhile
                    }
                }
            });
            out.sort(Comparator.comparingLong(Latch::sequence));
            return out;
        }

        private static long sequence(String latchName) {
            int i = latchName.length();
            while (i > 0 && Character.isDigit(latchName.charAt(i - 1))) {
                i--;
            }
            return i == latchName.length() ? Long.MAX_VALUE : Long.parseLong(latchName.substring(i));
        }

        /** The newest latch node of {@code node}, waiting up to {@code bound} for it to be created. */
        private Latch latchOf(String node, Duration bound) {
            AtomicReference<Latch> found = new AtomicReference<>();
            Waits.require(bound, node + "'s latch node in " + electionPath(), () -> {
                Optional<Latch> newest = latches().stream().filter(l -> l.node().equals(node))
                        .max(Comparator.comparingLong(Latch::sequence));
                newest.ifPresent(found::set);
                return newest.isPresent();
            }, () -> "latch nodes: " + latches());
            return found.get();
        }

        /**
         * Deletes the latch nodes in one transaction: deleted one by one, a contender between them would be the lowest
         * for a moment and could hear of a grant before the old leader heard that it lost (seen once, under load: it
         * acted while the old leader still did).
         */
        void delete(List<Latch> doomed) {
            cluster.admin(admin -> {
                List<String> names = doomed.stream().map(Latch::name).toList();
                for (int attempt = 1; !names.isEmpty(); attempt++) {
                    List<CuratorOp> ops = new ArrayList<>();
                    for (String name : names) {
                        ops.add(admin.transactionOp().delete().forPath(electionPath() + "/" + name));
                    }
                    try {
                        admin.transaction().forOperations(ops);
                        return;
                    } catch (KeeperException.NoNodeException gone) {
                        if (attempt == 10) {
                            throw gone; // latch nodes that keep vanishing between the listing and the delete
                        }
                        // one went meanwhile (its session ended): again with those left
                        List<String> left;
                        try {
                            left = admin.getChildren().forPath(electionPath());
                        } catch (KeeperException.NoNodeException noElection) {
                            return; // the election znode went, and its latch nodes with it
                        }
                        names = names.stream().filter(left::contains).toList();
                    }
                }
            });
        }

        @Override
        public void awaitContending(HaServices process, Duration bound) {
            latchOf(process.config().nodeId(), bound);
        }

        /** Deletes every latch node below {@code process}'s: it becomes the lowest, and leads. */
        @Override
        public void grant(HaServices process, Recording leaders, Duration bound) {
            Latch own = latchOf(process.config().nodeId(), bound);
            delete(latches().stream().filter(l -> l.sequence() < own.sequence()).toList());
        }

        @Override
        public void revokeSole(HaServices process, Recording leaders, Duration bound) {
            String node = process.config().nodeId();
            delete(latches().stream().filter(l -> l.node().equals(node)).toList());
        }

        @Override
        public void healAll() {
            cluster.allProxies().forEach(own -> own.forEach(p -> p.fault(io.hakit.testkit.proxy.Fault.pass())));
        }

        /** Ephemeral znodes under the cluster's path (a session still open) and connections still open. */
        @Override
        public List<String> leaks(Duration bound) {
            List<String> found = new ArrayList<>();
            Waits.until(bound, () -> {
                found.clear();
                found.addAll(ephemerals());
                for (List<FaultInjectingProxy> own : cluster.allProxies()) {
                    for (FaultInjectingProxy p : own) {
                        if (p.connectionCount() > 0) {
                            found.add(p.connectionCount() + " connection(s) still open through " + p);
                        }
                    }
                }
                return found.isEmpty();
            });
            return List.copyOf(found);
        }

        private List<String> ephemerals() {
            List<String> out = new ArrayList<>();
            cluster.admin(admin -> {
                admin.sync().forPath("/");
                if (admin.checkExists().forPath(cluster.clusterPath()) != null) {
                    collectEphemerals(admin, cluster.clusterPath(), out);
                }
            });
            return out;
        }

        private static void collectEphemerals(CuratorFramework admin, String path, List<String> out) throws Exception {
            List<String> children;
            try {
                children = admin.getChildren().forPath(path);
            } catch (KeeperException.NoNodeException e) {
                return;
            }
            for (String child : children) {
                String p = path + "/" + child;
                Stat stat = admin.checkExists().forPath(p);
                if (stat == null) {
                    continue;
                }
                if (stat.getEphemeralOwner() != 0) {
                    byte[] data = admin.getData().forPath(p);
                    String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
                    out.add("ephemeral znode " + p + " of session 0x" + Long.toHexString(stat.getEphemeralOwner())
                            + " is still there (" + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
                            + "): a session was not closed");
                } else {
                    collectEphemerals(admin, p, out);
                }
            }
        }
    }
}
