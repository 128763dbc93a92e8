package io.hakit.benchmarks;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ka-stress}: false failovers under CPU starvation. A HAKit pair (agent JVMs, mutual TLS, no arbiter, VIP
 * 10.201.X.100) and a keepalived pair (unicast VRRPv3, VIP 10.201.X.101), both at 100 ms, run side by side in the
 * same two namespaces ({@link Netns}) while {@code stress-ng --cpu 2} keeps both cores busy for 60 s (quick: 20 s).
 * No fault is injected, so every role change after the steady state is a false one: counted per system from the
 * HAKit agents' role reports and keepalived's "Entering ... STATE" log lines, together with how often the standby
 * became active. Every 100 ms the steady state (A active and holding its VIP, B not) is also sampled.
 */
final class KaStress implements Runner.Scenario {

    static final String NAME = "ka-stress";
    static final Duration INTERVAL = Duration.ofMillis(100);
    /** After the hog: a late reaction to a stall it caused still counts. */
    static final Duration AFTER = Duration.ofSeconds(2);

    @Override
    public String description() {
        return "both pairs at 100 ms under stress-ng --cpu 2 for 60 s: role changes no fault caused, HAKit vs "
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
            try {
                for (KaPairs.Pair p : List.of(hakit, peer)) {
                    KaFailover.settle(net, p, INTERVAL, KaFailover.SETTLE_MIN.toNanos(), out);
                }
                int[] changes0 = {changes(hakit), changes(peer)};
                int[] promotions0 = {hakit.b().promotions(), peer.b().promotions()};
                out.println(NAME + ": " + keepalived + " and HAKit at " + INTERVAL.toMillis() + " ms; stress-ng --cpu 2 "
                        + "for " + duration.toSeconds() + " s");
                Process hog = net.startHere(List.of("stress-ng", "--cpu", "2", "--timeout", duration.toSeconds() + "s"),
                        net.dir.resolve("stress-ng.log"));
                int[] lost = new int[2];
                int samples = 0;
                long end = System.nanoTime() + duration.toNanos() + AFTER.toNanos();
                while (System.nanoTime() < end) {
                    LockSupport.parkNanos(INTERVAL.toNanos());
                    lost[0] += KaFailover.steady(net, hakit) ? 0 : 1;
                    lost[1] += KaFailover.steady(net, peer) ? 0 : 1;
                    samples++;
                }
                if (!Netns.exited(hog.toHandle(), Duration.ofSeconds(10))) {
                    hog.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                    hog.toHandle().destroyForcibly();
                    throw new Runner.BenchmarkFailure("stress-ng did not stop after its timeout");
                }
                if (hog.exitValue() != 0) {
                    throw new Runner.BenchmarkFailure("stress-ng failed (" + hog.exitValue() + "): "
                            + KaPairs.tail(net.dir.resolve("stress-ng.log")));
                }
                int i = 0;
                for (KaPairs.Pair p : List.of(hakit, peer)) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    int c = changes(p) - changes0[i];
                    int promoted = p.b().promotions() - promotions0[i];
                    f.put("false_role_changes", c);
                    f.put("standby_promotions", promoted);
                    f.put("steady_lost_samples", lost[i]);
                    f.put("samples", samples);
                    results.put(p.system(), f);
                    out.println("  " + p.system() + ": " + c + " role changes, the standby became active " + promoted
                            + " times, steady state missing in " + lost[i] + " of " + samples + " samples");
                    i++;
                }
            } finally {
                hakit.stop();
                peer.stop();
            }
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("interval_ms", (int) INTERVAL.toMillis());
        params.put("hog", "stress-ng --cpu 2 --timeout " + duration.toSeconds() + "s");
        params.put("duration_s", (int) duration.toSeconds());
        params.put("counted_until_s_after_hog", (int) AFTER.toSeconds());
        params.put("hakit", "agent JVMs, mutual TLS, arbiter none, dead interval 3 x heartbeat");
        params.put("keepalived", keepalived + ", unicast VRRPv3");
        params.put("quick", quick);
        Map<String, Object> json = Json.scenario(NAME, params, results);
        return json;
    }

    private static int changes(KaPairs.Pair p) {
        return p.a().roleChanges() + p.b().roleChanges();
    }
}
