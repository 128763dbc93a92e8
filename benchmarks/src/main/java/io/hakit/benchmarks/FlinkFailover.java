package io.hakit.benchmarks;

import io.hakit.flink.HakitHaServicesFactory;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.highavailability.HighAvailabilityServices;
import org.apache.flink.runtime.highavailability.HighAvailabilityServicesUtils;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.leaderelection.LeaderContender;
import org.apache.flink.runtime.leaderelection.LeaderElection;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.TestingMiniCluster;
import org.apache.flink.runtime.minicluster.TestingMiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * {@code flink-failover}: a real Flink 2.3 JobManager loses its ZooKeeper session; how long until the new leader has
 * restored the job from its latest checkpoint and the job is RUNNING again. HAKit's Flink adapter on HAKit's ZooKeeper
 * backend ({@code high-availability.type: io.hakit.flink.HakitHaServicesFactory}) and Flink's own ZooKeeper HA
 * ({@code high-availability.type: zookeeper}) in the same run, on the same ensemble, with the same client settings.
 *
 * <p>A {@link TestingMiniCluster} runs two JobManager (dispatcher/resource manager) components, each with HA services
 * of its own made by Flink's own {@link HighAvailabilityServicesUtils#createAvailableOrEmbeddedServices} from the
 * configuration (so each is its own ZooKeeper client, as two JobManager processes are), and a checkpointing job
 * (200 ms). Each component reaches every ensemble member through a {@link FaultInjectingProxy} of its own; the
 * ensemble tracker is off for both systems so the clients never learn the members' real addresses. A cycle waits until
 * both components are queued in the election (their latch nodes) and two more checkpoints completed, then blackholes
 * the proxies of the component whose dispatcher leads (seen by wrapping the dispatcher's contender) and measures from
 * just before the cut until the job's latest restore happened after the cut and the job is RUNNING, polled every
 * millisecond through the MiniCluster (whose own HA services are not cut). The old leader is then healed and rejoins.
 * A failover costs the session timeout (the ensemble must expire the cut session before its latch node goes), the
 * grant, and Flink's job recovery from the checkpoint.
 *
 * <p>Then clean handovers: the leading component is closed (a fresh MiniCluster per cycle), HAKit on ZooKeeper against
 * HAKit's embedded backend (the in-memory reference) and Flink's own ZooKeeper HA; goal: HAKit on ZooKeeper within 2x
 * the in-memory figure.
 */
final class FlinkFailover implements Runner.Scenario {

    static final String NAME = "flink-failover";
    static final int MEMBERS = 3;
    static final int COMPONENTS = 2;
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);
    static final int TICK_TIME_MS = 100;
    static final long CHECKPOINT_INTERVAL_MS = 200;
    static final int QUICK_CYCLES = 4;
    static final int FULL_CYCLES = 10;
    /** Bound of one failover; beyond it the run is declared broken. */
    static final Duration FAILOVER_BOUND = Duration.ofSeconds(60);
    /** Bound of starting, rejoining and checkpointing between cycles. */
    static final Duration SETTLE_BOUND = Duration.ofSeconds(60);
    static final String HAKIT = "hakit";
    static final String FLINK = "flink-zookeeper";
    /** HAKit's adapter on the embedded backend: the in-memory reference of the clean handover. */
    static final String EMBEDDED = "hakit-embedded";
    static final int QUICK_CLEAN_CYCLES = 3;
    static final int FULL_CLEAN_CYCLES = 8;
    private static final String FLINK_ROOT = "/flink-bench";

    @Override
    public String description() {
        return "a Flink 2.3 JobManager's ZooKeeper session lost (proxy cut, 2 s timeout) -> job restored and RUNNING"
                + " on the other; HAKit's adapter vs Flink's own ZooKeeper HA";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        int cycles = quick ? QUICK_CYCLES : FULL_CYCLES;
        Map<String, Object> serverConfig = new LinkedHashMap<>();
        serverConfig.put("tickTime", String.valueOf(TICK_TIME_MS));
        serverConfig.put("initLimit", "50");
        serverConfig.put("syncLimit", "20");
        serverConfig.put("minSessionTimeout", String.valueOf(2 * TICK_TIME_MS));
        serverConfig.put("maxSessionTimeout", "60000");
        out.println(NAME + ": starting a " + MEMBERS + "-member ZooKeeper ensemble (tickTime " + TICK_TIME_MS + " ms)");
        TestingCluster ensemble = ZkBench.startEnsemble(MEMBERS, serverConfig);
        CuratorFramework admin = null;
        try {
            admin = ZkBench.curator(ensemble.getConnectString(), Duration.ofSeconds(10));
            double[] hakit = measure(HAKIT, ensemble, admin, cycles, out);
            double[] flink = measure(FLINK, ensemble, admin, cycles, out);
            int cleanCycles = quick ? QUICK_CLEAN_CYCLES : FULL_CLEAN_CYCLES;
            double[] cleanHakit = measureClean(HAKIT, ensemble, admin, cleanCycles, out);
            double[] cleanEmbedded = measureClean(EMBEDDED, ensemble, admin, cleanCycles, out);
            double[] cleanFlink = measureClean(FLINK, ensemble, admin, cleanCycles, out);

            Map<String, Object> results = new LinkedHashMap<>();
            results.put(HAKIT, ZkBench.latencyFigures(hakit));
            results.put(FLINK, ZkBench.latencyFigures(flink));
            Stats h = new Stats(hakit);
            Stats f = new Stats(flink);
            Map<String, Object> goal = new LinkedHashMap<>();
            goal.put("p50_ratio_hakit_to_flink", ZkBench.ratio(h.percentile(50), f.percentile(50)));
            goal.put("p99_ratio_hakit_to_flink", ZkBench.ratio(h.percentile(99), f.percentile(99)));
            goal.put("target_max_ratio", Json.decimal(1.0, 1));
            goal.put("met", h.percentile(50) <= f.percentile(50) && h.percentile(99) <= f.percentile(99));
            Map<String, Object> clean = new LinkedHashMap<>();
            clean.put(HAKIT, ZkBench.latencyFigures(cleanHakit));
            clean.put(EMBEDDED, ZkBench.latencyFigures(cleanEmbedded));
            clean.put(FLINK, ZkBench.latencyFigures(cleanFlink));
            results.put("clean_handover", clean);
            double cleanRatio = new Stats(cleanHakit).percentile(50) / new Stats(cleanEmbedded).percentile(50);
            Map<String, Object> cleanGoal = new LinkedHashMap<>();
            cleanGoal.put("p50_ratio_zookeeper_to_embedded", Json.decimal(cleanRatio, 3));
            cleanGoal.put("target_max_ratio", Json.decimal(2.0, 1));
            cleanGoal.put("met", cleanRatio <= 2.0);
            goal.put("clean_handover", cleanGoal);

            Map<String, Object> params = new LinkedHashMap<>();
            params.put("flink", org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
            params.put("ensemble_members", MEMBERS);
            params.put("jobmanager_components", COMPONENTS);
            params.put("session_timeout_ms", SESSION_TIMEOUT.toMillis());
            params.put("tick_time_ms", TICK_TIME_MS);
            params.put("checkpoint_interval_ms", CHECKPOINT_INTERVAL_MS);
            params.put("cycles_per_system", cycles);
            params.put("loss", "session expiry: the leader's proxies blackholed");
            params.put("clean_handover", "the leading JobManager component closed (a fresh MiniCluster per cycle, "
                    + cleanCycles + " cycles per system): from the close to the job RUNNING, restored, on the other;"
                    + " HAKit on ZooKeeper against HAKit's embedded backend (in memory) and Flink's own ZooKeeper HA");
            params.put("quick", quick);
            Map<String, Object> json = Json.scenario(NAME, params, results);
            json.put("goal", goal);
            return json;
        } finally {
            ZkBench.closeQuietly(admin);
            ZkBench.closeQuietly(ensemble);
        }
    }

    /** The Flink configuration of one system; both share every ZooKeeper client setting. */
    private static Configuration config(String system, String clusterId, Path storage) {
        Configuration c = new Configuration();
        if (system.equals(EMBEDDED)) {
            c.setString("high-availability.type", HakitHaServicesFactory.class.getName());
            c.setString("high-availability.hakit.backend", "embedded");
        } else if (system.equals(HAKIT)) {
            c.setString("high-availability.type", HakitHaServicesFactory.class.getName());
            c.setString("high-availability.hakit.backend", "zookeeper");
            c.setString("high-availability.zookeeper.path.root", ZkBench.PATH_ROOT);
        } else {
            c.setString("high-availability.type", "zookeeper");
            c.setString("high-availability.zookeeper.path.root", FLINK_ROOT);
        }
        c.setString("high-availability.cluster-id", clusterId);
        c.setString("high-availability.storageDir", storage.toUri().toString());
        c.setString("high-availability.zookeeper.client.session-timeout", SESSION_TIMEOUT.toMillis() + " ms");
        c.setString("high-availability.zookeeper.client.connection-timeout", SESSION_TIMEOUT.toMillis() + " ms");
        c.setString("high-availability.zookeeper.client.retry-wait", "100 ms");
        c.setString("high-availability.zookeeper.client.ensemble-tracker", "false");
        return c;
    }

    /** The znode under which the system's JobManagers queue for leadership. */
    private static String electionPath(String system, String clusterId) {
        return system.equals(HAKIT) ? ZkBench.electionPath(clusterId) : FLINK_ROOT + "/" + clusterId + "/leader/latch";
    }

    private static double[] measure(String system, TestingCluster ensemble, CuratorFramework admin, int cycles,
            PrintStream out) {
        double[] samples = new double[cycles];
        try (Run run = new Run(system, "bench-flink-", ensemble, out)) {
            MiniCluster cluster = run.cluster;
            AtomicInteger leader = run.leader;
            String path = electionPath(system, run.clusterId);
            out.println(NAME + ": " + system + ": starting a MiniCluster with " + COMPONENTS
                    + " JobManager components and a checkpointing job");
            cluster.start();
            JobID job = submit(cluster);
            for (int i = 0; i < cycles; i++) {
                settle(admin, path, cluster, job, run.fatal, system);
                int cut = leader.get();
                if (cut < 1) {
                    throw new Runner.BenchmarkFailure(system + ": no dispatcher leads before cycle " + (i + 1));
                }
                long wall = System.currentTimeMillis();
                long start = System.nanoTime();
                run.proxies.get(cut).forEach(p -> p.fault(Fault.blackhole()));
                boolean restored = ZkBench.poll(FAILOVER_BOUND, () -> restoredAfter(cluster, job, wall));
                long end = System.nanoTime();
                if (!restored) {
                    throw new Runner.BenchmarkFailure(system + ": the job was not restored within "
                            + FAILOVER_BOUND.toSeconds() + " s of cutting JobManager " + cut + " off");
                }
                if (leader.get() == cut) {
                    throw new Runner.BenchmarkFailure(system + ": the job was restored, but the cut-off JobManager "
                            + cut + " still leads");
                }
                samples[i] = (end - start) / 1e6;
                out.printf("%s: %s: cycle %d: JobManager %d cut off, job restored on JobManager %d after %.1f ms%n",
                        NAME, system, i + 1, cut, leader.get(), samples[i]);
                run.proxies.get(cut).forEach(p -> p.fault(Fault.pass()));
            }
            // no cancel: the cluster's close suspends the job and then deletes all of the cluster's HA data (a cancel
            // right before the close would leave the job's clean-up to a JobManager that is shutting down)
            return samples;
        } catch (Runner.BenchmarkFailure e) {
            throw e;
        } catch (Exception e) {
            throw new Runner.BenchmarkFailure(system + ": " + e, e);
        }
    }

    /**
     * Clean handovers: per cycle a fresh MiniCluster (a closed component cannot rejoin), the job checkpointing, then
     * the leading component is closed; the time from the close until the job runs on the other, restored from its
     * checkpoint.
     */
    private static double[] measureClean(String system, TestingCluster ensemble, CuratorFramework admin, int cycles,
            PrintStream out) {
        double[] samples = new double[cycles];
        for (int i = 0; i < cycles; i++) {
            try (Run run = new Run(system, "bench-flink-clean-", ensemble, out)) {
                MiniCluster cluster = run.cluster;
                cluster.start();
                JobID job = submit(cluster);
                settle(system.equals(EMBEDDED) ? null : admin, electionPath(system, run.clusterId), cluster, job,
                        run.fatal, system);
                int lead = run.leader.get();
                if (lead < 1) {
                    throw new Runner.BenchmarkFailure(system + ": no dispatcher leads before clean cycle " + (i + 1));
                }
                long wall = System.currentTimeMillis();
                long start = System.nanoTime();
                component(cluster, lead - 1).closeAsync();
                boolean restored = ZkBench.poll(FAILOVER_BOUND, () -> restoredAfter(cluster, job, wall));
                long end = System.nanoTime();
                if (!restored) {
                    throw new Runner.BenchmarkFailure(system + ": the job was not restored within "
                            + FAILOVER_BOUND.toSeconds() + " s of closing JobManager " + lead);
                }
                samples[i] = (end - start) / 1e6;
                out.printf("%s: %s: clean cycle %d: JobManager %d closed, job restored on JobManager %d after %.1f ms%n",
                        NAME, system, i + 1, lead, run.leader.get(), samples[i]);
            } catch (Runner.BenchmarkFailure e) {
                throw e;
            } catch (Exception e) {
                throw new Runner.BenchmarkFailure(system + ": " + e, e);
            }
        }
        return samples;
    }

    /**
     * One MiniCluster of {@value #COMPONENTS} JobManager components, each with HA services of its own behind proxies
     * of its own ({@link #services}), and what a cycle observes: which component's dispatcher leads, fatal errors.
     * Closing it closes the MiniCluster (bounded), the proxies and the I/O threads.
     */
    private static final class Run implements AutoCloseable {
        final String system;
        final String clusterId;
        final PrintStream out;
        final List<List<FaultInjectingProxy>> proxies = new CopyOnWriteArrayList<>();
        final AtomicInteger leader = new AtomicInteger(-1);
        final List<Throwable> fatal = new CopyOnWriteArrayList<>();
        final ExecutorService io = Executors.newCachedThreadPool();
        final MiniCluster cluster;

        Run(String system, String clusterPrefix, TestingCluster ensemble, PrintStream out) {
            this.system = system;
            this.out = out;
            this.clusterId = clusterPrefix + system + "-" + System.nanoTime() % 100_000;
            Path storage;
            try {
                storage = Files.createTempDirectory("hakit-flink-failover");
            } catch (IOException e) {
                io.shutdownNow();
                throw new Runner.BenchmarkFailure("no temporary directory", e);
            }
            Configuration base = config(system, clusterId, storage);
            cluster = TestingMiniCluster.newBuilder(TestingMiniClusterConfiguration.newBuilder()
                            .setConfiguration(base).setNumberDispatcherResourceManagerComponents(COMPONENTS)
                            .setNumTaskManagers(2).setNumSlotsPerTaskManager(1).build())
                    .setHighAvailabilityServicesSupplier(() -> services(base, ensemble, proxies, leader, fatal, io))
                    .build();
        }

        @Override
        public void close() {
            try {
                cluster.closeAsync().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                out.println(NAME + ": " + system + ": closing the MiniCluster: " + e);
            }
            proxies.forEach(l -> l.forEach(FaultInjectingProxy::close));
            io.shutdownNow();
        }
    }

    /** The MiniCluster's {@code i}-th dispatcher/resource manager component (Flink keeps them private). */
    @SuppressWarnings("unchecked")
    private static org.apache.flink.runtime.entrypoint.component.DispatcherResourceManagerComponent component(
            MiniCluster cluster, int i) throws ReflectiveOperationException {
        java.lang.reflect.Field f = MiniCluster.class.getDeclaredField("dispatcherResourceManagerComponents");
        f.setAccessible(true);
        return new ArrayList<>((java.util.Collection<
                org.apache.flink.runtime.entrypoint.component.DispatcherResourceManagerComponent>) f.get(cluster))
                .get(i);
    }

    /**
     * Waits until both JobManagers are queued in the election (a healed one has a new session and latch node), the
     * job runs, and two more checkpoints completed.
     */
    private static void settle(CuratorFramework admin, String path, MiniCluster cluster, JobID job,
            List<Throwable> fatal, String system) {
        if (!fatal.isEmpty()) {
            throw new Runner.BenchmarkFailure(system + ": a JobManager reported a fatal error: " + fatal.get(0),
                    fatal.get(0));
        }
        if (admin != null && !ZkBench.poll(SETTLE_BOUND, () -> ZkBench.queued(admin, path) == COMPONENTS)) {
            throw new Runner.BenchmarkFailure(system + ": " + ZkBench.queued(admin, path) + " JobManagers queued under "
                    + path + " after " + SETTLE_BOUND.toSeconds() + " s, expected " + COMPONENTS + "; the znodes: "
                    + tree(admin, path.substring(0, path.indexOf('/', 1)), 4));
        }
        long before = completed(cluster, job).orElse(0L);
        if (!ZkBench.poll(SETTLE_BOUND, () -> completed(cluster, job).orElse(-1L) >= before + 2
                && status(cluster, job) == JobStatus.RUNNING)) {
            throw new Runner.BenchmarkFailure(system + ": the job did not complete two checkpoints within "
                    + SETTLE_BOUND.toSeconds() + " s");
        }
    }

    /** The znodes under {@code path}, {@code depth} levels down, for a failure message. */
    private static List<String> tree(CuratorFramework admin, String path, int depth) {
        List<String> all = new ArrayList<>();
        try {
            for (String child : admin.getChildren().forPath(path)) {
                String p = path + "/" + child;
                all.add(p);
                if (depth > 1) {
                    all.addAll(tree(admin, p, depth - 1));
                }
            }
        } catch (Exception e) {
            all.add(path + ": " + e);
        }
        return all;
    }

    /**
     * HA services of one component (or of the MiniCluster itself, index 0): its own ZooKeeper client through proxies
     * of its own, made by Flink from the configuration; the dispatcher's contender is wrapped to record who leads.
     */
    private static HighAvailabilityServices services(Configuration base, TestingCluster ensemble,
            List<List<FaultInjectingProxy>> proxies, AtomicInteger leader, List<Throwable> fatal, ExecutorService io) {
        int index = proxies.size();
        List<FaultInjectingProxy> own = new ArrayList<>();
        for (InstanceSpec member : ensemble.getInstances()) {
            own.add(FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", member.getPort())));
        }
        proxies.add(own);
        Configuration c = new Configuration(base);
        c.setString("high-availability.zookeeper.quorum", own.stream()
                .map(p -> "127.0.0.1:" + p.localAddress().getPort()).collect(Collectors.joining(",")));
        HighAvailabilityServices s;
        try {
            s = HighAvailabilityServicesUtils.createAvailableOrEmbeddedServices(c, io, fatal::add);
        } catch (Exception e) {
            throw new IllegalStateException("HA services " + index + ": " + e, e);
        }
        return wrap(HighAvailabilityServices.class, s, (target, method, args) -> {
            Object r = invoke(target, method, args);
            if (method.getName().equals("getDispatcherLeaderElection")) {
                return wrap(LeaderElection.class, (LeaderElection) r, (election, m, a) -> {
                    if (m.getName().equals("startLeaderElection")) {
                        a = new Object[] {observed((LeaderContender) a[0], index, leader)};
                    }
                    return invoke(election, m, a);
                });
            }
            return r;
        });
    }

    /** A contender that records in {@code leader} whether component {@code index} holds the leadership. */
    private static LeaderContender observed(LeaderContender contender, int index, AtomicInteger leader) {
        return wrap(LeaderContender.class, contender, (c, m, a) -> {
            if (m.getName().equals("grantLeadership")) {
                leader.set(index);
            } else if (m.getName().equals("revokeLeadership")) {
                leader.compareAndSet(index, -1);
            }
            return invoke(c, m, a);
        });
    }

    /** An invocation handler that is told the target. */
    private interface Handler<T> {
        Object handle(T target, java.lang.reflect.Method method, Object[] args) throws Throwable;
    }

    private static <T> T wrap(Class<T> type, T target, Handler<T> handler) {
        InvocationHandler h = (proxy, method, args) -> handler.handle(target, method, args);
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h));
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static JobID submit(MiniCluster cluster) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(CHECKPOINT_INTERVAL_MS);
        env.fromSource(new DataGeneratorSource<>(i -> i, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200),
                        Types.LONG), WatermarkStrategy.noWatermarks(), "numbers")
                .sinkTo(new DiscardingSink<>());
        JobGraph graph = env.getStreamGraph().getJobGraph();
        cluster.submitJob(graph).get(60, TimeUnit.SECONDS);
        return graph.getJobID();
    }

    private static Optional<AccessExecutionGraph> graph(MiniCluster cluster, JobID job) {
        try {
            return Optional.of(cluster.getExecutionGraph(job).get(1, TimeUnit.SECONDS));
        } catch (Exception e) {
            return Optional.empty(); // no leader yet, or the job is being recovered
        }
    }

    private static JobStatus status(MiniCluster cluster, JobID job) {
        return graph(cluster, job).map(AccessExecutionGraph::getState).orElse(null);
    }

    private static Optional<Long> completed(MiniCluster cluster, JobID job) {
        return graph(cluster, job).map(AccessExecutionGraph::getCheckpointStatsSnapshot)
                .map(s -> s.getCounts().getNumberOfCompletedCheckpoints());
    }

    /** Whether the job runs, restored from a checkpoint at or after {@code wallMillis}. */
    private static boolean restoredAfter(MiniCluster cluster, JobID job, long wallMillis) {
        Optional<AccessExecutionGraph> g = graph(cluster, job);
        if (g.isEmpty() || g.get().getState() != JobStatus.RUNNING) {
            return false;
        }
        CheckpointStatsSnapshot s = g.get().getCheckpointStatsSnapshot();
        RestoredCheckpointStats r = s == null ? null : s.getLatestRestoredCheckpoint();
        return r != null && r.getRestoreTimestamp() >= wallMillis;
    }
}
