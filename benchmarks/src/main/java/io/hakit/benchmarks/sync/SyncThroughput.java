package io.hakit.benchmarks.sync;

import io.hakit.benchmarks.Json;
import io.hakit.benchmarks.Runner;
import io.hakit.benchmarks.Runner.BenchmarkFailure;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code sync-throughput}: HAKit's file sync against rsync to a daemon on loopback (without and with
 * {@code --fsync}), rsync over ssh (encrypted, as between hosts) and cp, the daemon and cp as
 * ../shared/anchors/rsync-throughput.sh measures them. Figures:
 * <ol type="a">
 *   <li>a 1 GiB random file copied into an empty target: seconds and MB/s (10^6 B/s);</li>
 *   <li>a tree of 10,000 random 4 KiB files in 100 directories copied into an empty target: seconds;</li>
 *   <li>the same tree with 10 files rewritten (same size, new content, new mtime) synced again into an up-to-date
 *       target: seconds and files transferred;</li>
 *   <li>the unchanged tree synced again: seconds.</li>
 * </ol>
 * Each as {@code _s} until the subject returns and {@code _sync_s} including a sync(1) after it (the data on disk;
 * HAKit and {@code rsync_daemon_fsync} fsync every file themselves). A sync(1) also runs before every timed run so
 * that one copy's write-back does not land in the next. (a) and (b) open a session per copy on an empty target,
 * outside the timing; (c) and (d) open one session per subject once on an already synced pair (a subject may keep
 * caches, as a daemon would) and time its {@code syncOnce}. Every repetition runs the subjects interleaved, each in
 * turn going first; one warm-up repetition first. After every sync the target must equal the source (file list,
 * sizes, contents). Medians are reported; with a {@code hakit} subject, {@code ratios} gives hakit / peer for each
 * figure and {@code goal} the targets against {@code rsync_daemon_fsync} (issue 18: durable like HAKit): (a) at least
 * 1.2 x its MB/s, (b) (c) (d) no more than its time.
 */
public final class SyncThroughput implements Runner.Scenario {

    public static final String NAME = "sync-throughput";
    static final long SEED = 20261122L;
    static final double BIG_RATIO_TARGET_MIN = 1.2;
    /** The goal's peer (issue 18): rsync --fsync to a daemon, durable like HAKit. */
    static final String GOAL_PEER = "rsync_daemon_fsync";
    /** Whether HAKit without TLS is measured too ({@code -Dsync.plain=false} leaves it out); on by default. */
    static final boolean PLAIN = !"false".equals(System.getProperty("sync.plain"));

    /** What one run does. */
    record Config(long bigBytes, int treeFiles, int treeDirs, int fileBytes, int changed, int reps, int warmup) {
        static Config of(boolean quick) {
            return quick ? new Config(128 * SyncDatasets.MIB, 1_000, 100, 4096, 10, 1, 1)
                    : new Config(1024 * SyncDatasets.MIB, 10_000, 100, 4096, 10, 3, 1);
        }

        /** Source plus one target of the big file at a time, plus a tree per subject (blocks of 4 KiB at least). */
        long diskNeeded(int subjects) {
            long tree = (long) treeFiles * Math.max(fileBytes, 4096) + treeDirs * 4096L;
            return 2 * bigBytes + (2L + subjects) * tree + 64 * SyncDatasets.MIB;
        }
    }

    @Override
    public String description() {
        return "file sync throughput: 1 GiB file, 10,000 x 4 KiB tree, 10 changed, unchanged; HAKit (and without TLS) vs "
                + "rsync daemon (with and without --fsync), rsync over ssh and cp";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        return measure(Config.of(quick), SyncSubjects.throughputSubjects(PLAIN), quick, out);
    }

