package io.hakit.benchmarks.sync;

import io.hakit.benchmarks.Json;
import io.hakit.benchmarks.Runner.BenchmarkFailure;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the sync scenarios share: calling a subject, its description, medians, ratios. */
final class SyncBench {

    /** The subject whose figures the {@code ratios} and {@code goal} blocks hold against the peers'. */
    static final String HAKIT = "hakit";

    private SyncBench() {
    }

    /** A call into a subject, which may throw anything. */
    interface SubjectCall<T> {
        T call() throws Exception;
    }

    /**
     * {@code call}'s result; any exception but a {@link BenchmarkFailure} becomes one naming the subject and what
     * it was doing.
     */
    static <T> T call(SyncSubject subject, String what, SubjectCall<T> call) {
        try {
            return call.call();
        } catch (BenchmarkFailure e) {
            throw new BenchmarkFailure(subject.name() + ", " + what + ": " + e.getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailure(subject.name() + ", " + what + ": interrupted", e);
        } catch (Exception e) {
            throw new BenchmarkFailure(subject.name() + ", " + what + " failed: " + e, e);
        }
    }

    /**
     * Closes every session, each even when another fails to close. After a run that went well ({@code ok}) a
     * failure to close fails the run; after one that failed it is only printed to stderr, so that it does not
     * hide the first failure.
     */
    static void closeAll(Map<SyncSubject, SyncSubject.Session> sessions, boolean ok) {
        BenchmarkFailure first = null;
        for (Map.Entry<SyncSubject, SyncSubject.Session> e : sessions.entrySet()) {
            try {
                call(e.getKey(), "close", () -> {
                    e.getValue().close();
                    return null;
                });
            } catch (BenchmarkFailure f) {
                if (!ok) {
                    System.err.println("(while failing) " + f.getMessage());
                } else if (first == null) {
                    first = f;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * What each subject is (tool version and how it is run), checking the peers' binaries before any data is
     * generated; HAKit's subject, this module's own code, is described by the scenario.
     *
     * @throws BenchmarkFailure if a peer's binary is missing (naming what to install), or two subjects share a name
     */
    static Map<String, Object> describe(List<SyncSubject> subjects) {
        Set<String> names = new HashSet<>();
        Map<String, Object> m = new LinkedHashMap<>();
        for (SyncSubject s : subjects) {
            if (!names.add(s.name())) {
                throw new BenchmarkFailure("two subjects are named '" + s.name() + "'");
            }
            if (s instanceof RsyncDaemonSubject r) {
                m.put(s.name(), RsyncDaemonSubject.version(r.fsync()) + ", rsync -a --delete"
                        + (r.fsync() ? " --fsync" : "") + " to rsync --daemon on 127.0.0.1");
            } else if (s instanceof RsyncSshSubject) {
                m.put(s.name(), RsyncSshSubject.version() + ", rsync -a --delete -e ssh to 127.0.0.1 (a private sshd, "
                        + "ssh's default cipher)");
            } else if (s instanceof CpSubject) {
                m.put(s.name(), CpSubject.version() + ", cp -a src/. dst/");
            } else if (s instanceof LsyncdSubject) {
                m.put(s.name(), LsyncdSubject.version() + ", default.rsync to a local target, delay = 0");
            }
        }
        return m;
    }

    /** {@code subjects} rotated left by {@code round} (mod size): each takes its turn at going first. */
    static List<SyncSubject> rotate(List<SyncSubject> subjects, int round) {
        List<SyncSubject> l = new ArrayList<>(subjects);
        if (!l.isEmpty()) {
            Collections.rotate(l, -Math.floorMod(round, l.size()));
        }
        return l;
    }

    /** The median (the mean of the middle two for an even count). */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    static BigDecimal seconds(double s) {
        return Json.decimal(s, 3);
    }

    static BigDecimal ms(double ms) {
        return Json.decimal(ms, 2);
    }

    static BigDecimal ratio(double a, double b) {
        return Json.decimal(a / b, 3);
    }

    /** A subject's figure as a double (the results hold BigDecimals and Longs). */
    static double figure(Map<String, Map<String, Object>> results, String subject, String figure) {
        Object v = results.get(subject).get(figure);
        if (v == null) {
            throw new BenchmarkFailure(subject + " has no figure " + figure);
        }
        return ((Number) v).doubleValue();
    }
}
