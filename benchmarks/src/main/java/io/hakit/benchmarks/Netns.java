package io.hakit.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Two network namespaces joined by a veth pair, for the ka-* scenarios (the topology of
 * ../shared/anchors/keepalived-failover.sh, with names and a subnet random per run):
 *
 * <pre>
 *   hkb-a-TAG: veth-a 10.201.X.1/24  &lt;-- veth --&gt;  hkb-b-TAG: veth-b 10.201.X.2/24
 * </pre>
 *
 * The veth is created inside the first namespace with its peer placed straight into the second, so nothing of it
 * exists in the root namespace. Processes started through {@link #start} and {@link #startHere} are killed with
 * their descendants (by their own handles) and the namespaces deleted on {@link #close()}, which a shutdown hook also
 * runs (Ctrl-C, SIGTERM). Nothing else on the machine is touched.
 */
final class Netns implements AutoCloseable {

    static final String DEV_A = "veth-a";
    static final String DEV_B = "veth-b";
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    final String tag = HexFormat.of().formatHex(randomBytes(3));
    final int subnet = 1 + ThreadLocalRandom.current().nextInt(254);
    final String nsA = "hkb-a-" + tag;
    final String nsB = "hkb-b-" + tag;
    final Path dir;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::close, "netns-cleanup");
    private volatile boolean closed;

    private Netns() {
        try {
            dir = Files.createTempDirectory("hakit-ka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /**
     * Creates the two namespaces and their link.
     *
     * @throws Runner.BenchmarkFailure when not root or when {@code ip netns} does not work here
     */
    static Netns create() {
        Result id = run(List.of("id", "-u"));
        if (id.exit != 0 || !id.output.trim().equals("0")) {
            throw new Runner.BenchmarkFailure("the ka-* scenarios need root (network namespaces, ip addr)");
        }
        Netns n = new Netns();
        Runtime.getRuntime().addShutdownHook(n.hook);
        try {
            n.setUp();
            return n;
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
    }

    private void setUp() {
        for (String ns : List.of(nsA, nsB)) {
            Result r = run(List.of("ip", "netns", "add", ns));
            if (r.exit != 0) {
                throw new Runner.BenchmarkFailure("ip netns add " + ns + " failed: " + r.output.trim());
            }
            namespaces.add(ns);
        }
        ip("-n", nsA, "link", "add", DEV_A, "type", "veth", "peer", "name", DEV_B, "netns", nsB);
        ip("-n", nsA, "addr", "add", address(1) + "/24", "dev", DEV_A);
        ip("-n", nsB, "addr", "add", address(2) + "/24", "dev", DEV_B);
        for (String ns : namespaces) {
            ip("-n", ns, "link", "set", "lo", "up");
        }
        ip("-n", nsA, "link", "set", DEV_A, "up");
        ip("-n", nsB, "link", "set", DEV_B, "up");
    }

    /** {@code 10.201.X.last}. */
    String address(int last) {
        return "10.201." + subnet + "." + last;
    }

    String dev(String ns) {
        return ns.equals(nsA) ? DEV_A : DEV_B;
    }

    /** Whether {@code ns}'s veth holds {@code vip} now. */
    boolean holds(String ns, String vip) {
        Result r = run(List.of("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", dev(ns)));
        if (r.exit != 0) {
            throw new Runner.BenchmarkFailure("ip addr show in " + ns + " failed: " + r.output.trim());
        }
        return r.output.contains(" " + vip + "/");
    }

    /** Removes {@code vip/24} from both veths where present (what a crashed node leaves behind). */
    void removeVip(String vip) {
        for (String ns : namespaces) {
            if (holds(ns, vip)) {
                ip("-n", ns, "addr", "del", vip + "/24", "dev", dev(ns));
            }
        }
    }

    /** Starts {@code command} inside {@code ns}; it is killed on {@link #close()} if still running. */
    Process start(String ns, List<String> command, Path log, boolean pipeStdout) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                "/dev/null")));
        if (pipeStdout) {
            pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        try {
            Process p = pb.start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new Runner.BenchmarkFailure("cannot start " + cmd + ": " + e.getMessage(), e);
        }
    }

    /** Kills {@code p} on {@link #close()} if it still runs (a process started elsewhere, a ChildJvm's). */
    void track(Process p) {
        processes.add(p);
    }

    /** A process in the root namespace that is killed on {@link #close()} if still running. */
    Process startHere(List<String> command, Path log) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new Runner.BenchmarkFailure("cannot start " + command + ": " + e.getMessage(), e);
        }
    }

    /** Address events of one namespace ({@code ip -ts monitor address}), with the time {@code ip} printed them. */
    final class Monitor {
        private final Process process;
        private final BlockingQueue<Instant> added = new LinkedBlockingQueue<>();
        private final String device;
        private final String vip;

        private Monitor(String ns, String vip) {
            this.device = dev(ns);
            this.vip = vip;
            this.process = start(ns, List.of("ip", "-ts", "monitor", "address"), dir.resolve("monitor-" + ns + ".log"),
                    true);
            Thread reader = new Thread(this::read, "ip-monitor-" + ns);
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            ZoneId zone = ZoneId.systemDefault();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    // [2026-11-22T01:50:02.292760] 3: veth-b    inet 10.201.7.100/24 scope global veth-b
                    int close = line.indexOf(']');
                    if (!line.startsWith("[") || close < 0) {
                        continue;
                    }
                    String rest = line.substring(close + 1).trim();
                    if (rest.startsWith("Deleted") || !rest.contains(" " + device + " ")
                            || !rest.contains("inet " + vip + "/")) {
                        continue;
                    }
                    try {
                        added.add(LocalDateTime.parse(line.substring(1, close)).atZone(zone).toInstant());
                    } catch (DateTimeParseException e) {
                        // not a timestamped event line
                    }
                }
            } catch (IOException e) {
                // the monitor was stopped
            }
        }

        /**
         * The time of the first "VIP added on this namespace's veth" event after {@code after}, or null if none comes
         * within {@code bound}.
         */
        Instant awaitAdded(Instant after, Duration bound) {
            long deadline = System.nanoTime() + bound.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                Instant t;
                try {
                    t = added.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Runner.BenchmarkFailure("interrupted", e);
                }
                if (t == null) {
                    return null;
                }
                if (t.isAfter(after)) {
                    return t;
                }
            }
        }

        boolean alive() {
            return process.isAlive();
        }
    }

    Monitor monitor(String ns, String vip) {
        return new Monitor(ns, vip);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : processes) {
            // descendants first (keepalived's VRRP child, stress-ng's workers): they are ours too
            p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            p.toHandle().destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : namespaces) {
            run(List.of("ip", "netns", "del", ns));
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp dir
        }
        if (Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    // ------------------------------------------------------------------ commands

    record Result(int exit, String output) {
    }

    /** Runs a short command (a few lines of output), bounded by {@link #COMMAND_TIMEOUT}. */
    static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new Result(-1, String.join(" ", cmd) + " timed out");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readNBytes(1 << 16),
                    StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-2, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-3, "interrupted");
        }
    }

    static void ip(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Result r = run(cmd);
        if (r.exit != 0) {
            throw new Runner.BenchmarkFailure(String.join(" ", cmd) + " failed (" + r.exit + "): " + r.output.trim());
        }
    }

    /** Sends {@code signal} (STOP, KILL, TERM) to {@code pids} with one {@code kill} process. */
    static void signal(String signal, List<Long> pids) {
        List<String> cmd = new ArrayList<>(List.of("kill", "-s", signal));
        pids.forEach(p -> cmd.add(Long.toString(p)));
        Result r = run(cmd);
        if (r.exit != 0) {
            throw new Runner.BenchmarkFailure(String.join(" ", cmd) + " failed: " + r.output.trim());
        }
    }

    /** Waits up to {@code bound} for {@code p} to exit. */
    static boolean exited(ProcessHandle p, Duration bound) {
        try {
            p.onExit().get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
