package io.hakit.benchmarks;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ka-failover}: how long the floating IP takes to reach the standby when the active fails, HAKit against
 * keepalived, in two network namespaces joined by veth ({@link Netns}), at heartbeat / advert intervals of 1 s and
 * 100 ms.
 *
 * <p>For each repetition a pair is started (node A priority 150, node B 100), A must hold the VIP and B not; after
 * a settle time of two intervals (at least 2 s, so that start-up activity such as a JVM's JIT compilation is over)
 * plus a phase within one interval, the fault is injected at T0. The phases of a cell's n repetitions are stratified
 * (one random point in each n-th of the interval, in a shuffled order, from a fixed seed; the same for both systems
 * in a repetition): the time from the sender's last heartbeat or advert to the fault is then spread evenly over the
 * interval for each system, even with n = 10 and a start-up that always takes about as long. Faults:
 * <b>crash</b> = SIGSTOP then SIGKILL of all of A's processes (HAKit: the agent's JVM; keepalived: its VRRP child and
 * parent, as the anchor script does), <b>term</b> = SIGTERM (clean stop). T1 is the timestamp {@code ip -ts monitor address} running in B's
 * namespace prints for the VIP's appearance on B's veth; the sample is T1 - T0. Then both nodes are stopped and the
 * VIP a crashed node left is removed. The systems alternate repetition by repetition in the same namespaces; HAKit
 * runs with mutual TLS, no arbiter and the default dead interval (3 heartbeats); keepalived with VRRPv2 at whole
 * seconds and VRRPv3 below (as ../shared/anchors/keepalived-failover.sh).
 */
final class KaFailover implements Runner.Scenario {

    static final String NAME = "ka-failover";
    private static final long SEED = 20261122L;
    static final Duration SETTLE_MIN = Duration.ofSeconds(2);

    /** One cell of the plan: a fault mode at an interval, repeated n times per system. */
    record Cell(String mode, Duration interval, int n) {
        String key() {
            return mode + "_" + interval.toMillis() + "ms";
        }
    }

    static List<Cell> plan(boolean quick) {
        Duration fast = Duration.ofMillis(100);
        Duration slow = Duration.ofSeconds(1);
        if (quick) {
            return List.of(new Cell("crash", fast, 3), new Cell("term", fast, 3), new Cell("crash", slow, 2));
        }
        return List.of(new Cell("crash", fast, 10), new Cell("term", fast, 10), new Cell("crash", slow, 10),
                new Cell("term", slow, 10));
    }

    @Override
    public String description() {
        return "SIGKILL / SIGTERM of the active in two network namespaces: VIP on the standby, HAKit vs keepalived, "
                + "at 1 s and 100 ms";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        String keepalived = KaPairs.keepalivedVersion();
        List<Cell> plan = plan(quick);
        Random random = new Random(SEED);
        Map<String, Map<String, List<Double>>> samples = new LinkedHashMap<>();
        samples.put(KaPairs.HAKIT, new LinkedHashMap<>());
        samples.put(KaPairs.KEEPALIVED, new LinkedHashMap<>());
        Map<String, Integer> resettles = new LinkedHashMap<>();
        out.println(NAME + ": " + keepalived + "; plan " + plan);
        try (Netns net = Netns.create()) {
            Path certs = KaPairs.hakitCertificates(net);
            String vip = net.address(100);
            Netns.Monitor monitor = net.monitor(net.nsB, vip);
            for (Cell cell : plan) {
                double[] phases = phases(cell.n(), random);
                for (int r = 1; r <= cell.n(); r++) {
                    List<String> order = r % 2 == 1 ? List.of(KaPairs.HAKIT, KaPairs.KEEPALIVED)
                            : List.of(KaPairs.KEEPALIVED, KaPairs.HAKIT);
                    double phase = phases[r - 1]; // the same for both systems in a repetition
                    for (String system : order) {
                        double ms = once(net, certs, monitor, system, cell, vip, phase, resettles, out);
                        samples.get(system).computeIfAbsent(cell.key(), k -> new ArrayList<>()).add(ms);
                        out.printf(Locale.ROOT, "  [%-5s %5d ms #%d] %-10s %8.1f ms%n", cell.mode(),
                                cell.interval().toMillis(), r, system, ms);
                    }
                }
            }
        }
        return result(quick, keepalived, plan, samples, resettles, out);
    }

