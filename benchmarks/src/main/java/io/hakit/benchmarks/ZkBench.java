package io.hakit.benchmarks;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderInformation;
import io.hakit.api.Subscription;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.util.ServiceUtils;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the {@code zk-*} scenarios share: an in-process ZooKeeper ensemble (curator-test), HAKit processes and plain
 * Curator clients connected to it, an observer that records what a retrieval listener saw, bounded polls, and the
 * latency figures of a set of samples.
 */
final class ZkBench {

    /** HAKit's {@code path.root} in every zk-* scenario; the cluster lives under {@code <root>/<cluster-id>}. */
    static final String PATH_ROOT = "/hakit-bench";
    /** Bound of every single wait for the ensemble or a client to come up. */
    static final Duration START_BOUND = Duration.ofSeconds(60);
    private static final String LEARNER_HANDLER_LOG =
            "org.slf4j.simpleLogger.log.org.apache.zookeeper.server.quorum.LearnerHandler";
    private static final Pattern WATCHES = Pattern.compile(
            "(\\d+) connections watching (\\d+) paths\\s+Total watches:\\s*(\\d+)");

    private ZkBench() {
    }

    /**
     * Starts a ZooKeeper ensemble of {@code members} servers in this JVM and waits until every member serves
     * clients. {@code custom} is added to each server's configuration (string values, for example
     * {@code tickTime=100}); empty keeps
     * curator-test's defaults (tickTime 1000 ms, session timeouts 1-20 s).
     *
     * @throws Runner.BenchmarkFailure if it does not come up within {@link #START_BOUND}
     */
    static TestingCluster startEnsemble(int members, Map<String, Object> custom) {
        // the four-letter words the scenarios read (srvr to see a member serve, wchs for watch counts); ZooKeeper
        // reads this once, when its first server starts
        System.setProperty("zookeeper.4lw.commands.whitelist", "srvr,wchs,conf");
        // each follower's connection to the leader ends with an ERROR and a stack trace when the ensemble shuts down
        if (System.getProperty(LEARNER_HANDLER_LOG) == null) {
            System.setProperty(LEARNER_HANDLER_LOG, "off");
        }
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            specs.add(new InstanceSpec(null, -1, -1, -1, true, -1, -1, -1, custom));
        }
        TestingCluster cluster = new TestingCluster(specs);
        try {
            cluster.start();
            // a ZooKeeper server's fatal error must not end this JVM: curator-test's embedded server sets System.exit
            // each time a member starts
            ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
            for (InstanceSpec s : cluster.getInstances()) {
                boolean serving = poll(START_BOUND, () -> fourLetterWord(s, "srvr").contains("Mode: "));
                if (!serving) {
                    throw new Runner.BenchmarkFailure("ZooKeeper member " + s.getConnectString() + " did not serve"
                            + " within " + START_BOUND.toSeconds() + " s");
                }
            }
            return cluster;
        } catch (Exception e) {
            closeQuietly(cluster);
            throw e instanceof Runner.BenchmarkFailure ? (Runner.BenchmarkFailure) e
                    : new Runner.BenchmarkFailure("could not start a " + members + "-member ZooKeeper ensemble", e);
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // shutting down: nothing left to do about it
        }
    }

    /**
     * Sends a ZooKeeper four-letter word to one member and returns its answer; "" when the member cannot be reached
     * within a second.
     */
    static String fourLetterWord(InstanceSpec member, String word) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(member.getHostname(), member.getPort()), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(word.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The watches an ensemble holds, from every member's {@code wchs}. */
    record Watches(int connections, int paths, int total) {
        Map<String, Object> figures(String prefix) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put(prefix + "zk_watches", total);
            m.put(prefix + "zk_watched_paths", paths);
            m.put(prefix + "zk_watching_connections", connections);
            return m;
        }
    }

    /**
     * Adds up {@code wchs} over the members of {@code cluster}.
     *
     * @throws Runner.BenchmarkFailure if a member's answer is not a watch summary
     */
    static Watches watches(TestingCluster cluster) {
        int connections = 0;
        int paths = 0;
        int total = 0;
        for (InstanceSpec s : cluster.getInstances()) {
            String answer = fourLetterWord(s, "wchs");
            Matcher m = WATCHES.matcher(answer);
            if (!m.find()) {
                throw new Runner.BenchmarkFailure("member " + s.getConnectString() + " answered wchs with '"
                        + answer.trim() + "'");
            }
            connections += Integer.parseInt(m.group(1));
            paths += Integer.parseInt(m.group(2));
            total += Integer.parseInt(m.group(3));
        }
        return new Watches(connections, paths, total);
    }

    /**
     * Calls {@code condition} until it holds or {@code bound} has passed, parking 1 ms between calls.
     *
     * @return whether it held within the bound
     */
    static boolean poll(Duration bound, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new Runner.BenchmarkFailure("interrupted while waiting");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    /**
     * A plain Curator client, started and connected.
     *
     * @throws Runner.BenchmarkFailure if it does not connect within {@link #START_BOUND}
     */
    static CuratorFramework curator(String connectString, Duration sessionTimeout) {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connectString)
                .sessionTimeoutMs((int) sessionTimeout.toMillis())
                .connectionTimeoutMs((int) Math.min(5000, sessionTimeout.toMillis()))
                .retryPolicy(new ExponentialBackoffRetry(100, 3)).build();
        c.start();
        boolean connected;
        try {
            connected = c.blockUntilConnected((int) START_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connected = false;
        }
        if (!connected) {
            c.close();
            throw new Runner.BenchmarkFailure("a Curator client could not connect to " + connectString + " within "
                    + START_BOUND.toSeconds() + " s");
        }
        return c;
    }

    /**
     * The configuration of one HAKit process on the ZooKeeper backend. The flapping alarm is set above
     * {@code leadershipChanges}: these scenarios move leadership on purpose.
     */
    static HaConfig.Builder hakitConfig(String connectString, String clusterId, String nodeId, Duration sessionTimeout,
            int leadershipChanges) {
        return HaConfig.builder().type("zookeeper").clusterId(clusterId).nodeId(nodeId)
                .flappingAlarm(Math.max(1, leadershipChanges) + 1, Duration.ofMinutes(10))
                .backendOption("high-availability.zookeeper.quorum", connectString)
                .backendOption("high-availability.zookeeper.path.root", PATH_ROOT)
                .backendOption("high-availability.zookeeper.client.session-timeout", sessionTimeout.toMillis() + " ms")
                // Curator caps the connection timeout at the session timeout (and warns when it is larger)
                .backendOption("high-availability.zookeeper.client.connection-timeout",
                        Math.min(10_000, sessionTimeout.toMillis()) + " ms")
                .backendOption("high-availability.zookeeper.client.retry-wait", "100 ms");
    }

    /** The znode under which HAKit's processes of {@code clusterId} queue for leadership (the backend's layout). */
    static String electionPath(String clusterId) {
        return PATH_ROOT + "/" + clusterId + "/election";
    }

    /** How many contenders are queued under an election path (HAKit's latch nodes or LeaderLatch's). */
    static int queued(CuratorFramework admin, String electionPath) {
        try {
            int n = 0;
            for (String child : admin.getChildren().forPath(electionPath)) {
                if (child.contains("latch-")) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Waits until exactly {@code n} contenders are queued under {@code electionPath}.
     *
     * @throws Runner.BenchmarkFailure if that does not happen within {@code bound}
     */
    static void awaitQueued(CuratorFramework admin, String electionPath, int n, Duration bound, String what) {
        if (!poll(bound, () -> queued(admin, electionPath) == n)) {
            throw new Runner.BenchmarkFailure(what + ": " + queued(admin, electionPath) + " contenders queued under "
                    + electionPath + " after " + bound.toMillis() + " ms, expected " + n);
        }
    }

    /** p50/p99/max in ms (three decimals) and n of a set of samples in ms. */
    static Map<String, Object> latencyFigures(double[] samplesMs) {
        Stats s = new Stats(samplesMs);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50_ms", Json.decimal(s.percentile(50), 3));
        m.put("p99_ms", Json.decimal(s.percentile(99), 3));
        m.put("max_ms", Json.decimal(s.max(), 3));
        m.put("n", s.n());
        return m;
    }

    /** {@code a / b} to three decimals. */
    static Object ratio(double a, double b) {
        return Json.decimal(a / b, 3);
    }

    /** What an observer's retrieval listener was told, and when ({@link System#nanoTime()}). */
    record Seen(LeaderInformation info, long nanos) {
    }

    /** A retrieval listener of one component that queues what it is told, with its arrival time. */
    static final class Observer implements AutoCloseable {
        private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
        private final Subscription subscription;

        Observer(HaServices process, String componentId) {
            this.subscription = process.watchLeader(componentId, info -> seen.add(new Seen(info, System.nanoTime())));
        }

        /**
         * Takes what the listener was told until a confirmed leader shows up whose address differs from
         * {@code previous}'s at a higher epoch (any confirmed leader when {@code previous} is null).
         *
         * @throws Runner.BenchmarkFailure if none shows up within {@code bound}
         */
        Seen awaitNewLeader(LeaderInformation previous, Duration bound, String what) {
            long deadline = System.nanoTime() + bound.toNanos();
            while (true) {
                Seen s;
                try {
                    s = seen.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Runner.BenchmarkFailure(what + ": interrupted", e);
                }
                if (s == null) {
                    throw new Runner.BenchmarkFailure(what + ": no new leader seen within " + bound.toMillis()
                            + " ms" + (previous == null ? "" : " (previous: " + previous + ")"));
                }
                LeaderInformation info = s.info();
                if (info.isEmpty()) {
                    continue;
                }
                if (previous == null
                        || (!info.address().equals(previous.address()) && info.epoch() > previous.epoch())) {
                    return s;
                }
            }
        }

        /** Drops what was queued so far. */
        void clear() {
            seen.clear();
        }

        @Override
        public void close() {
            subscription.close();
        }
    }
}
