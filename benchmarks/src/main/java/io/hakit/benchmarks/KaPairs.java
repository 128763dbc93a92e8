package io.hakit.benchmarks;

import io.hakit.keepalive.KeepaliveAgentMain;
import io.hakit.testkit.ChildJvm;

import io.hakit.keepalive.tls.CertificateGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The two systems of the ka-* scenarios as processes in a {@link Netns}, side by side: a HAKit pair (two agent JVMs,
 * {@link KeepaliveAgentMain}, mutual TLS, no arbiter) and a keepalived pair (unicast VRRP, configured as
 * ../shared/anchors/keepalived-failover.sh does). Node A (priority 150) runs in the first namespace, node B (100) in
 * the second; the floating IP is {@code 10.201.X.last/24} on their veths.
 */
final class KaPairs {

    static final String HAKIT = "hakit";
    static final String KEEPALIVED = "keepalived";
    static final int HAKIT_PORT = 7700;
    static final int PRIORITY_A = 150;
    static final int PRIORITY_B = 100;

    private KaPairs() {
    }

    /** One node of a pair. */
    interface Node {
        /** The PIDs a crash stops and kills: the agent's JVM; keepalived's VRRP child and its parent. */
        List<Long> crashPids();

        /** The PID a clean stop sends SIGTERM to: the JVM; keepalived's parent. */
        long termPid();

        /** Whether this node's last reported state is active (HAKit ACTIVE, keepalived MASTER). */
        boolean active();

        /** Whether this node runs and its last reported state is standby (HAKit STANDBY, keepalived BACKUP). */
        boolean standby();

        /** Role changes reported so far (HAKit: ROLE lines; keepalived: "Entering ... STATE" log lines). */
        int roleChanges();

        /** How often it became active so far (HAKit: to ACTIVE; keepalived: "Entering MASTER STATE"). */
        int promotions();

        /** Whether its processes are gone. */
        boolean gone();

        /** SIGTERM, a bounded wait, then SIGKILL of what is left. */
        void stop();

        /** The last lines of its log, for a failure message. */
        String logTail();
    }

    /** A pair: {@code a} is meant to be active. */
    record Pair(String system, Node a, Node b, String vip) {
        void stop() {
            b.stop();
            a.stop();
        }
    }

    // ------------------------------------------------------------------ HAKit