    /** {@code n} phases in [0, 1), one in each n-th, shuffled. */
    static double[] phases(int n, Random random) {
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = (i + random.nextDouble()) / n;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** One repetition of one system; returns T1 - T0 in ms. */
    private static double once(Netns net, Path certs, Netns.Monitor monitor, String system, Cell cell, String vip,
            double phase, Map<String, Integer> resettles, PrintStream out) {
        net.removeVip(vip);
        Duration interval = cell.interval();
        KaPairs.Pair pair = system.equals(KaPairs.HAKIT) ? KaPairs.startHakit(net, certs, interval, vip)
                : KaPairs.startKeepalived(net, interval, vip, 51);
        try {
            long settle = Math.max(SETTLE_MIN.toNanos(), 2 * interval.toNanos()) + (long) (phase * interval.toNanos());
            int again = settle(net, pair, interval, settle, out);
            if (again > 0) {
                resettles.merge(system, again, Integer::sum);
            }
            if (!monitor.alive()) {
                throw new Runner.BenchmarkFailure("ip monitor in " + net.nsB + " stopped");
            }
            List<Long> crash = pair.a().crashPids();
            long term = pair.a().termPid();
            Instant t0 = Instant.now();
            if (cell.mode().equals("crash")) {
                Netns.signal("STOP", crash);
                Netns.signal("KILL", crash);
            } else {
                Netns.signal("TERM", List.of(term));
            }
            Duration wait = Duration.ofSeconds(8).plus(interval.multipliedBy(5));
            Instant t1 = monitor.awaitAdded(t0, wait);
            if (t1 == null) {
                throw new Runner.BenchmarkFailure(system + " " + cell.key() + ": the VIP did not appear in " + net.nsB
                        + " within " + wait.toSeconds() + " s\n--- B:\n" + pair.b().logTail());
            }
            return Duration.between(t0, t1).toNanos() / 1e6;
        } finally {
            pair.stop();
            net.removeVip(vip);
        }
    }

    /**
     * Waits (bounded) for the steady state, then pauses {@code settleNanos}: a deliberate pause, not a wait for a
     * condition, so that start-up activity (a JVM's JIT compiler threads, keepalived's first adverts) is over before
     * a fault. When a role changed meanwhile (a start-up split brain: neither node heard the other within the dead
     * interval from its start, then its resolution), it settles again, at most three times. Returns how often it
     * settled again.
     *
     * @throws Runner.BenchmarkFailure if no stable steady state comes
     */
    static int settle(Netns net, KaPairs.Pair pair, Duration interval, long settleNanos, PrintStream out) {
        // start-up: JVMs on a busy machine, or keepalived's master-down wait then A's preemption
        Duration bound = Duration.ofSeconds(30).plus(interval.multipliedBy(5));
        for (int attempt = 0; attempt < 3; attempt++) {
            if (!KaPairs.poll(bound, () -> steady(net, pair))) {
                throw new Runner.BenchmarkFailure(pair.system() + ": no steady state (A active with the VIP, B "
                        + "standby without) within " + bound.toSeconds() + " s\n--- A:\n" + pair.a().logTail()
                        + "\n--- B:\n" + pair.b().logTail());
            }
            int changes = pair.a().roleChanges() + pair.b().roleChanges();
            LockSupport.parkNanos(settleNanos);
            if (steady(net, pair) && pair.a().roleChanges() + pair.b().roleChanges() == changes) {
                return attempt;
            }
            out.println("  (" + pair.system() + ": a role changed while settling; settling again. A: "
                    + lastLines(pair.a().logTail(), 3) + " B: " + lastLines(pair.b().logTail(), 3) + ")");
        }
        throw new Runner.BenchmarkFailure(pair.system() + ": no stable steady state after 3 settle times\n--- A:\n"
                + pair.a().logTail() + "\n--- B:\n" + pair.b().logTail());
    }

    private static String lastLines(String text, int n) {
        List<String> lines = text.lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    static boolean steady(Netns net, KaPairs.Pair pair) {
        return pair.a().active() && pair.b().standby() && net.holds(net.nsA, pair.vip())
                && !net.holds(net.nsB, pair.vip());
    }

    private static Map<String, Object> result(boolean quick, String keepalived, List<Cell> plan,
            Map<String, Map<String, List<Double>>> samples, Map<String, Integer> resettles, PrintStream out) {
        Map<String, Object> params = new LinkedHashMap<>();
        List<Object> cells = new ArrayList<>();
        for (Cell c : plan) {
            cells.add(c.key() + " x" + c.n());
        }
        params.put("cells", cells);
        params.put("quick", quick);
        params.put("hakit", "agent JVMs, mutual TLS, arbiter none, dead interval 3 x heartbeat");
        params.put("keepalived", keepalived + ", unicast, VRRPv2 at whole seconds, v3 below");
        params.put("fault", "crash = SIGSTOP+SIGKILL of the active's processes, term = SIGTERM");
        params.put("measured", "T0 before the signal to the VIP event of ip -ts monitor address in the standby's "
                + "namespace");
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Stats> hakit = new LinkedHashMap<>();
        Map<String, Stats> peer = new LinkedHashMap<>();
        for (String system : samples.keySet()) {
            Map<String, Object> figures = new LinkedHashMap<>();
            for (Map.Entry<String, List<Double>> e : samples.get(system).entrySet()) {
                Stats s = new Stats(e.getValue().stream().mapToDouble(Double::doubleValue).toArray());
                (system.equals(KaPairs.HAKIT) ? hakit : peer).put(e.getKey(), s);
                figures.put(e.getKey() + "_p50_ms", Json.decimal(s.percentile(50), 1));
                figures.put(e.getKey() + "_p90_ms", Json.decimal(s.percentile(90), 1));
                figures.put(e.getKey() + "_max_ms", Json.decimal(s.max(), 1));
                figures.put(e.getKey() + "_n", s.n());
            }
            figures.put("settle_restarts", resettles.getOrDefault(system, 0));
            results.put(system, figures);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> h = (Map<String, Object>) results.get(KaPairs.HAKIT);
        for (String key : hakit.keySet()) {
            Stats k = peer.get(key);
            if (k == null) {
                continue;
            }
            double p50 = hakit.get(key).percentile(50) / k.percentile(50);
            double p90 = hakit.get(key).percentile(90) / k.percentile(90);
            h.put(key + "_p50_ratio_to_keepalived", Json.decimal(p50, 2));
            h.put(key + "_p90_ratio_to_keepalived", Json.decimal(p90, 2));
            out.printf(Locale.ROOT, "%-12s median hakit %8.1f ms, keepalived %8.1f ms: ratio %.2f%n", key,
                    hakit.get(key).percentile(50), k.percentile(50), p50);
        }
        Map<String, Object> json = Json.scenario(NAME, params, results);
        return json;
    }
}
