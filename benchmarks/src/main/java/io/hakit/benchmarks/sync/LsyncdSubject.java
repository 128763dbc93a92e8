package io.hakit.benchmarks.sync;

import io.hakit.benchmarks.Runner.BenchmarkFailure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * lsyncd ({@code default.rsync} to a local target, {@code delay = 0}), continuous only, configured and started as
 * ../shared/anchors/lsyncd-latency.sh does: {@code lsyncd -nodaemon CONF} as a child of this JVM with
 * {@code settings { logfile, statusFile, nodaemon = true }}. lsyncd sets its inotify watches, then runs one full
 * startup rsync; the session is ready when the log says {@code Startup of SRC/ -> DST/ finished.} and the seed
 * file the session wrote into src before the start ({@value #SEED}, random content) is in dst with that content.
 * The seed stays in both trees (removing it would be a change lsyncd replicates during the measurement).
 */
public final class LsyncdSubject implements SyncSubject {

    /** The seed file's name, in src and (once lsyncd's startup sync ran) in dst. */
    public static final String SEED = ".lsyncd-seed";
    static final Duration READY_BOUND = Duration.ofSeconds(30);
    static final Duration CATCH_UP_BOUND = Duration.ofSeconds(60);

    @Override
    public String name() {
        return "lsyncd";
    }

    /** "lsyncd 2.2.3", or a failure naming the packages to install. */
    static String version() {
        Procs.require("lsyncd");
        Procs.require("rsync");
        return "lsyncd " + Procs.firstLine(List.of("lsyncd", "--version")).replace("Version: ", "");
    }

    @Override
    public Session open(Path src, Path dst, boolean continuous) throws IOException {
        if (!continuous) {
            throw new UnsupportedOperationException("lsyncd is only continuous (the one-shot peer is rsync itself)");
        }
        version();
        return new LsyncdSession(src.toAbsolutePath(), dst.toAbsolutePath());
    }

    private static final class LsyncdSession implements Session {
        private final Path src;
        private final Path dst;
        private final Path tmp;
        private final Path log;
        private final Path out;
        private final Process lsyncd;

        LsyncdSession(Path src, Path dst) throws IOException {
            this.src = src;
            this.dst = dst;
            tmp = Files.createTempDirectory("hakit-lsyncd");
            log = tmp.resolve("lsyncd.log");
            out = tmp.resolve("lsyncd.out");
            Process started = null;
            try {
                byte[] seed = ("seed " + UUID.randomUUID() + "\n").getBytes(StandardCharsets.UTF_8);
                Files.write(src.resolve(SEED), seed);
                Path conf = tmp.resolve("lsyncd.lua");
                Files.writeString(conf, "settings {\n"
                        + "  logfile = \"" + log + "\",\n"
                        + "  statusFile = \"" + tmp.resolve("lsyncd.status") + "\",\n"
                        + "  nodaemon = true,\n"
                        + "}\n"
                        + "sync {\n"
                        + "  default.rsync,\n"
                        + "  source = \"" + src + "/\",\n"
                        + "  target = \"" + dst + "/\",\n"
                        + "  delay = 0,\n"
                        + "}\n");
                started = Procs.startDaemon(List.of("lsyncd", "-nodaemon", conf.toString()), out);
                awaitStartup(started, seed);
            } catch (RuntimeException | IOException | Error e) {
                if (started != null) {
                    Procs.stop(started, Duration.ofSeconds(5));
                }
                SyncDatasets.deleteTree(tmp);
                throw e;
            }
            lsyncd = started;
        }

        /** Polls every 50 ms (as the anchor) for the startup line in the log and the seed in dst, bounded. */
        private void awaitStartup(Process p, byte[] seed) {
            String startup = "Startup of ";
            long deadline = System.nanoTime() + READY_BOUND.toNanos();
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    throw new BenchmarkFailure("lsyncd exited (" + p.exitValue() + ") during its startup:\n"
                            + Procs.tail(out, 20) + "\n" + Procs.tail(log, 20));
                }
                if (logContains(startup) && Arrays.equals(read(dst.resolve(SEED)), seed)) {
                    return;
                }
                RsyncDaemonSubject.sleep(50);
            }
            throw new BenchmarkFailure("lsyncd's startup sync of " + src + " did not finish within "
                    + READY_BOUND.toSeconds() + " s (no '" + startup + "... finished.' in its log, or no seed in the "
                    + "target):\n"
                    + Procs.tail(out, 20) + "\n" + Procs.tail(log, 20));
        }

        /** Whether a line of the log holds {@code start} and, after it, " finished." (lsyncd's own path spelling). */
        private boolean logContains(String start) {
            try {
                return Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).lines()
                        .anyMatch(l -> l.contains(start) && l.endsWith(" finished."));
            } catch (IOException e) {
                return false;
            }
        }

        private static byte[] read(Path f) {
            try {
                return Files.readAllBytes(f);
            } catch (IOException e) { // not there yet
                return null;
            }
        }

        /** lsyncd replicates on its own: waits (polling every 10 ms, bounded) until dst equals src. */
        @Override
        public Transfer syncOnce() {
            long deadline = System.nanoTime() + CATCH_UP_BOUND.toNanos();
            String diff;
            while ((diff = SyncDatasets.difference(src, dst)) != null) {
                if (!lsyncd.isAlive()) {
                    throw new BenchmarkFailure("lsyncd exited (" + lsyncd.exitValue() + "):\n" + Procs.tail(log, 20));
                }
                if (System.nanoTime() > deadline) {
                    throw new BenchmarkFailure("lsyncd did not bring " + dst + " level with " + src + " within "
                            + CATCH_UP_BOUND.toSeconds() + " s: " + diff + "\n" + Procs.tail(log, 20));
                }
                RsyncDaemonSubject.sleep(10);
            }
            return Transfer.UNKNOWN;
        }

        /** Whether lsyncd still runs, and its log's tail: for a failure message. */
        @Override
        public String toString() {
            return "lsyncd pid " + lsyncd.pid() + (lsyncd.isAlive() ? "" : " (exited)") + " for " + src
                    + "; log:\n" + Procs.tail(log, 10);
        }

        @Override
        public void close() {
            try {
                Procs.stop(lsyncd, Duration.ofSeconds(5));
            } finally {
                SyncDatasets.deleteTree(tmp);
            }
        }
    }
}
