package io.hakit.testkit.junit.internal.zookeeper;

import io.hakit.testkit.FreePorts;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.util.ServiceUtils;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Real ZooKeeper ensembles in this JVM (curator-test): one shared 3-member ensemble started on first use
 * ({@link #get()}), fresh ones a caller owns ({@link #fresh(int)}), and the ways a test ends a session.
 *
 * <p>Members listen on ports below the kernel's ephemeral range ({@link FreePorts}): curator-test's own ports come from
 * that range, where an outgoing connection (of this JVM or of a module tested beside it) can take the port of a
 * member before it binds it or after it was killed, and the member then cannot start (CI under load: "Address already
 * in use" on an election port, and the JVM ended with exit code 14).
 *
 * <p>ZooKeeper's {@link ServiceUtils} must log instead of calling {@code System.exit}, or a quorum peer that fails to
 * start ends the whole test JVM; but curator-test's embedded server sets {@code System.exit} again each time a member
 * starts. So {@link #start}, {@link #restart}, {@link #fresh} and {@link #standalone} set it back right after each
 * start (and loading this class sets it). Every server of ha-zookeeper's tests and of ha-testkit-junit is started
 * through this class.
 *
 * <p>The source lives in ha-zookeeper's {@code src/testkit}: ha-zookeeper's tests compile it, and so does
 * ha-testkit-junit, which ships it (ha-testkit-junit depends on ha-zookeeper; ha-zookeeper cannot depend on it).
 */
public final class ZkEnsemble {

    static {
        neverExitTheJvm();
    }

    private static TestingCluster cluster;

    private ZkEnsemble() {
    }

    /** Makes a ZooKeeper server's fatal error log instead of ending the JVM (ZooKeeper's own tests do). Idempotent. */
    public static void neverExitTheJvm() {
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
    }

    public static synchronized TestingCluster get() throws Exception {
        if (cluster == null) {
            TestingCluster c = new TestingCluster(members(3));
            start(c);
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
    public static TestingCluster fresh(int members) throws Exception {
        TestingCluster c = new TestingCluster(members(members));
        start(c);
        awaitServing(c);
        return c;
    }

    /**
     * Specifications of ensemble members on 127.0.0.1 ports below the ephemeral range, each with a temporary data
     * directory deleted on close.
     *
     * @param n how many members
     * @return the specifications, for {@code new TestingCluster(...)}
     */
    public static List<InstanceSpec> members(int n) {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ports = FreePorts.loopback(3);
            specs.add(new InstanceSpec(null, ports[0], ports[1], ports[2], true, -1, -1, -1));
        }
        return specs;
    }

    /** Starts the ensemble, then makes a member's fatal error log again instead of ending the JVM. */
    public static void start(TestingCluster c) throws Exception {
        try {
            c.start();
        } finally {
            neverExitTheJvm();
        }
    }

    /** Restarts a killed member, then makes a member's fatal error log again instead of ending the JVM. */
    public static void restart(TestingCluster c, InstanceSpec member) throws Exception {
        try {
            c.restartServer(member);
        } finally {
            neverExitTheJvm();
        }
    }

    /**
     * A fresh standalone server (one member, not a quorum: its zxids start at 1), started; the caller closes it.
     */
    public static TestingServer standalone() throws Exception {
        try {
            return new TestingServer(members(1).get(0), true);
        } finally {
            neverExitTheJvm();
        }
    }

    /**
     * Waits (at most a minute) until the ensemble serves a client: {@code start()} returns before the members have
     * elected a leader, and on a loaded machine a process connecting at once can miss its connection timeout.
     */
    public static void awaitServing(TestingCluster c) throws Exception {
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
    public static void expire(String connectString, long sessionId, byte[] password) throws Exception {
        expire(connectString, sessionId, password, Duration.ofSeconds(10));
    }

    /** {@link #expire(String, long, byte[])}, waiting at most {@code bound} to join the session. */
    public static void expire(String connectString, long sessionId, byte[] password, Duration bound) throws Exception {
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

    /**
     * Ends, on the servers, the sessions of the client connections that come from {@code clients} (their remote
     * addresses as the servers see them, for example {@link io.hakit.testkit.proxy.FaultInjectingProxy
     * #upstreamLocalAddresses() a proxy's}), as a partition longer than the session timeout would: each session is
     * closed through its connection's JMX bean ({@code terminateSession}), which commits a close of the session in the
     * ensemble. The client learns it when it next hears from a server: its session has expired. Needs the servers in
     * this JVM (curator-test's), which register their beans in the platform MBean server.
     *
     * @return the ids of the sessions ended (hexadecimal, as ZooKeeper prints them); empty if no connection matched
     */
    public static List<String> terminateSessions(Collection<InetSocketAddress> clients) {
        Set<String> sources = clients.stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                .collect(Collectors.toSet());
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        List<String> ended = new ArrayList<>();
        try {
            for (ObjectName name : jmx.queryNames(new ObjectName("org.apache.ZooKeeperService:*"), null)) {
                if (!"Connections".equals(name.getKeyProperty("name3"))) {
                    continue;
                }
                String source;
                try {
                    source = String.valueOf(jmx.getAttribute(name, "SourceIP"));
                } catch (javax.management.InstanceNotFoundException gone) {
                    continue; // the connection closed meanwhile
                }
                if (sources.contains(source)) {
                    ended.add(String.valueOf(jmx.getAttribute(name, "SessionId")));
                    jmx.invoke(name, "terminateSession", null, null);
                }
            }
        } catch (JMException e) {
            throw new IllegalStateException("could not end the sessions of " + sources + " through JMX", e);
        }
        return ended;
    }

    /**
     * The members' addresses, for messages.
     *
     * @return {@code host:port} of each member, separated by spaces
     */
    public static String describe(TestingCluster c) {
        StringBuilder sb = new StringBuilder();
        for (InstanceSpec s : c.getInstances()) {
            sb.append(s.getConnectString()).append(' ');
        }
        return sb.toString().trim();
    }
}
