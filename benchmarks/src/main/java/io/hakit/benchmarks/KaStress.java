package io.hakit.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ka-stress} and {@code ka-quota}: false failovers under CPU starvation. A HAKit pair (agent JVMs, mutual TLS,
 * no arbiter, VIP 10.201.X.100) and a keepalived pair (unicast VRRPv3, VIP 10.201.X.101), both at 100 ms, run side by
 * side in the same two namespaces ({@link Netns}) for 60 s (quick: 20 s) while
 * <ul>
 *   <li>{@code ka-stress}: {@code stress-ng --cpu 2} keeps both cores busy (a hog the scheduler still lets a sleeping
 *       daemon preempt, so it starves little);</li>
 *   <li>{@code ka-quota}: each of the four daemons is moved into a cgroup of its own limited to 20% of one core
 *       ({@link CpuQuota}) together with a {@code stress-ng --cpu 1} that uses up the quota, so each period the daemon
 *       is held off the CPU for up to 80 ms (each group's throttling is reported).</li>
 * </ul>
 * No fault is injected, so every role change after the steady state is a false one: counted per system from the
 * HAKit agents' role reports and keepalived's "Entering ... STATE" log lines, together with how often the standby
 * became active. Every 100 ms the steady state (A active and holding its VIP, B not) is also sampled.
 */
final class KaStress implements Runner.Scenario {

    static final String NAME = "ka-stress";
    static final String QUOTA_NAME = "ka-quota";
    static final Duration INTERVAL = Duration.ofMillis(100);
    /** After the hog: a late reaction to a stall it caused still counts. */
    static final Duration AFTER = Duration.ofSeconds(2);
    /** ka-quota: each daemon's cgroup, in percent of one core, shared with its hog ({@code -Dka-quota.percent}). */
    static final int QUOTA_PERCENT = Integer.getInteger("ka-quota.percent", 20);

    private final boolean quota;

    /** @param quota {@code ka-quota} (a cgroup per daemon with a hog inside) rather than {@code ka-stress} */
    KaStress(boolean quota) {
        this.quota = quota;
    }

    private String name() {
        return quota ? QUOTA_NAME : NAME;
    }

    private String hogText(Duration duration) {
        return quota ? "each daemon in a cgroup of its own at " + QUOTA_PERCENT + "% of one core (period "
                + CpuQuota.PERIOD.toMillis() + " ms) with stress-ng --cpu 1 inside for " + duration.toSeconds() + " s"
                : "stress-ng --cpu 2 for " + duration.toSeconds() + " s";
    }

    @Override
    public String description() {
        return quota ? "both pairs at 100 ms, each daemon in a cgroup at " + QUOTA_PERCENT + "% of one core shared "
                + "with a CPU hog, for 60 s: role changes no fault caused, HAKit vs keepalived"
                : "both pairs at 100 ms under stress-ng --cpu 2 for 60 s: role changes no fault caused, HAKit vs "
                + "keepalived";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        Duration duration = Duration.ofSeconds(quick ? 20 : 60);
        String keepalived = KaPairs.keepalivedVersion();
        Netns.Result stressVersion = Netns.run(List.of("stress-ng", "--version"));
        if (stressVersion.exit() != 0) {
            throw new Runner.BenchmarkFailure("stress-ng is needed for the CPU hog: apt-get install -y stress-ng ("
                    + stressVersion.output().trim() + ")");
        }
        Map<String, Object> results = new LinkedHashMap<>();
        try (Netns net = Netns.create()) {
            Path certs = KaPairs.hakitCertificates(net);
            KaPairs.Pair hakit = KaPairs.startHakit(net, certs, INTERVAL, net.address(100));
            KaPairs.Pair peer = KaPairs.startKeepalived(net, INTERVAL, net.address(101), 52);
            Map<String, CpuQuota> groups = new LinkedHashMap<>();
            try {
                for (KaPairs.Pair p : List.of(hakit, peer)) {
                    KaFailover.settle(net, p, INTERVAL, KaFailover.SETTLE_MIN.toNanos(), out);
                }
                Map<String, Long> cpu0 = cpuMillis(hakit, peer);
                int[] changes0 = {changes(hakit), changes(peer)};
                int[] promotions0 = {hakit.b().promotions(), peer.b().promotions()};
                out.println(name() + ": " + keepalived + " and HAKit at " + INTERVAL.toMillis() + " ms; "
                        + hogText(duration));
                Process hog = null;
                if (quota) {
                    for (KaPairs.Pair p : List.of(hakit, peer)) {
                        for (String side : List.of("a", "b")) {
                            KaPairs.Node node = side.equals("a") ? p.a() : p.b();
                            CpuQuota g = CpuQuota.create("hakit-bench-" + net.tag + "-" + p.system() + "-" + side,
                                    QUOTA_PERCENT);
                            groups.put(p.system() + "-" + side, g);
                            node.crashPids().forEach(g::add);
                            g.startHog(duration, net.dir.resolve("stress-ng-" + p.system() + "-" + side + ".log"));
                        }
                    }
                } else {
                    hog = net.startHere(List.of("stress-ng", "--cpu", "2", "--timeout", duration.toSeconds() + "s"),
                            net.dir.resolve("stress-ng.log"));
                }
                int[] lost = new int[2];
                int samples = 0;
                long end = System.nanoTime() + duration.toNanos() + AFTER.toNanos();
                while (System.nanoTime() < end) {
                    LockSupport.parkNanos(INTERVAL.toNanos());
                    lost[0] += KaFailover.steady(net, hakit) ? 0 : 1;
                    lost[1] += KaFailover.steady(net, peer) ? 0 : 1;
                    samples++;
                }
                if (hog == null) {
                    groups.values().forEach(CpuQuota::awaitHogs);
                } else if (!Netns.exited(hog.toHandle(), Duration.ofSeconds(10))) {
                    hog.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                    hog.toHandle().destroyForcibly();
                    throw new Runner.BenchmarkFailure("stress-ng did not stop after its timeout");
                } else if (hog.exitValue() != 0) {
                    throw new Runner.BenchmarkFailure("stress-ng failed (" + hog.exitValue() + "): "
                            + KaPairs.tail(net.dir.resolve("stress-ng.log")));
                }
                Map<String, Long> cpu1 = cpuMillis(hakit, peer);
                int i = 0;
                for (KaPairs.Pair p : List.of(hakit, peer)) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    int c = changes(p) - changes0[i];
                    int promoted = p.b().promotions() - promotions0[i];
                    f.put("false_role_changes", c);
                    f.put("standby_promotions", promoted);
                    f.put("steady_lost_samples", lost[i]);
                    f.put("samples", samples);
                    for (String side : List.of("a", "b")) {
                        String key = p.system() + "-" + side;
                        f.put("cpu_ms_" + side, cpu1.get(key) - cpu0.get(key));
                        CpuQuota g = groups.get(key);
                        if (g != null) {
                            f.put("throttling_" + side, g.throttling());
                        }
                    }
                    results.put(p.system(), f);
                    out.println("  " + p.system() + ": " + c + " role changes, the standby became active " + promoted
                            + " times, steady state missing in " + lost[i] + " of " + samples + " samples; CPU used: a "
                            + f.get("cpu_ms_a") + " ms, b " + f.get("cpu_ms_b") + " ms"
                            + (groups.isEmpty() ? "" : "; throttled: a " + f.get("throttling_a") + ", b "
                            + f.get("throttling_b")));
                    i++;
                }
            } finally {
                groups.values().forEach(CpuQuota::close);
                hakit.stop();
                peer.stop();
            }
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("interval_ms", (int) INTERVAL.toMillis());
        params.put("hog", hogText(duration));
        params.put("duration_s", (int) duration.toSeconds());
        params.put("counted_until_s_after_hog", (int) AFTER.toSeconds());
        params.put("hakit", "agent JVMs, mutual TLS, arbiter none, dead interval 3 x heartbeat");
        params.put("keepalived", keepalived + ", unicast VRRPv3");
        params.put("quick", quick);
        Map<String, Object> json = Json.scenario(name(), params, results);
        return json;
    }

    /** CPU time (user + system) each daemon's processes have used so far, from /proc/PID/stat, in ms. */
    private static Map<String, Long> cpuMillis(KaPairs.Pair... pairs) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (KaPairs.Pair p : pairs) {
            m.put(p.system() + "-a", cpuMillis(p.a()));
            m.put(p.system() + "-b", cpuMillis(p.b()));
        }
        return m;
    }

    private static long cpuMillis(KaPairs.Node node) {
        long ticks = 0;
        for (long pid : node.crashPids()) {
            try {
                String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            } catch (IOException | RuntimeException e) {
                // exited: its time is no longer counted
            }
        }
        return ticks * 10; // USER_HZ is 100 on Linux
    }

    private static int changes(KaPairs.Pair p) {
        return p.a().roleChanges() + p.b().roleChanges();
    }
}
