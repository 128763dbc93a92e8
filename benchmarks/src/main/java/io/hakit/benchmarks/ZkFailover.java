package io.hakit.benchmarks;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderInformation;
import io.hakit.benchmarks.zk.ContenderMain;
import io.hakit.benchmarks.zk.ContenderProcess;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingCluster;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code zk-failover}: the leader's JVM is killed with SIGKILL; how long until a new leader is confirmed and a
 * retriever sees it.
 *
 * <p>Three contenders run as child JVMs ({@link ContenderMain}) connected to a 3-member ZooKeeper ensemble in this
 * JVM; each contends for one component and confirms its address when granted. This JVM observes with a retrieval
 * listener. A cycle kills the leader's JVM ({@link Process#destroyForcibly()}: SIGKILL on Linux) and measures from
 * just before the kill until the observer is told a new address at a higher epoch; then it starts the killed
 * contender again and waits until all three are queued before the next cycle.
 *
 * <p>Nobody deletes a dead process's znodes: the ensemble expires its session once it has heard nothing from it for
 * the session timeout, and that deletes its ephemeral latch node and leader record. A crash therefore costs between
 * two thirds of the session timeout (the client pings every third of it, so the last ping may be that old) and the
 * session timeout plus one tick of the servers (sessions expire in tick-sized buckets), then the handover. The
 * ensemble runs with a 100 ms tick so that the tick does not dominate; curator-test's default tick is 1 s.
 */
final class ZkFailover implements Runner.Scenario {

    static final String NAME = "zk-failover";
    static final int MEMBERS = 3;
    static final int CONTENDERS = 3;
    static final List<Duration> SESSION_TIMEOUTS = List.of(Duration.ofSeconds(2), Duration.ofSeconds(5));
    static final int QUICK_CYCLES = 5;
    static final int FULL_CYCLES = 20;
    static final int TICK_TIME_MS = 100;
    static final Duration GOAL_SLACK = Duration.ofMillis(300);
    /** Bound of a child's start (JVM, connection, queued). */
    static final Duration CHILD_START_BOUND = Duration.ofSeconds(60);
    /** How long past the session timeout a failover may take before the run is declared broken. */
    static final Duration FAILOVER_EXTRA_BOUND = Duration.ofSeconds(30);
    /** Upper bound of a child's life, in case every other way of ending it failed. */
    static final Duration CHILD_MAX_LIFETIME = Duration.ofMinutes(30);
    private static final Duration OBSERVER_SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final String COMPONENT = "failover";

    @Override
    public String description() {
        return "SIGKILL of the leader's JVM (3 contender JVMs, 3-member ZooKeeper ensemble) -> new leader confirmed"
                + " and seen; session timeouts 2 s and 5 s";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        return measure(quick ? QUICK_CYCLES : FULL_CYCLES, quick, out);
    }

    static Map<String, Object> measure(int cycles, boolean quick, PrintStream out) {
        if (cycles < 1) {
            throw new IllegalArgumentException("need cycles >= 1, got " + cycles);
        }
        out.println(NAME + ": starting a " + MEMBERS + "-member ZooKeeper ensemble (tickTime " + TICK_TIME_MS
                + " ms)");
        Map<String, Object> serverConfig = new LinkedHashMap<>();
        serverConfig.put("tickTime", String.valueOf(TICK_TIME_MS));
        // 5 s to join and 2 s to stay in sync, as curator-test's defaults give (10 and 5 ticks of 1 s)
        serverConfig.put("initLimit", "50");
        serverConfig.put("syncLimit", "20");
        serverConfig.put("minSessionTimeout", String.valueOf(2 * TICK_TIME_MS));
        serverConfig.put("maxSessionTimeout", "60000");
        TestingCluster ensemble = ZkBench.startEnsemble(MEMBERS, serverConfig);
        CuratorFramework admin = null;
        try {
            String connect = ensemble.getConnectString();
            admin = ZkBench.curator(connect, OBSERVER_SESSION_TIMEOUT);
            Map<String, Object> hakit = new LinkedHashMap<>();
            Map<String, Object> goal = new LinkedHashMap<>();
            boolean allMet = true;
            for (Duration timeout : SESSION_TIMEOUTS) {
                checkNegotiated(connect, timeout);
                double[] samples = measureTimeout(connect, admin, timeout, cycles, out);
                String prefix = "timeout_" + timeout.toSeconds() + "s_";
                Stats s = new Stats(samples);
                hakit.put(prefix + "p50_ms", Json.decimal(s.percentile(50), 3));
                hakit.put(prefix + "p99_ms", Json.decimal(s.percentile(99), 3));
                hakit.put(prefix + "max_ms", Json.decimal(s.max(), 3));
                hakit.put(prefix + "min_ms", Json.decimal(s.min(), 3));
                hakit.put(prefix + "n", s.n());
                long target = timeout.plus(GOAL_SLACK).toMillis();
                boolean met = s.percentile(99) <= target;
                goal.put(prefix + "p99_target_max_ms", target);
                goal.put(prefix + "met", met);
                allMet &= met;
            }
            goal.put("met", allMet);

            Map<String, Object> params = new LinkedHashMap<>();
            params.put("ensemble_members", MEMBERS);
            params.put("contenders", CONTENDERS);
            params.put("tick_time_ms", TICK_TIME_MS);
            List<Object> timeouts = new ArrayList<>();
            SESSION_TIMEOUTS.forEach(t -> timeouts.add(t.toMillis()));
            params.put("session_timeouts_ms", timeouts);
            params.put("cycles_per_timeout", cycles);
            params.put("kill", "SIGKILL");
            params.put("quick", quick);
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("hakit", hakit);
            Map<String, Object> json = Json.scenario(NAME, params, results);
            json.put("goal", goal);
            return json;
        } finally {
            ZkBench.closeQuietly(admin);
            ZkBench.closeQuietly(ensemble);
        }
    }

