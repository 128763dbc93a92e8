package io.hakit.benchmarks.sync;

import io.hakit.benchmarks.Runner.BenchmarkFailure;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Child processes of the sync scenarios: the peers' binaries, one-shot commands with a bound, long-running daemons
 * stopped by their own handle (SIGTERM, then SIGKILL), never by name. A shutdown hook stops the daemons still running
 * when the JVM exits (Ctrl-C during a run).
 */
final class Procs {

    /** What to install when a peer's binary is missing (Debian package names). */
    static final String INSTALL = "apt-get install rsync lsyncd";

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(p -> stop(p, Duration.ofSeconds(2))),
                "sync-bench-children"));
    }

    private Procs() {
    }

    /** The output (stdout and stderr together) and exit code of a command that ran to its end. */
    record Result(int exit, String output) {
    }

    /**
     * Fails clearly unless {@code binary} is an executable on the PATH.
     *
     * @throws BenchmarkFailure naming the packages to install
     */
    static void require(String binary) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
                return;
            }
        }
        throw new BenchmarkFailure(binary + " is needed as a peer of the sync scenarios but is not on the PATH ("
                + path + "): " + INSTALL);
    }

    /** The first line {@code command} prints (a version banner), or "?" when it prints none. */
    static String firstLine(List<String> command) {
        return run(command, Duration.ofSeconds(10), null).output().lines().map(String::trim)
                .filter(l -> !l.isEmpty()).findFirst().orElse("?");
    }

    /**
     * Runs {@code command} to its end, with {@code LC_ALL=C} (rsync's figures in a fixed format); its output goes to
     * {@code log} (or a temporary file, removed afterwards).
     *
     * @throws BenchmarkFailure if it cannot start or does not end within {@code bound} (it is then killed)
     */
    static Result run(List<String> command, Duration bound, Path log) {
        Path out = log;
        try {
            if (out == null) {
                out = Files.createTempFile("hakit-sync-cmd", ".log");
            }
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                stop(p, Duration.ofSeconds(5));
                throw new BenchmarkFailure(String.join(" ", command) + " did not finish within " + bound.toSeconds()
                        + " s; output:\n" + tail(out, 20));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BenchmarkFailure("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailure("interrupted while running " + String.join(" ", command), e);
        } finally {
            if (log == null && out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a temporary file left in /tmp; not worth failing a benchmark for
                }
            }
        }
    }

    /**
     * Runs {@code command} and returns its output.
     *
     * @throws BenchmarkFailure if it exits non-zero or overruns {@code bound}
     */
    static String check(List<String> command, Duration bound) {
        Result r = run(command, bound, null);
        if (r.exit() != 0) {
            throw new BenchmarkFailure(String.join(" ", command) + " exited with " + r.exit() + ":\n"
                    + lastLines(r.output(), 20));
        }
        return r.output();
    }

    /** sync(1): flushes dirty data of every file system, so that one copy's write-back does not land in the next. */
    static void syncFileSystems() {
        check(List.of("sync"), Duration.ofSeconds(120));
    }

    /** Starts a long-running child with its output appended to {@code log}; stop it with {@link #stop}. */
    static Process startDaemon(List<String> command, Path log) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            RUNNING.add(p);
            return p;
        } catch (IOException e) {
            throw new BenchmarkFailure("cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops {@code p} by its PID: SIGTERM, up to {@code grace} for it to exit, then SIGKILL; then SIGKILL to any of
     * the descendants it had (rsync children of lsyncd or of the daemon) that are still alive. Bounded.
     */
    static void stop(Process p, Duration grace) {
        RUNNING.remove(p);
        ProcessHandle h = p.toHandle();
        List<ProcessHandle> descendants = h.descendants().toList();
        if (h.isAlive()) {
            h.destroy();
            if (!exited(h, grace)) {
                h.destroyForcibly();
                exited(h, Duration.ofSeconds(5));
            }
        }
        for (ProcessHandle d : descendants) {
            if (d.isAlive() && !exited(d, Duration.ofMillis(500))) {
                d.destroyForcibly();
                exited(d, Duration.ofSeconds(2));
            }
        }
    }

    private static boolean exited(ProcessHandle p, Duration bound) {
        try {
            p.onExit().get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    /** The last {@code n} lines of a log file, or a note that it cannot be read. */
    static String tail(Path log, int n) {
        try {
            return lastLines(Files.readString(log, StandardCharsets.UTF_8), n);
        } catch (IOException e) {
            return "(" + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    static String lastLines(String text, int n) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