    /** Certificates of both nodes (CA, node-a, node-b) under {@code dir}, made once per run. */
    static Path hakitCertificates(Netns net) {
        Path certs = net.dir.resolve("certs");
        Instant now = Instant.now();
        CertificateGenerator.Issued ca = CertificateGenerator.certificateAuthority("HAKit bench CA",
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(400)));
        for (String node : List.of("node-a", "node-b")) {
            String ip = net.address(node.equals("node-a") ? 1 : 2);
            CertificateGenerator.writeNode(certs.resolve(node), CertificateGenerator.node(ca, node, List.of(ip),
                    now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(400))), ca);
        }
        return certs;
    }

    /** Starts HAKit's node B then node A (their JVMs start in parallel). */
    /** The JVM options {@code bin/hakit} starts the agent with (ha-cli/src/dist/bin/hakit): as shipped. */
    static final String[] LAUNCHER_JVM_OPTIONS = {"-Xmx256m", "-XX:+UseSerialGC"};

    /**
     * More JVM options for the HAKit agents ({@code -Dka.agent.jvm-options="..."}, split at spaces; {@code {node}}
     * becomes the node's name), for example a flight recording of each agent.
     */
    static final String AGENT_JVM_OPTIONS = System.getProperty("ka.agent.jvm-options", "");

    static Pair startHakit(Netns net, Path certs, Duration interval, String vip) {
        HakitNode b = new HakitNode(net, certs, "node-b", interval, vip);
        HakitNode a = new HakitNode(net, certs, "node-a", interval, vip);
        return new Pair(HAKIT, a, b, vip);
    }

    static final class HakitNode implements Node {
        final String node;
        private final ChildJvm child;
        private final Process process;
        private final Path log;
        private volatile boolean active;
        private volatile boolean standby;
        private volatile int changes;
        private volatile int promotions;

        HakitNode(Netns net, Path certs, String node, Duration interval, String vip) {
            this.node = node;
            boolean isA = node.equals("node-a");
            String ns = isA ? net.nsA : net.nsB;
            Properties s = new Properties();
            s.setProperty("keepalive.cluster-id", "bench-" + net.tag);
            s.setProperty("keepalive.node-id", node);
            s.setProperty("keepalive.peer.node-id", isA ? "node-b" : "node-a");
            s.setProperty("keepalive.priority", Integer.toString(isA ? PRIORITY_A : PRIORITY_B));
            s.setProperty("keepalive.bind", net.address(isA ? 1 : 2) + ":" + HAKIT_PORT);
            s.setProperty("keepalive.peer.address", net.address(isA ? 2 : 1) + ":" + HAKIT_PORT);
            s.setProperty("keepalive.heartbeat.interval", interval.toMillis() + " ms");
            s.setProperty("keepalive.tls.cert-dir", certs.resolve(node).toString());
            s.setProperty("keepalive.state-dir", net.dir.resolve("state").resolve(node).toString());
            s.setProperty("keepalive.arbiter", "none");
            s.setProperty("keepalive.vip", vip + "/24");
            s.setProperty("keepalive.vip.device", net.dev(ns));
            Path file = net.dir.resolve(node + ".properties");
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                s.store(w, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.log = net.dir.resolve(node + ".log");
            try {
                this.child = ChildJvm.builder(node, KeepaliveAgentMain.class.getName())
                        .prefix("ip", "netns", "exec", ns)
                        .jvmOptions(LAUNCHER_JVM_OPTIONS)
                        .jvmOptions("-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS")
                        .jvmOptions(AGENT_JVM_OPTIONS.isBlank() ? new String[0]
                                : AGENT_JVM_OPTIONS.replace("{node}", node).trim().split("\\s+"))
                        .args(file.toString()).log(log).onLine(this::onLine).start();
            } catch (IOException e) {
                throw new Runner.BenchmarkFailure("cannot start " + node + ": " + e.getMessage(), e);
            }
            this.process = child.process();
            net.track(process);
        }

        private void onLine(String line) {
            String[] f = line.split(" ");
            if (f[0].equals("ROLE") && f.length == 5) {
                active = f[3].equals("ACTIVE");
                standby = f[3].equals("STANDBY");
                changes++;
                if (active) {
                    promotions++;
                }
            }
        }

        @Override
        public List<Long> crashPids() {
            return List.of(process.pid());
        }

        @Override
        public long termPid() {
            return process.pid();
        }

        @Override
        public boolean active() {
            return active && process.isAlive();
        }

        @Override
        public boolean standby() {
            return standby && process.isAlive();
        }

        @Override
        public int roleChanges() {
            return changes;
        }

        @Override
        public int promotions() {
            return promotions;
        }

        @Override
        public boolean gone() {
            return !process.isAlive();
        }

        @Override
        public void stop() {
            if (process.isAlive()) {
                process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of stdout
                if (!Netns.exited(process.toHandle(), Duration.ofSeconds(10))) {
                    process.toHandle().destroyForcibly();
                    Netns.exited(process.toHandle(), Duration.ofSeconds(10));
                }
            }
        }

        @Override
        public String logTail() {
            return tail(log);
        }
    }

    // ------------------------------------------------------------------ keepalived

    /** "Keepalived v2.2.7 (01/16,2022)", or a failure naming the package to install. */
    static String keepalivedVersion() {
        Netns.Result r = Netns.run(List.of("keepalived", "--version"));
        if (r.exit() != 0 && !r.output().contains("Keepalived")) {
            throw new Runner.BenchmarkFailure("keepalived is needed as the peer: apt-get install -y keepalived ("
                    + r.output().trim() + ")");
        }
        return r.output().lines().findFirst().orElse("keepalived").trim();
    }

    /** VRRPv2 for a whole number of seconds, else v3 (v2 rounds a fractional advert_int), as the anchor does. */
    static int vrrpVersion(Duration advert) {
        return advert.toMillis() % 1000 == 0 ? 2 : 3;
    }

    /** Starts keepalived's node B then node A. */
    static Pair startKeepalived(Netns net, Duration advert, String vip, int vrid) {
        KeepalivedNode b = new KeepalivedNode(net, "b", advert, vip, vrid);
        KeepalivedNode a = new KeepalivedNode(net, "a", advert, vip, vrid);
        return new Pair(KEEPALIVED, a, b, vip);
    }

    static final class KeepalivedNode implements Node {
        private final Process parent;
        private final long child;
        private final Path log;
        private final long logStart;
        private final String marker;

        KeepalivedNode(Netns net, String name, Duration advert, String vip, int vrid) {
            boolean isA = name.equals("a");
            String ns = isA ? net.nsA : net.nsB;
            String dev = net.dev(ns);
            String id = "ka-" + name + "-" + vrid;
            Path conf = net.dir.resolve(id + ".conf");
            String advertText = advert.toMillis() % 1000 == 0 ? Long.toString(advert.toSeconds())
                    : String.format(Locale.ROOT, "%.3f", advert.toMillis() / 1000.0);
            String text = "global_defs {\n  router_id " + id + "\n  vrrp_version " + vrrpVersion(advert) + "\n}\n"
                    + "vrrp_instance VI_" + vrid + " {\n  state BACKUP\n  interface " + dev + "\n"
                    + "  virtual_router_id " + vrid + "\n  priority " + (isA ? PRIORITY_A : PRIORITY_B) + "\n"
                    + "  advert_int " + advertText + "\n  unicast_src_ip " + net.address(isA ? 1 : 2) + "\n"
                    + "  unicast_peer {\n    " + net.address(isA ? 2 : 1) + "\n  }\n"
                    + "  virtual_ipaddress {\n    " + vip + "/24 dev " + dev + "\n  }\n}\n";
            Path pid = net.dir.resolve(id + ".pid");
            Path vrrpPid = net.dir.resolve(id + "-vrrp.pid");
            try {
                Files.writeString(conf, text, StandardCharsets.UTF_8);
                Files.deleteIfExists(pid);
                Files.deleteIfExists(vrrpPid);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.marker = pid.toString();
            this.log = net.dir.resolve(id + ".log");
            this.logStart = size(log);
            this.parent = net.start(ns, List.of("keepalived", "-f", conf.toString(), "-P", "-n", "-l", "-D", "-G",
                    "-p", pid.toString(), "-r", vrrpPid.toString(), "-c", net.dir.resolve(id + "-chk.pid").toString()),
                    log, false);
            if (!poll(Duration.ofSeconds(10), () -> size(vrrpPid) > 0)) {
                throw new Runner.BenchmarkFailure("keepalived " + id + " did not start its VRRP child: " + tail(log));
            }
            try {
                this.child = Long.parseLong(Files.readString(vrrpPid).trim());
            } catch (IOException | NumberFormatException e) {
                throw new Runner.BenchmarkFailure("cannot read " + vrrpPid + ": " + e, e);
            }
        }

        /** Whether {@code pid} is still a process of this keepalived (its command line names our pid file). */
        private boolean ours(long pid) {
            try {
                byte[] cmd = Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline"));
                return new String(cmd, StandardCharsets.UTF_8).contains(marker);
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public List<Long> crashPids() {
            List<Long> pids = new ArrayList<>();
            if (ours(child)) {
                pids.add(child);
            }
            if (parent.isAlive()) {
                pids.add(parent.pid());
            }
            return pids;
        }

        @Override
        public long termPid() {
            return parent.pid();
        }

        private List<String> newLogLines() {
            String all = readFrom(log, logStart);
            List<String> states = new ArrayList<>();
            all.lines().filter(l -> l.contains("Entering ") && l.contains(" STATE")).forEach(states::add);
            return states;
        }

        @Override
        public boolean active() {
            List<String> states = newLogLines();
            return !gone() && !states.isEmpty() && states.get(states.size() - 1).contains("MASTER");
        }

        @Override
        public boolean standby() {
            List<String> states = newLogLines();
            return !gone() && !states.isEmpty() && states.get(states.size() - 1).contains("BACKUP");
        }

        @Override
        public int roleChanges() {
            return newLogLines().size();
        }

        @Override
        public int promotions() {
            return (int) newLogLines().stream().filter(l -> l.contains("MASTER")).count();
        }

        @Override
        public boolean gone() {
            return !parent.isAlive() && !ours(child);
        }

        @Override
        public void stop() {
            if (parent.isAlive()) {
                parent.toHandle().destroy();
                Netns.exited(parent.toHandle(), Duration.ofSeconds(10));
            }
            if (parent.isAlive()) {
                parent.toHandle().destroyForcibly();
                Netns.exited(parent.toHandle(), Duration.ofSeconds(10));
            }
            if (ours(child)) {
                ProcessHandle.of(child).ifPresent(h -> {
                    h.destroyForcibly();
                    Netns.exited(h, Duration.ofSeconds(10));
                });
            }
        }

        @Override
        public String logTail() {
            return tail(log);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Polls {@code condition} every 10 ms until it holds or {@code bound} passes. */
    static boolean poll(Duration bound, BooleanSupplier condition) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            LockSupport.parkNanos(10_000_000);
        }
    }

    private static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String readFrom(Path p, long offset) {
        try {
            byte[] all = Files.readAllBytes(p);
            return offset >= all.length ? "" : new String(all, (int) offset, all.length - (int) offset,
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    static String tail(Path p) {
        String all = readFrom(p, 0);
        List<String> lines = all.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    }
}
