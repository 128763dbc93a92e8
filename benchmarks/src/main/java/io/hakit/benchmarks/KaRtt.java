package io.hakit.benchmarks;

import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.KeepaliveNode;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.RttHistogram;
import io.hakit.keepalive.tls.CertificateGenerator;
import io.hakit.testkit.FreePorts;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * {@code ka-rtt}: an idle HAKit pair at a 100 ms heartbeat over loopback, in this process: the heartbeat round trip
 * (every Ack, from {@link KeepaliveNode#rttHistogram()}) and the CPU the pair costs, with mutual TLS (the default)
 * and without. After a warm-up, the round trips and CPU times of a measured period are the differences of two
 * snapshots: per node the CPU time of its own threads (names carrying the node id: its event thread, Netty I/O
 * loop, arbiter and health threads), and the whole process's CPU time (which adds the JVM's own threads: JIT, GC).
 */
final class KaRtt implements Runner.Scenario {

    static final String NAME = "ka-rtt";
    static final Duration INTERVAL = Duration.ofMillis(100);

    @Override
    public String description() {
        return "idle pair at 100 ms over loopback: heartbeat round trip p50/p99 and CPU per node, mTLS and insecure";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        Duration warmup = Duration.ofSeconds(quick ? 5 : 10);
        Duration measure = Duration.ofSeconds(quick ? 20 : 60);
        Map<String, Object> hakit = new LinkedHashMap<>();
        Path dir;
        try {
            dir = Files.createTempDirectory("hakit-ka-rtt-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (boolean tls : List.of(true, false)) {
                String variant = tls ? "tls" : "insecure";
                out.println(NAME + ": " + variant + " pair, heartbeat " + INTERVAL.toMillis() + " ms, warm-up "
                        + warmup.toSeconds() + " s, measured " + measure.toSeconds() + " s");
                measure(dir.resolve(variant), tls, warmup, measure, variant, hakit, out);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temp dir
            }
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("heartbeat_ms", (int) INTERVAL.toMillis());
        params.put("warmup_s", (int) warmup.toSeconds());
        params.put("measured_s", (int) measure.toSeconds());
        params.put("transport", "loopback, both nodes in one JVM, two connections (both dial)");
        params.put("quick", quick);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("hakit", hakit);
        Map<String, Object> json = Json.scenario(NAME, params, results);
        return json;
    }

    private static void measure(Path dir, boolean tls, Duration warmup, Duration measure, String variant,
            Map<String, Object> figures, PrintStream out) {
        int portA = FreePorts.loopback();
        int portB = FreePorts.loopback();
        Path certs = dir.resolve("certs");
        if (tls) {
            Instant now = Instant.now();
            CertificateGenerator.Issued ca = CertificateGenerator.certificateAuthority("ka-rtt CA",
                    now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(400)));
            for (String node : List.of("node-a", "node-b")) {
                CertificateGenerator.writeNode(certs.resolve(node), CertificateGenerator.node(ca, node,
                        List.of("127.0.0.1"), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(400))), ca);
            }
        }
        try (KeepaliveNode a = KeepaliveNode.start(config(dir, certs, tls, "node-a", 150, portA, portB));
             KeepaliveNode b = KeepaliveNode.start(config(dir, certs, tls, "node-b", 100, portB, portA))) {
            if (!KaPairs.poll(Duration.ofSeconds(20), () -> a.role() == Role.ACTIVE && b.role() == Role.STANDBY
                    && a.status().connections() == 2 && b.status().connections() == 2)) {
                throw new Runner.BenchmarkFailure(variant + ": the pair did not form within 20 s: " + a.status()
                        + " / " + b.status());
            }
            // the scenario measures an idle pair: these pauses are the idle periods, not waits for a condition
            LockSupport.parkNanos(warmup.toNanos());
            RttHistogram a0 = a.rttHistogram();
            RttHistogram b0 = b.rttHistogram();
            Map<Long, ThreadTime> threads0 = threadCpu();
            long process0 = processCpuNanos();
            long t0 = System.nanoTime();
            LockSupport.parkNanos(measure.toNanos());
            long wall = System.nanoTime() - t0;
            long process = processCpuNanos() - process0;
            Map<Long, ThreadTime> threads1 = threadCpu();
            RttHistogram da = a.rttHistogram().minus(a0);
            RttHistogram db = b.rttHistogram().minus(b0);
            if (a.role() != Role.ACTIVE || b.role() != Role.STANDBY) {
                throw new Runner.BenchmarkFailure(variant + ": roles changed while idle: " + a.status() + " / "
                        + b.status());
            }
            double seconds = wall / 1e9;
            for (Map.Entry<String, RttHistogram> e : Map.of("node_a", da, "node_b", db).entrySet().stream()
                    .sorted(Map.Entry.comparingByKey()).toList()) {
                RttHistogram h = e.getValue();
                if (h.count() == 0) {
                    throw new Runner.BenchmarkFailure(variant + ": no round trips measured on " + e.getKey());
                }
                String k = variant + "_" + e.getKey();
                figures.put(k + "_rtt_p50_ms", Json.decimal(h.percentileMillis(50), 3));
                figures.put(k + "_rtt_p99_ms", Json.decimal(h.percentileMillis(99), 3));
                figures.put(k + "_rtt_max_ms", Json.decimal(h.percentileMillis(100), 3));
                figures.put(k + "_rtt_n", h.count());
                out.printf(Locale.ROOT, "  %-16s %s%n", k, h);
            }
            for (String node : List.of("node-a", "node-b")) {
                long cpu = nodeCpu(threads0, threads1, node);
                String k = variant + "_" + node.replace('-', '_') + "_threads_cpu_ms_per_s";
                figures.put(k, Json.decimal(cpu / 1e6 / seconds, 3));
                out.printf(Locale.ROOT, "  %-16s threads' CPU %.3f ms per s%n", variant + "_" + node,
                        cpu / 1e6 / seconds);
            }
            figures.put(variant + "_process_cpu_ms_per_s", Json.decimal(process / 1e6 / seconds, 3));
            threads1.entrySet().stream()
                    .map(e -> Map.entry(e.getValue().name(), e.getValue().cpuNanos()
                            - (threads0.containsKey(e.getKey()) ? threads0.get(e.getKey()).cpuNanos() : 0)))
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(6)
                    .forEach(e -> out.printf(Locale.ROOT, "    thread %-28s %.3f ms per s%n", e.getKey(),
                            e.getValue() / 1e6 / seconds));
            out.printf(Locale.ROOT, "  %-16s process CPU %.3f ms per s (both nodes and the JVM)%n", variant,
                    process / 1e6 / seconds);
        }
    }

    private static KeepaliveConfig config(Path dir, Path certs, boolean tls, String node, int priority, int port,
            int peerPort) {
        KeepaliveConfig.Builder b = KeepaliveConfig.builder().clusterId("ka-rtt").nodeId(node).priority(priority)
                .bind(new InetSocketAddress("127.0.0.1", port))
                .peer(node.equals("node-a") ? "node-b" : "node-a", new InetSocketAddress("127.0.0.1", peerPort))
                .heartbeatInterval(INTERVAL).stateDir(dir.resolve(node)).arbiter(Arbiter.none());
        return (tls ? b.tls(certs.resolve(node)) : b.insecure()).build();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private record ThreadTime(String name, long cpuNanos) {
    }

    /** The CPU time of every live thread, by thread id. */
    private static Map<Long, ThreadTime> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, ThreadTime> cpu = new HashMap<>();
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long t = mx.getThreadCpuTime(info.getThreadId());
            if (t >= 0) {
                cpu.put(info.getThreadId(), new ThreadTime(info.getThreadName(), t));
            }
        }
        return cpu;
    }

    /** CPU time between the snapshots of the threads whose name carries {@code node}. */
    private static long nodeCpu(Map<Long, ThreadTime> before, Map<Long, ThreadTime> after, String node) {
        long sum = 0;
        for (Map.Entry<Long, ThreadTime> e : after.entrySet()) {
            if (e.getValue().name().contains(node)) {
                ThreadTime b = before.get(e.getKey());
                sum += e.getValue().cpuNanos() - (b == null ? 0 : b.cpuNanos());
            }
        }
        return sum;
    }
}
