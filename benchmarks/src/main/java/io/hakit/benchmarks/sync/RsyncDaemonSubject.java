package io.hakit.benchmarks.sync;

import io.hakit.benchmarks.Runner.BenchmarkFailure;
import io.hakit.testkit.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * rsync against an {@code rsync --daemon} on 127.0.0.1, as a remote standby would see it (TCP, the delta-transfer
 * algorithm), run as ../shared/anchors/rsync-throughput.sh does: one daemon per session, {@code --no-detach} as a
 * child of this JVM, on a free port, with a config in its own temporary directory (module path = the directory
 * holding dst, {@code use chroot = no}, uid/gid root). {@code syncOnce} runs
 * {@code rsync -a --delete --stats src/ rsync://127.0.0.1:PORT/mod/<dst's name>/} and reads
 * {@code Total bytes sent} and {@code Number of regular files transferred} from the statistics.
 *
 * <p>The {@code fsync} variant ({@code rsync_daemon_fsync}) adds {@code --fsync}, which the daemon honours: it
 * fsyncs every file it writes, as HAKit's receiver does before its rename. Without it rsync returns with the data
 * still dirty in the page cache.
 */
public final class RsyncDaemonSubject implements SyncSubject {

    static final String MODULE = "mod";
    static final Duration START_BOUND = Duration.ofSeconds(10);
    static final Duration SYNC_BOUND = Duration.ofMinutes(5);
    static final String BYTES_SENT = "Total bytes sent";
    static final String FILES = "Number of regular files transferred";

    private final boolean fsync;
    private volatile boolean checked;

    /** @param fsync add {@code --fsync} to every transfer */
    public RsyncDaemonSubject(boolean fsync) {
        this.fsync = fsync;
    }

    @Override
    public String name() {
        return fsync ? "rsync_daemon_fsync" : "rsync_daemon";
    }

    boolean fsync() {
        return fsync;
    }

    /** "rsync 3.5.0 protocol 32", or a failure naming the package to install; checks {@code --fsync} when used. */
    static String version(boolean needFsync) {
        Procs.require("rsync");
        String banner = Procs.firstLine(List.of("rsync", "--version"));
        if (needFsync && !Procs.run(List.of("rsync", "--help"), Duration.ofSeconds(10), null).output()
                .contains("--fsync")) {
            throw new BenchmarkFailure("this rsync (" + banner + ") has no --fsync (rsync >= 3.2.4 has): "
                    + Procs.INSTALL);
        }
        return banner.replaceAll("\\s+", " ").replace("version ", "");
    }

    @Override
    public Session open(Path src, Path dst, boolean continuous) throws IOException {
        if (continuous) {
            throw new UnsupportedOperationException(name() + " has no continuous mode (lsyncd is rsync driven by "
                    + "inotify)");
        }
        if (!checked) {
            version(fsync);
            checked = true;
        }
        return new DaemonSession(src, dst, fsync);
    }

    /** Parses rsync's {@code --stats} output (LC_ALL=C: thousands separated by commas). */
    static Transfer parseStats(String output) {
        return new Transfer(figure(BYTES_SENT, output), figure(FILES, output));
    }

    private static long figure(String label, String output) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + ": ([0-9,]+)\\s*$").matcher(output);
        if (!m.find()) {
            throw new BenchmarkFailure("rsync --stats printed no '" + label + ": N' line:\n"
                    + Procs.lastLines(output, 20));
        }
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private static final class DaemonSession implements Session {
        private final Path src;
        private final Path tmp;
        private final Path log;
        private final Process daemon;
        private final List<String> command;

        DaemonSession(Path src, Path dst, boolean fsync) throws IOException {
            this.src = src;
            Path dir = dst.toAbsolutePath().getParent();
            String rel = dst.getFileName().toString();
            tmp = Files.createTempDirectory("hakit-rsyncd");
            log = tmp.resolve("rsyncd.out");
            Process started = null;
            int port = -1;
            try {
                // a free port may be taken between the probe and the daemon's bind: then the daemon exits; try again
                for (int attempt = 1; attempt <= 3 && started == null; attempt++) {
                    port = FreePorts.loopback();
                    Path conf = writeConfig(dir, port);
                    Process p = Procs.startDaemon(List.of("rsync", "--daemon", "--no-detach", "--address", "127.0.0.1",
                            "--port", Integer.toString(port), "--config", conf.toString()), log);
                    if (awaitListening(p, port)) {
                        started = p;
                    } else {
                        Procs.stop(p, Duration.ofSeconds(2));
                    }
                }
                if (started == null) {
                    throw new BenchmarkFailure("rsync daemon did not come up on 127.0.0.1 (3 ports tried, "
                            + START_BOUND.toSeconds() + " s each):\n" + Procs.tail(log, 20) + "\n"
                            + Procs.tail(tmp.resolve("rsyncd.log"), 20));
                }
            } catch (RuntimeException | Error e) {
                SyncDatasets.deleteTree(tmp);
                throw e;
            }
            daemon = started;
            command = new ArrayList<>(List.of("rsync", "-a", "--delete", "--stats"));
            if (fsync) {
                command.add("--fsync");
            }
            command.add(src.toAbsolutePath() + "/");
            command.add("rsync://127.0.0.1:" + port + "/" + MODULE + "/" + rel + "/");
        }

        private Path writeConfig(Path moduleDir, int port) throws IOException {
            Path conf = tmp.resolve("rsyncd.conf");
            Files.writeString(conf, "pid file = " + tmp.resolve("rsyncd.pid") + "\n"
                    + "lock file = " + tmp.resolve("rsyncd.lock") + "\n"
                    + "log file = " + tmp.resolve("rsyncd.log") + "\n"
                    + "address = 127.0.0.1\n"
                    + "port = " + port + "\n"
                    + "use chroot = no\n"
                    + "max connections = 4\n"
                    + "[" + MODULE + "]\n"
                    + "  path = " + moduleDir + "\n"
                    + "  read only = no\n"
                    + "  uid = root\n"
                    + "  gid = root\n");
            return conf;
        }

        /** Polls the module list as the anchor does, every 100 ms, up to START_BOUND; false if the daemon died. */
        private static boolean awaitListening(Process p, int port) {
            long deadline = System.nanoTime() + START_BOUND.toNanos();
            while (System.nanoTime() < deadline && p.isAlive()) {
                if (Procs.run(List.of("rsync", "rsync://127.0.0.1:" + port + "/"), Duration.ofSeconds(5), null)
                        .exit() == 0) {
                    return true;
                }
                sleep(100);
            }
            return false;
        }

        @Override
        public Transfer syncOnce() {
            if (!daemon.isAlive()) {
                throw new BenchmarkFailure("the rsync daemon exited (" + daemon.exitValue() + "):\n"
                        + Procs.tail(log, 20));
            }
            Procs.Result r = Procs.run(command, SYNC_BOUND, null);
            if (r.exit() != 0) {
                throw new BenchmarkFailure(String.join(" ", command) + " exited with " + r.exit() + ":\n"
                        + Procs.lastLines(r.output(), 20) + "\n--- daemon log:\n"
                        + Procs.tail(tmp.resolve("rsyncd.log"), 10));
            }
            return parseStats(r.output());
        }

        @Override
        public void close() {
            try {
                Procs.stop(daemon, Duration.ofSeconds(5));
            } finally {
                SyncDatasets.deleteTree(tmp);
            }
        }

        @Override
        public String toString() {
            return "rsync daemon pid " + daemon.pid() + " for " + src;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailure("interrupted", e);
        }
    }
}
