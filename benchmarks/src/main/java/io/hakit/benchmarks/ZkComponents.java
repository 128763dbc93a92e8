package io.hakit.benchmarks;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import org.apache.curator.test.TestingCluster;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code zk-components}: what many components sharing one election cost on the ZooKeeper backend.
 *
 * <p>For each size {@code n}, in the same run and on the same 3-member ensemble: an observer process registers a
 * retrieval listener for each of {@code n} components, then a leader process starts {@code n} elections (one
 * contender per component, all sharing the process's one election) and each contender confirms its own address when
 * granted. Measured: the time from starting the elections until every contender confirmed, and until the observer's
 * listeners saw every address; then, with both processes still running, the threads of the two processes (HAKit's,
 * Curator's and the ZooKeeper client's, told apart from the in-process servers' by name), all of this JVM's live
 * threads and its heap used after a full GC, each compared with the same reading just before the two processes were
 * created; and the watches every ZooKeeper member holds ({@code wchs}). Both HAKit processes live in this JVM, so
 * the heap figures are those of the two processes together (and the servers' share of the growth). Comparing the
 * sizes shows what one more component costs: a component that cost a thread or a watch would add about {@code n}
 * of them.
 */
final class ZkComponents implements Runner.Scenario {

    static final String NAME = "zk-components";
    static final int MEMBERS = 3;
    static final int[] QUICK_SIZES = {10, 1000};
    static final int[] FULL_SIZES = {10, 100, 1000, 3000};
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    static final Duration VISIBLE_BOUND = Duration.ofMinutes(3);
    static final Duration SETTLE_BOUND = Duration.ofSeconds(10);

    @Override
    public String description() {
        return "10 vs 1,000 components sharing one election in one process (and a listener each in an observer):"
                + " threads, heap, ZooKeeper watches, time until all confirmed and visible";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        return measure(quick ? QUICK_SIZES : FULL_SIZES, quick, out);
    }

    /** One size's readings. */
    private record Phase(int n, double confirmedMs, double visibleMs, int clientThreads, int threadsBefore,
            int threadsAfter, double heapBeforeMb, double heapAfterMb, ZkBench.Watches watches) {
    }

    static Map<String, Object> measure(int[] sizes, boolean quick, PrintStream out) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("need at least two sizes to compare");
        }
        out.println(NAME + ": starting a " + MEMBERS + "-member ZooKeeper ensemble");
        TestingCluster ensemble = ZkBench.startEnsemble(MEMBERS, Map.of());
        try {
            String connect = ensemble.getConnectString();
            ZkBench.Watches idle = ZkBench.watches(ensemble);
            List<Phase> phases = new ArrayList<>();
            for (int n : sizes) {
                // the previous size's processes end their threads asynchronously: start when they are gone
                ZkBench.poll(SETTLE_BOUND, () -> clientThreads() == 0);
                Phase p = phase(connect, ensemble, n);
                out.printf("%s: %d components: all confirmed in %.1f ms, all visible in %.1f ms; %d threads in the two"
                        + " processes, JVM threads %d -> %d; heap after GC %.1f -> %.1f MB; %d ZooKeeper watches on %d"
                        + " paths%n", NAME, n, p.confirmedMs(), p.visibleMs(), p.clientThreads(), p.threadsBefore(),
                        p.threadsAfter(), p.heapBeforeMb(),
                        p.heapAfterMb(), p.watches().total(), p.watches().paths());
                phases.add(p);
            }

            Map<String, Object> hakit = new LinkedHashMap<>();
            for (Phase p : phases) {
                String k = "n" + p.n() + "_";
                hakit.put(k + "time_to_all_confirmed_ms", Json.decimal(p.confirmedMs(), 1));
                hakit.put(k + "time_to_all_visible_ms", Json.decimal(p.visibleMs(), 1));
                hakit.put(k + "process_threads", p.clientThreads());
                hakit.put(k + "jvm_before_threads", p.threadsBefore());
                hakit.put(k + "jvm_after_threads", p.threadsAfter());
                hakit.put(k + "heap_used_after_gc_mb", Json.decimal(p.heapAfterMb(), 1));
                hakit.put(k + "heap_added_mb", Json.decimal(p.heapAfterMb() - p.heapBeforeMb(), 1));
                hakit.putAll(p.watches().figures(k));
            }
            Phase small = phases.get(0);
            Phase large = phases.get(phases.size() - 1);
            int more = large.n() - small.n();
            int addedThreads = large.clientThreads() - small.clientThreads();
            int addedWatches = large.watches().total() - small.watches().total();
            double heapPerComponentKb = ((large.heapAfterMb() - large.heapBeforeMb())
                    - (small.heapAfterMb() - small.heapBeforeMb())) * 1024 / more;
            Map<String, Object> goal = new LinkedHashMap<>();
            goal.put("components_compared", small.n() + " vs " + large.n());
            goal.put("threads_added_by_" + more + "_more_components", addedThreads);
            goal.put("zk_watches_added_by_" + more + "_more_components", addedWatches);
            goal.put("heap_per_component_kb", Json.decimal(heapPerComponentKb, 2));
            // a thread or a watch per component would add about `more` of them
            goal.put("met", addedThreads <= 0 && addedWatches <= 0);

            Map<String, Object> params = new LinkedHashMap<>();
            params.put("ensemble_members", MEMBERS);
            List<Object> sizeList = new ArrayList<>();
            for (int n : sizes) {
                sizeList.add(n);
            }
            params.put("components", sizeList);
            params.put("processes", "1 leader + 1 observer, in this JVM");
            params.put("idle_zk_watches", idle.total());
            params.put("quick", quick);
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("hakit", hakit);
            Map<String, Object> json = Json.scenario(NAME, params, results);
            json.put("goal", goal);
            return json;
        } finally {
            ZkBench.closeQuietly(ensemble);
        }
    }

    private static Phase phase(String connect, TestingCluster ensemble, int n) {
        String clusterId = "bench-zk-components-" + n;
        int threadsBefore = liveThreads();
        double heapBefore = heapAfterGcMb();
        HaServices observer = null;
        HaServices leader = null;
        try {
            observer = HaServices.create(ZkBench.hakitConfig(connect, clusterId, "observer", SESSION_TIMEOUT, 1)
                    .build());
            CountDownLatch visible = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                String expected = address(i);
                AtomicBoolean seen = new AtomicBoolean();
                observer.watchLeader(component(i), info -> {
                    if (info.address().filter(expected::equals).isPresent() && seen.compareAndSet(false, true)) {
                        visible.countDown();
                    }
                });
            }
            leader = HaServices.create(ZkBench.hakitConfig(connect, clusterId, "leader", SESSION_TIMEOUT, 1)
                    .build());
            CountDownLatch confirmed = new CountDownLatch(n);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                LeaderElection election = leader.leaderElection(component(i));
                String address = address(i);
                AtomicBoolean done = new AtomicBoolean();
                election.startLeaderElection(new LeaderContender() {
                    @Override
                    public void grantLeadership(LeaderSession session) {
                        if (election.confirmLeadership(session, address) && done.compareAndSet(false, true)) {
                            confirmed.countDown();
                        }
                    }

                    @Override
                    public void revokeLeadership() {
                        // nothing to stop
                    }
                });
            }
            double confirmedMs = await(confirmed, start, n, "confirmed");
            double visibleMs = await(visible, start, n, "visible to the observer");
            int processThreads = clientThreads();
            int threadsAfter = liveThreads();
            double heapAfter = heapAfterGcMb();
            ZkBench.Watches watches = ZkBench.watches(ensemble);
            return new Phase(n, confirmedMs, visibleMs, processThreads, threadsBefore, threadsAfter, heapBefore,
                    heapAfter, watches);
        } finally {
            ZkBench.closeQuietly(leader);
            ZkBench.closeQuietly(observer);
        }
    }

    private static double await(CountDownLatch latch, long start, int n, String what) {
        try {
            if (!latch.await(VISIBLE_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new Runner.BenchmarkFailure((n - latch.getCount()) + " of " + n + " components " + what
                        + " after " + VISIBLE_BOUND.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Runner.BenchmarkFailure("interrupted while waiting for components to be " + what, e);
        }
        return (System.nanoTime() - start) / 1e6;
    }

    /**
     * The live threads of HAKit processes in this JVM: HAKit's own ({@code hakit-*}), Curator's ({@code Curator-*})
     * and the ZooKeeper client's ({@code *-SendThread(host:port)}, {@code *-EventThread}); not the servers'.
     */
    private static int clientThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (t.isAlive() && (name.startsWith("hakit-") || name.startsWith("Curator-")
                    || name.contains("-SendThread(") || name.endsWith("-EventThread"))) {
                n++;
            }
        }
        return n;
    }

    private static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Heap in use after two full collections, in MB. */
    private static double heapAfterGcMb() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    private static String component(int i) {
        return String.format("component-%05d", i);
    }

    private static String address(int i) {
        return "leader:9000/" + component(i);
    }
}
