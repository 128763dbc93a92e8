package io.hakit.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cgroup with a CPU quota for the processes of one daemon and a CPU hog that competes with them for it: cgroup v2's
 * {@code cpu.max} where the cpu controller is on the v2 hierarchy, else cgroup v1's {@code cpu.cfs_quota_us} (the same
 * CFS bandwidth control). Once the hog has used the period's quota, nothing in the group runs until the next period:
 * with 20% of one core and the default 100 ms period, the daemon can be held off the CPU for 80 ms at a time.
 * {@link #close()} stops the hog, moves what is left back to the parent group and removes the group.
 */
final class CpuQuota implements AutoCloseable {

    static final Duration PERIOD = Duration.ofMillis(100);

    private final Path dir;
    private final Path parent;
    private final boolean v2;
    private final List<Process> hogs = new ArrayList<>();

    private CpuQuota(Path dir, Path parent, boolean v2) {
        this.dir = dir;
        this.parent = parent;
        this.v2 = v2;
    }

    /**
     * A new group named {@code name} limited to {@code percent}% of one core per {@link #PERIOD}.
     *
     * @throws Runner.BenchmarkFailure naming what is missing when neither hierarchy has the cpu controller
     */
    static CpuQuota create(String name, int percent) {
        long period = PERIOD.toNanos() / 1000;
        long quota = period * percent / 100;
        Path unified = unifiedWithCpu();
        try {
            if (unified != null) {
                Files.writeString(unified.resolve("cgroup.subtree_control"), "+cpu");
                Path dir = Files.createDirectory(unified.resolve(name));
                Files.writeString(dir.resolve("cpu.max"), quota + " " + period);
                return new CpuQuota(dir, unified, true);
            }
            Path v1 = Paths.get("/sys/fs/cgroup/cpu");
            if (!Files.exists(v1.resolve("cpu.cfs_quota_us"))) {
                throw new Runner.BenchmarkFailure("no cgroup with the cpu controller: neither cgroup v2's cpu.max "
                        + "nor v1's /sys/fs/cgroup/cpu/cpu.cfs_quota_us (run as root on a kernel with CFS bandwidth)");
            }
            Path dir = Files.createDirectory(v1.resolve(name));
            Files.writeString(dir.resolve("cpu.cfs_period_us"), Long.toString(period));
            Files.writeString(dir.resolve("cpu.cfs_quota_us"), Long.toString(quota));
            return new CpuQuota(dir, v1, false);
        } catch (IOException e) {
            throw new Runner.BenchmarkFailure("cannot make the cgroup " + name + ": " + e, e);
        }
    }

    /** The v2 hierarchy if its root offers the cpu controller, else null. */
    private static Path unifiedWithCpu() {
        for (Path p : List.of(Paths.get("/sys/fs/cgroup"), Paths.get("/sys/fs/cgroup/unified"))) {
            try {
                Path controllers = p.resolve("cgroup.controllers");
                if (Files.exists(controllers) && List.of(Files.readString(controllers).trim().split("\\s+"))
                        .contains("cpu")) {
                    return p;
                }
            } catch (IOException e) {
                // not this one
            }
        }
        return null;
    }

    /** Moves {@code pid} (the whole process, every thread, and what it starts from now on) into the group. */
    void add(long pid) {
        try {
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
        } catch (IOException e) {
            throw new Runner.BenchmarkFailure("cannot move " + pid + " into " + dir + ": " + e, e);
        }
    }

    /** Starts {@code stress-ng --cpu 1} inside the group (it joins before it forks its worker) for {@code d}. */
    void startHog(Duration d, Path log) {
        String procs = dir.resolve("cgroup.procs").toString();
        try {
            hogs.add(new ProcessBuilder("sh", "-c", "echo $$ > '" + procs + "' && exec stress-ng --cpu 1 --timeout "
                    + d.toSeconds() + "s").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
        } catch (IOException e) {
            throw new Runner.BenchmarkFailure("cannot start stress-ng: " + e.getMessage(), e);
        }
    }

    /** Waits for the hogs' timeout; fails if one did not stop or failed. */
    void awaitHogs() {
        for (Process hog : hogs) {
            if (!Netns.exited(hog.toHandle(), Duration.ofSeconds(10))) {
                throw new Runner.BenchmarkFailure("stress-ng in " + dir + " did not stop after its timeout");
            }
            if (hog.exitValue() != 0) {
                throw new Runner.BenchmarkFailure("stress-ng in " + dir + " failed (" + hog.exitValue() + ")");
            }
        }
    }

    /**
     * How much the group was held off the CPU: {@code periods} (periods run), {@code throttled_periods} and
     * {@code throttled_ms}, from its {@code cpu.stat}.
     */
    Map<String, Object> throttling() {
        Map<String, Long> stat = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("cpu.stat"), StandardCharsets.UTF_8)) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2) {
                    stat.put(f[0], Long.parseLong(f[1]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new Runner.BenchmarkFailure("cannot read " + dir.resolve("cpu.stat") + ": " + e, e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("periods", stat.getOrDefault("nr_periods", 0L));
        m.put("throttled_periods", stat.getOrDefault("nr_throttled", 0L));
        m.put("throttled_ms", v2 ? stat.getOrDefault("throttled_usec", 0L) / 1000
                : stat.getOrDefault("throttled_time", 0L) / 1_000_000);
        return m;
    }

    @Override
    public void close() {
        for (Process hog : hogs) {
            hog.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            hog.toHandle().destroyForcibly();
            Netns.exited(hog.toHandle(), Duration.ofSeconds(10));
        }
        try {
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.UTF_8)) {
                if (!pid.isBlank()) {
                    try {
                        Files.writeString(parent.resolve("cgroup.procs"), pid.trim());
                    } catch (IOException e) {
                        // exited meanwhile
                    }
                }
            }
            Files.delete(dir);
        } catch (IOException e) {
            System.err.println("ka-quota: could not remove the cgroup " + dir + ": " + e);
        }
    }
}
