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
 * {@code sync-delta}: a 1 GiB random file is synced, then 1 MiB in its middle is overwritten in place (same size,
 * new mtime) and synced again: how long that takes and how many bytes the sending side sends (rsync: {@code Total
 * bytes sent} of {@code --stats}, its delta-transfer algorithm over the daemon's TCP). cp is left out: it has no
 * delta. One session per subject, opened once on its own copy, synced once (untimed), then each repetition
 * changes the source once and every subject syncs it in turn (each going first in turn); one warm-up repetition.
 * The target must equal the source after every sync. Goal for HAKit: at most 2 MiB sent per 1 MiB change.
 */
public final class SyncDelta implements Runner.Scenario {

    public static final String NAME = "sync-delta";
    static final long SEED = 20261123L;
    static final long BYTES_SENT_TARGET_MAX = 2 * SyncDatasets.MIB;

    /** What one run does. */
    record Config(long bigBytes, long changeBytes, int reps, int warmup) {
        static Config of(boolean quick) {
            return quick ? new Config(128 * SyncDatasets.MIB, SyncDatasets.MIB, 1, 1)
                    : new Config(1024 * SyncDatasets.MIB, SyncDatasets.MIB, 3, 1);
        }
    }

    @Override
    public String description() {
        return "1 MiB changed in the middle of a synced 1 GiB file: time and bytes sent, HAKit vs rsync daemon";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        return measure(Config.of(quick), SyncSubjects.throughputSubjects(false), quick, out);
    }

    static Map<String, Object> measure(Config c, List<SyncSubject> all, boolean quick, PrintStream out) {
        List<SyncSubject> subjects = all.stream().filter(s -> !s.initialCopyOnly()).toList();
        Map<String, Object> peers = SyncBench.describe(subjects);
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        Map<String, List<Double>> sent = new LinkedHashMap<>();
        Map<String, Long> files = new LinkedHashMap<>();
        Map<String, Double> initial = new LinkedHashMap<>();
        out.printf(Locale.ROOT, "%s: %s; %d MiB file, %d KiB changed; %d + %d warm-up repetitions%n", NAME,
                String.join(", ", subjects.stream().map(SyncSubject::name).toList()), c.bigBytes() / SyncDatasets.MIB,
                c.changeBytes() / 1024, c.reps(), c.warmup());
        long start = System.nanoTime();
        try (SyncDatasets data = SyncDatasets.create(NAME, (1 + subjects.size()) * c.bigBytes()
                + 64 * SyncDatasets.MIB, SEED)) {
            Path src = data.dir("src");
            Path big = src.resolve("big.bin");
            try {
                data.writeRandomFile(big, c.bigBytes());
            } catch (IOException e) {
                throw new BenchmarkFailure("cannot write " + big + ": " + e, e);
            }
            Procs.syncFileSystems();
            Map<SyncSubject, SyncSubject.Session> sessions = new LinkedHashMap<>();
            Map<SyncSubject, Path> targets = new LinkedHashMap<>();
            boolean ok = false;
            try {
                for (SyncSubject s : subjects) {
                    Path dst = data.emptyDir("dst", s.name(), "big");
                    targets.put(s, dst);
                    sessions.put(s, SyncBench.call(s, "open", () -> s.open(src, dst, false)));
                    long t0 = System.nanoTime();
                    SyncBench.call(s, "initial copy", () -> sessions.get(s).syncOnce());
                    initial.put(s.name(), (System.nanoTime() - t0) / 1e9);
                    SyncDatasets.verifyEqual(s.name() + " initial copy", src, dst);
                    out.printf(Locale.ROOT, "  [initial]         %-20s %7.3f s%n", s.name(), initial.get(s.name()));
                }
                for (int r = -c.warmup(); r < c.reps(); r++) {
                    String label = r < 0 ? "warm-up" : "#" + (r + 1);
                    SyncDatasets.awaitFreshSecond();
                    try {
                        data.rewriteMiddle(big, c.changeBytes());
                    } catch (IOException e) {
                        throw new BenchmarkFailure("cannot rewrite the middle of " + big + ": " + e, e);
                    }
                    for (SyncSubject s : SyncBench.rotate(subjects, r)) {
                        Procs.syncFileSystems();
                        long t0 = System.nanoTime();
                        SyncSubject.Transfer x = SyncBench.call(s, "delta sync", () -> sessions.get(s).syncOnce());
                        double sec = (System.nanoTime() - t0) / 1e9;
                        SyncDatasets.verifyEqual(s.name() + " delta sync", src, targets.get(s));
                        out.printf(Locale.ROOT, "  [delta %-7s]   %-20s %7.3f s, %,d bytes sent, %d files%n", label,
                                s.name(), sec, x.bytesSent(), x.filesTransferred());
                        if (r >= 0) {
                            seconds.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(sec);
                            if (x.bytesSent() >= 0) {
                                sent.computeIfAbsent(s.name(), k -> new ArrayList<>()).add((double) x.bytesSent());
                            }
                            files.merge(s.name(), x.filesTransferred(), Math::max);
                        }
                    }
                }
                ok = true;
            } finally {
                SyncBench.closeAll(sessions, ok);
            }
        }
        out.printf(Locale.ROOT, "%s took %.0f s%n", NAME, (System.nanoTime() - start) / 1e9);

        Map<String, Object> params = new LinkedHashMap<>();
        params.put("big_file_mib", c.bigBytes() / SyncDatasets.MIB);
        params.put("changed_kib", c.changeBytes() / 1024);
        params.put("change", "overwritten in place in the middle, same size, new mtime");
        params.put("repetitions", c.reps());
        params.put("warmup_repetitions", c.warmup());
        params.put("interleaved", true);
        params.put("subjects", peers);
        params.put("goal", "hakit bytes_sent <= " + BYTES_SENT_TARGET_MAX / SyncDatasets.MIB + " MiB");
        params.put("quick", quick);
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        for (SyncSubject s : subjects) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("delta_s", SyncBench.seconds(SyncBench.median(seconds.get(s.name()))));
            List<Double> b = sent.get(s.name());
            if (b != null) {
                r.put("bytes_sent", Math.round(SyncBench.median(b)));
                r.put("bytes_sent_max", Math.round(b.stream().mapToDouble(Double::doubleValue).max().orElseThrow()));
            }
            if (files.getOrDefault(s.name(), -1L) >= 0) {
                r.put("files_transferred", files.get(s.name()));
            }
            r.put("initial_copy_s", SyncBench.seconds(initial.get(s.name())));
            r.put("n", c.reps());
            results.put(s.name(), r);
        }
        Map<String, Object> json = Json.scenario(NAME, params, results);
        if (results.containsKey(SyncBench.HAKIT)) {
            Map<String, Object> g = new LinkedHashMap<>();
            Object bytes = results.get(SyncBench.HAKIT).get("bytes_sent_max");
            g.put("hakit_bytes_sent_max", bytes == null ? "unknown" : bytes);
            g.put("bytes_sent_target_max", BYTES_SENT_TARGET_MAX);
            for (String peer : List.of("rsync_daemon", "rsync_daemon_fsync")) {
                if (results.containsKey(peer)) {
                    g.put("delta_s_ratio_vs_" + peer, SyncBench.ratio(
                            SyncBench.figure(results, SyncBench.HAKIT, "delta_s"),
                            SyncBench.figure(results, peer, "delta_s")));
                }
            }
            g.put("met", bytes != null && ((Long) bytes) <= BYTES_SENT_TARGET_MAX);
            json.put("goal", g);
        }
        return json;
    }
}
