package io.hakit.zookeeper;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.util.ServiceUtils;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One real 3-member ZooKeeper ensemble per test JVM (curator-test), started on first use.
 *
 * <p>Loading this class makes ZooKeeper's {@link ServiceUtils} log instead of calling {@code System.exit}: a quorum
 * peer that fails to start (an election port that cannot be bound after an interrupted restart, say) would otherwise
 * end the whole test JVM. Every server in this module's tests is started through this class.
 */
final class ZkEnsemble {

    static {
        neverExitTheJvm();
    }

    private static TestingCluster cluster;

    private ZkEnsemble() {
    }

    /** Makes a ZooKeeper server's fatal error log instead of ending the JVM (ZooKeeper's own tests do). Idempotent. */
    static void neverExitTheJvm() {
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
    }

    static synchronized TestingCluster get() throws Exception {
        if (cluster == null) {
            TestingCluster c = new TestingCluster(3);
            c.start();
            awaitServing(c);
            cluster = c;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    c.close();
                } catch (Exception e) {
                    // the JVM is going away
                }
            }));
        }
        return cluster;
    }

    /** A fresh ensemble a test may break (kill members); the caller closes it. */
    static TestingCluster fresh(int members) throws Exception {
        TestingCluster c = new TestingCluster(members);
        c.start();
        awaitServing(c);
        return c;
    }

    /**
     * Waits (at most a minute) until the ensemble serves a client: {@code start()} returns before the members have
     * elected a leader, and on a loaded machine a process connecting at once can miss its connection timeout.
     */
    static void awaitServing(TestingCluster c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            CountDownLatch connected = new CountDownLatch(1);
            ZooKeeper zk = new ZooKeeper(c.getConnectString(), 10_000, e -> {
                if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            });
            try {
                if (connected.await(5, TimeUnit.SECONDS)) {
                    zk.exists("/", false);
                    return;
                }
            } catch (org.apache.zookeeper.KeeperException e) {
                // not serving yet
            } finally {
                zk.close();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("ZooKeeper ensemble " + describe(c) + " did not serve within 60 s");
            }
        }
    }

    /**
     * Expires a session on the servers, as a partition longer than the session timeout would: a second handle
     * joins the session with its id and password and closes it.
     */
    static void expire(String connectString, long sessionId, byte[] password) throws Exception {
        expire(connectString, sessionId, password, Duration.ofSeconds(10));
    }

    /** {@link #expire(String, long, byte[])}, waiting at most {@code bound} to join the session. */
    static void expire(String connectString, long sessionId, byte[] password, Duration bound) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connectString, (int) Math.max(1000, bound.toMillis()), e -> {
            if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        }, sessionId, password);
        try {
            if (!connected.await(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("could not join session 0x" + Long.toHexString(sessionId));
            }
        } finally {
            zk.close();
        }
    }

    static String describe(TestingCluster c) {
        StringBuilder sb = new StringBuilder();
        for (InstanceSpec s : c.getInstances()) {
            sb.append(s.getConnectString()).append(' ');
        }
        return sb.toString().trim();
    }
}