    static Map<String, Object> measure(Config c, List<SyncSubject> subjects, boolean quick, PrintStream out) {
        Map<String, Object> peers = SyncBench.describe(subjects);
        List<SyncSubject> incremental = subjects.stream().filter(s -> !s.initialCopyOnly()).toList();
        // subject -> figure -> samples
        Map<String, Map<String, List<Double>>> samples = new LinkedHashMap<>();
        Map<String, Long> filesChanged = new LinkedHashMap<>();
        Map<String, Long> filesUnchanged = new LinkedHashMap<>();
        subjects.forEach(s -> samples.put(s.name(), new LinkedHashMap<>()));
        out.printf(Locale.ROOT, "%s: %s; %d + %d warm-up repetitions%n", NAME, String.join(", ",
                subjects.stream().map(SyncSubject::name).toList()), c.reps(), c.warmup());
        long start = System.nanoTime();
        try (SyncDatasets data = SyncDatasets.create(NAME, c.diskNeeded(incremental.size()), SEED)) {
            Path src = data.dir("src");
            Path tree = src.resolve("tree");
            out.printf(Locale.ROOT, "generating %d MiB random file and %d x %d B files in %d dirs under %s%n",
                    c.bigBytes() / SyncDatasets.MIB, c.treeFiles(), c.fileBytes(), c.treeDirs(), data.root());
            try {
                data.writeRandomFile(src.resolve("big").resolve("big.bin"), c.bigBytes());
                data.writeTree(tree, c.treeFiles(), c.treeDirs(), c.fileBytes());
            } catch (IOException e) {
                throw new BenchmarkFailure("cannot write the data under " + data.root() + ": " + e, e);
            }
            Procs.syncFileSystems();
            out.printf(Locale.ROOT, "  (data written in %.0f s)%n", (System.nanoTime() - start) / 1e9);
            for (String what : List.of("big", "tree")) {
                long phase = System.nanoTime();
                for (int r = -c.warmup(); r < c.reps(); r++) {
                    for (SyncSubject s : SyncBench.rotate(subjects, r)) {
                        double[] t = initialCopy(data, s, src.resolve(what), what);
                        String label = r < 0 ? "warm-up" : "#" + (r + 1);
                        if (what.equals("big")) {
                            out.printf(Locale.ROOT, "  [(a) big  %-7s] %-20s %7.3f s (%5.0f MB/s), +sync %7.3f s%n",
                                    label, s.name(), t[0], c.bigBytes() / t[0] / 1e6, t[1]);
                        } else {
                            out.printf(Locale.ROOT, "  [(b) tree %-7s] %-20s %7.3f s (%6.0f files/s), +sync %7.3f s%n",
                                    label, s.name(), t[0], c.treeFiles() / t[0], t[1]);
                        }
                        if (r >= 0) {
                            add(samples, s, what + "_copy_s", t[0]);
                            add(samples, s, what + "_copy_sync_s", t[1]);
                        }
                    }
                }
                out.printf(Locale.ROOT, "  (%s copies took %.0f s with verification)%n", what,
                        (System.nanoTime() - phase) / 1e9);
            }
            resync(c, data, tree, incremental, samples, filesChanged, filesUnchanged, out);
        }
        double took = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "%s took %.0f s%n", NAME, took);
        return result(c, quick, peers, subjects, samples, filesChanged, filesUnchanged);
    }

    private static void add(Map<String, Map<String, List<Double>>> samples, SyncSubject s, String figure, double v) {
        samples.get(s.name()).computeIfAbsent(figure, k -> new ArrayList<>()).add(v);
    }

    /** (a) or (b): an empty target, a new session, one timed syncOnce; returns {s, s including sync(1)}. */
    private static double[] initialCopy(SyncDatasets data, SyncSubject s, Path src, String what) {
        Path dst = data.emptyDir("dst", s.name(), what);
        Procs.syncFileSystems();
        double[] t = new double[2];
        Map<SyncSubject, SyncSubject.Session> session = new LinkedHashMap<>();
        boolean ok = false;
        try {
            session.put(s, SyncBench.call(s, "open for the initial copy of " + what, () -> s.open(src, dst, false)));
            long t0 = System.nanoTime();
            SyncBench.call(s, "initial copy of " + what, () -> session.get(s).syncOnce());
            long t1 = System.nanoTime();
            Procs.syncFileSystems();
            long t2 = System.nanoTime();
            t[0] = (t1 - t0) / 1e9;
            t[1] = (t2 - t0) / 1e9;
            ok = true;
        } finally {
            SyncBench.closeAll(session, ok);
        }
        SyncDatasets.verifyEqual(s.name() + " initial copy of " + what, src, dst);
        SyncDatasets.deleteTree(dst.getParent());
        return t;
    }

    /** (c) and (d): one session per subject on its own, already synced copy of the tree. */
    private static void resync(Config c, SyncDatasets data, Path tree, List<SyncSubject> subjects,
            Map<String, Map<String, List<Double>>> samples, Map<String, Long> filesChanged,
            Map<String, Long> filesUnchanged, PrintStream out) {
        Map<SyncSubject, SyncSubject.Session> sessions = new LinkedHashMap<>();
        Map<SyncSubject, Path> targets = new LinkedHashMap<>();
        boolean ok = false;
        try {
            for (SyncSubject s : subjects) {
                Path dst = data.emptyDir("resync", s.name(), "tree");
                targets.put(s, dst);
                sessions.put(s, SyncBench.call(s, "open for the re-syncs", () -> s.open(tree, dst, false)));
                SyncBench.call(s, "baseline copy for the re-syncs", () -> sessions.get(s).syncOnce());
                SyncDatasets.verifyEqual(s.name() + " baseline copy", tree, dst);
            }
            for (int r = -c.warmup(); r < c.reps(); r++) {
                String label = r < 0 ? "warm-up" : "#" + (r + 1);
                SyncDatasets.awaitFreshSecond();
                try {
                    data.rewriteTreeFiles(tree, c.treeFiles(), c.treeDirs(), c.changed(), r + c.warmup());
                } catch (IOException e) {
                    throw new BenchmarkFailure("cannot rewrite files of " + tree + ": " + e, e);
                }
                for (String what : List.of("changed", "unchanged")) {
                    for (SyncSubject s : SyncBench.rotate(subjects, r)) {
                        Procs.syncFileSystems();
                        long t0 = System.nanoTime();
                        SyncSubject.Transfer x = SyncBench.call(s, what + " re-sync", () -> sessions.get(s).syncOnce());
                        double sec = (System.nanoTime() - t0) / 1e9;
                        SyncDatasets.verifyEqual(s.name() + " " + what + " re-sync", tree, targets.get(s));
                        out.printf(Locale.ROOT, "  [(%s) %-9s %-7s] %-20s %7.3f s, %d files transferred%n",
                                what.equals("changed") ? "c" : "d", what, label, s.name(), sec,
                                x.filesTransferred());
                        if (r >= 0) {
                            add(samples, s, what + "_resync_s", sec);
                            (what.equals("changed") ? filesChanged : filesUnchanged).merge(s.name(),
                                    x.filesTransferred(), Math::max);
                        }
                    }
                }
            }
            ok = true;
        } finally {
            SyncBench.closeAll(sessions, ok);
        }
    }

    private static Map<String, Object> result(Config c, boolean quick, Map<String, Object> peers,
            List<SyncSubject> subjects, Map<String, Map<String, List<Double>>> samples, Map<String, Long> filesChanged,
            Map<String, Long> filesUnchanged) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("big_file_mib", c.bigBytes() / SyncDatasets.MIB);
        params.put("tree_files", c.treeFiles());
        params.put("tree_dirs", c.treeDirs());
        params.put("tree_file_bytes", c.fileBytes());
        params.put("changed_files", c.changed());
        params.put("repetitions", c.reps());
        params.put("warmup_repetitions", c.warmup());
        params.put("interleaved", true);
        params.put("subjects", peers);
        params.put("measured", "(a)(b) initial copy into an empty target, a session opened per copy outside the "
                + "timing; (c)(d) re-sync of an up-to-date target by a session opened once; _s until the subject "
                + "returns, _sync_s with a sync(1) after it; medians; MB = 10^6 B; target verified after every sync");
        params.put("goal", "hakit vs " + GOAL_PEER + ": (a) MB/s ratio >= " + BIG_RATIO_TARGET_MIN
                + ", (b)(c)(d) time ratio <= 1");
        params.put("quick", quick);

        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        for (SyncSubject s : subjects) {
            Map<String, List<Double>> f = samples.get(s.name());
            Map<String, Object> r = new LinkedHashMap<>();
            double big = SyncBench.median(f.get("big_copy_s"));
            double bigSync = SyncBench.median(f.get("big_copy_sync_s"));
            double tree = SyncBench.median(f.get("tree_copy_s"));
            r.put("big_copy_s", SyncBench.seconds(big));
            r.put("big_copy_mb_per_s", Json.decimal(c.bigBytes() / big / 1e6, 1));
            r.put("big_copy_sync_s", SyncBench.seconds(bigSync));
            r.put("big_copy_sync_mb_per_s", Json.decimal(c.bigBytes() / bigSync / 1e6, 1));
            r.put("tree_copy_s", SyncBench.seconds(tree));
            r.put("tree_copy_files_per_s", Json.decimal(c.treeFiles() / tree, 0));
            r.put("tree_copy_sync_s", SyncBench.seconds(SyncBench.median(f.get("tree_copy_sync_s"))));
            if (!s.initialCopyOnly()) {
                r.put("changed_resync_s", SyncBench.seconds(SyncBench.median(f.get("changed_resync_s"))));
                putFiles(r, "changed_files_transferred", filesChanged.get(s.name()));
                r.put("unchanged_resync_s", SyncBench.seconds(SyncBench.median(f.get("unchanged_resync_s"))));
                putFiles(r, "unchanged_files_transferred", filesUnchanged.get(s.name()));
            }
            r.put("n", c.reps());
            results.put(s.name(), r);
        }
        Map<String, Object> json = Json.scenario(NAME, params, results);
        if (results.containsKey(SyncBench.HAKIT)) {
            Map<String, Object> ratios = new LinkedHashMap<>();
            for (String peer : List.of("rsync_daemon", "rsync_daemon_fsync", "rsync_ssh")) {
                if (results.containsKey(peer)) {
                    ratios.put(peer, ratios(results, SyncBench.HAKIT, peer));
                }
            }
            json.put("ratios", ratios);
            if (results.containsKey(HakitSubject.PLAIN)) {
                // on rsync's daemon's terms: neither side encrypts
                Map<String, Object> plain = new LinkedHashMap<>();
                for (String peer : List.of("rsync_daemon", "rsync_daemon_fsync")) {
                    if (results.containsKey(peer)) {
                        plain.put(peer, ratios(results, HakitSubject.PLAIN, peer));
                    }
                }
                json.put("ratios_without_tls", plain);
            }
            if (results.containsKey(GOAL_PEER)) {
                json.put("goal", goal(results));
            }
        }
        return json;
    }

    private static void putFiles(Map<String, Object> r, String key, Long files) {
        if (files != null && files >= 0) {
            r.put(key, files);
        }
    }

    /** subject / peer for each figure the two share: MB/s ratios above 1 and time ratios below 1 favour HAKit. */
    private static Map<String, Object> ratios(Map<String, Map<String, Object>> results, String subject, String peer) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String figure : results.get(subject).keySet()) {
            if ((figure.endsWith("_s") || figure.endsWith("_per_s")) && results.get(peer).containsKey(figure)) {
                m.put(figure, SyncBench.ratio(SyncBench.figure(results, subject, figure),
                        SyncBench.figure(results, peer, figure)));
            }
        }
        return m;
    }

    private static Map<String, Object> goal(Map<String, Map<String, Object>> results) {
        String h = SyncBench.HAKIT;
        String p = GOAL_PEER;
        double big = SyncBench.figure(results, h, "big_copy_mb_per_s") / SyncBench.figure(results, p,
                "big_copy_mb_per_s");
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("peer", p);
        g.put("big_copy_mb_per_s_ratio", Json.decimal(big, 3));
        g.put("big_copy_mb_per_s_ratio_target_min", Json.decimal(BIG_RATIO_TARGET_MIN, 1));
        boolean met = big >= BIG_RATIO_TARGET_MIN;
        for (String figure : List.of("tree_copy_s", "changed_resync_s", "unchanged_resync_s")) {
            double ratio = SyncBench.figure(results, h, figure) / SyncBench.figure(results, p, figure);
            g.put(figure + "_ratio", Json.decimal(ratio, 3));
            met &= ratio <= 1;
        }
        g.put("time_ratio_target_max", 1);
        g.put("met", met);
        return g;
    }
}