    /** Refuses to measure if the ensemble would not grant {@code timeout} as asked (its min/max bounds). */
    private static void checkNegotiated(String connect, Duration timeout) {
        CuratorFramework probe = ZkBench.curator(connect, timeout);
        try {
            int negotiated = probe.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (negotiated != timeout.toMillis()) {
                throw new Runner.BenchmarkFailure("the ensemble negotiated a session timeout of " + negotiated
                        + " ms when asked for " + timeout.toMillis() + " ms");
            }
        } catch (Runner.BenchmarkFailure e) {
            throw e;
        } catch (Exception e) {
            throw new Runner.BenchmarkFailure("could not read the negotiated session timeout", e);
        } finally {
            probe.close();
        }
    }

    /** Kills the leader {@code cycles} times with one session timeout; returns the failover times in ms. */
    private static double[] measureTimeout(String connect, CuratorFramework admin, Duration timeout, int cycles,
            PrintStream out) {
        String clusterId = "bench-zk-failover-" + timeout.toMillis();
        String electionPath = ZkBench.electionPath(clusterId);
        out.println(NAME + ": session timeout " + timeout.toMillis() + " ms: " + CONTENDERS + " contender JVMs, "
                + cycles + " kills");
        HaServices observerProcess = HaServices.create(ZkBench.hakitConfig(connect, clusterId, "observer",
                OBSERVER_SESSION_TIMEOUT, cycles).build());
        ContenderProcess[] children = new ContenderProcess[CONTENDERS];
        try (ZkBench.Observer observer = new ZkBench.Observer(observerProcess, COMPONENT)) {
            for (int i = 0; i < CONTENDERS; i++) {
                children[i] = startChild(connect, clusterId, i, timeout);
                ZkBench.awaitQueued(admin, electionPath, i + 1, CHILD_START_BOUND, "starting " + nodeId(i));
            }
            LeaderInformation current = observer.awaitNewLeader(null, CHILD_START_BOUND, "first leader").info();
            double[] samples = new double[cycles];
            for (int c = 0; c < cycles; c++) {
                int leader = nodeIndex(current);
                long start = System.nanoTime();
                if (!children[leader].kill()) {
                    throw new Runner.BenchmarkFailure(children[leader] + " did not die within "
                            + ContenderProcess.EXIT_BOUND.toSeconds() + " s of SIGKILL");
                }
                ZkBench.Seen next = observer.awaitNewLeader(current, timeout.plus(FAILOVER_EXTRA_BOUND),
                        "session timeout " + timeout.toMillis() + " ms, kill " + (c + 1));
                samples[c] = (next.nanos() - start) / 1e6;
                out.printf("%s: session timeout %d ms, kill %d/%d: %s -> %s (epoch %d) in %.1f ms%n", NAME,
                        timeout.toMillis(), c + 1, cycles, current.address().orElseThrow(),
                        next.info().address().orElseThrow(), next.info().epoch(), samples[c]);
                current = next.info();
                children[leader] = startChild(connect, clusterId, leader, timeout);
                ZkBench.awaitQueued(admin, electionPath, CONTENDERS, CHILD_START_BOUND,
                        "restarting " + nodeId(leader));
            }
            return samples;
        } catch (IllegalStateException e) {
            throw new Runner.BenchmarkFailure(e.getMessage(), e);
        } finally {
            for (ContenderProcess child : children) {
                if (child != null) {
                    child.close();
                }
            }
            observerProcess.close();
        }
    }

    private static ContenderProcess startChild(String connect, String clusterId, int index, Duration timeout) {
        ContenderProcess child = ContenderProcess.start(nodeId(index), ContenderMain.args(connect, clusterId,
                nodeId(index), COMPONENT, address(index), timeout, ZkBench.PATH_ROOT, CHILD_MAX_LIFETIME));
        try {
            child.awaitLine(ContenderMain.READY::equals, CHILD_START_BOUND, "READY");
        } catch (RuntimeException e) {
            child.kill();
            throw e;
        }
        return child;
    }

    private static String nodeId(int index) {
        return "node-" + (index + 1);
    }

    private static String address(int index) {
        return nodeId(index) + ":9000";
    }

    private static int nodeIndex(LeaderInformation info) {
        String address = info.address().orElseThrow();
        for (int i = 0; i < CONTENDERS; i++) {
            if (address.equals(address(i))) {
                return i;
            }
        }
        throw new Runner.BenchmarkFailure("the observer sees an unknown leader address " + address);
    }
}
