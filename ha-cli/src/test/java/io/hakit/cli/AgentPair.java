package io.hakit.cli;

import io.hakit.keepalive.tls.CertificateGenerator;
import io.hakit.testkit.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * Two {@code hakit agent} processes on loopback, set up as the operator's guide says: certificates from one CA, a
 * properties file per node with mutual TLS, arbiter {@code none} and a synchronized root {@code data}. node-a has the
 * higher priority (preempt on). Settings can be overridden per node before {@link #start}.
 */
final class AgentPair implements AutoCloseable {

    static final String A = "node-a";
    static final String B = "node-b";

    final Path dir;
    final Path certs;
    /** The pair's CA: {@link #issue} signs with it. */
    final CertificateGenerator.Issued ca;
    private final Map<String, Map<String, String>> settings = new LinkedHashMap<>();
    private final Map<String, AgentProcess> running = new LinkedHashMap<>();
    private final List<AgentProcess> all = new ArrayList<>();

    AgentPair(Path dir) throws IOException {
        this.dir = dir;
        this.certs = dir.resolve("certs");
        Instant now = Instant.now();
        ca = CertificateGenerator.certificateAuthority("test CA", now.minus(Duration.ofMinutes(5)),
                now.plus(Duration.ofDays(30)));
        CertificateGenerator.writeCa(certs, ca);
        for (String n : List.of(A, B)) {
            CertificateGenerator.writeNode(certs.resolve(n), CertificateGenerator.node(ca, n, List.of(),
                    now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(30))), ca);
        }
        int[] p = FreePorts.loopback(4);
        settings.put(A, node(A, B, 150, p[0], p[1], p[2], p[3]));
        settings.put(B, node(B, A, 100, p[2], p[3], p[0], p[1]));
    }

    private Map<String, String> node(String me, String peer, int priority, int ka, int sync, int peerKa,
                                     int peerSync) throws IOException {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("keepalive.cluster-id", "c1");
        s.put("keepalive.node-id", me);
        s.put("keepalive.priority", Integer.toString(priority));
        s.put("keepalive.preempt", "true");
        s.put("keepalive.bind", "127.0.0.1:" + ka);
        s.put("keepalive.peer.address", "127.0.0.1:" + peerKa);
        s.put("keepalive.peer.node-id", peer);
        s.put("keepalive.heartbeat.interval", "100 ms");
        s.put("keepalive.heartbeat.dead-interval", "1 s");
        s.put("keepalive.tls.cert-dir", certs.resolve(me).toString());
        s.put("keepalive.state-dir", dir.resolve(me + "/state").toString());
        s.put("keepalive.arbiter", "none");
        s.put("sync.bind", "127.0.0.1:" + sync);
        s.put("sync.peer.address", "127.0.0.1:" + peerSync);
        s.put("sync.root.data", Files.createDirectories(dir.resolve(me + "/data")).toString());
        s.put("sync.period", "60 s");
        return s;
    }

    /** The settings node {@code n} starts with; change them before {@link #start}. */
    Map<String, String> settings(String n) {
        return settings.get(n);
    }

    /** Gives node {@code n} the certificate directory {@code certDir} instead of its own; before {@link #start}. */
    void certDir(String n, Path certDir) {
        settings.get(n).put("keepalive.tls.cert-dir", certDir.toString());
    }

    /** Writes a certificate directory {@code name} for {@code cn}, signed by the pair's CA, valid from..to. */
    Path issue(String name, String cn, Instant from, Instant to) {
        Path d = certs.resolve(name);
        CertificateGenerator.writeNode(d, CertificateGenerator.node(ca, cn, List.of(), from, to), ca);
        return d;
    }

    /**
     * Writes a certificate directory {@code name} for {@code cn} signed by another CA, "other CA": with
     * {@code trustsOtherCa} its {@code ca.crt} is that CA (a node set up with another pair's files), else the pair's.
     */
    Path ofAnotherCa(String name, String cn, boolean trustsOtherCa) {
        Instant now = Instant.now();
        CertificateGenerator.Issued other = CertificateGenerator.certificateAuthority("other CA",
                now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(30)));
        Path d = certs.resolve(name);
        CertificateGenerator.writeNode(d, CertificateGenerator.node(other, cn, List.of(),
                now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(30))), trustsOtherCa ? other : ca);
        return d;
    }

    Path data(String n) {
        return Path.of(settings.get(n).get("sync.root.data"));
    }

    Path config(String n) {
        return dir.resolve(n + ".properties");
    }

    Path statusFile(String n) {
        return Path.of(settings.get(n).get("keepalive.state-dir")).resolve("status.properties");
    }

    Properties status(String n) {
        return AgentProcess.status(statusFile(n));
    }

    Path log(String n) {
        return dir.resolve(n + ".log");
    }

    /** Writes node {@code n}'s configuration file and starts {@code hakit agent --config} on it. */
    AgentProcess start(String n) throws IOException {
        writeConfig(n);
        AgentProcess p = AgentProcess.start(n, log(n), "agent", "--config", config(n).toString());
        running.put(n, p);
        all.add(p);
        return p;
    }

    /** Writes node {@code n}'s configuration file (what {@link #start} runs on) and returns its path. */
    Path writeConfig(String n) throws IOException {
        Files.writeString(config(n), settings.get(n).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        return config(n);
    }

    /**
     * Runs {@code hakit status --config} for node {@code n} through {@link Main#run} (the command's own entry point,
     * in this JVM: it only reads the status file) and returns its exit code and what it printed.
     */
    String hakitStatus(String n) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        int code = Main.run(new String[] {"status", "--config", config(n).toString()}, out, out);
        return "exit " + code + "\n" + bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    AgentProcess process(String n) {
        return running.get(n);
    }

    /** Waits (bounded) until node {@code n}'s status file says {@code role}, fresh. */
    void awaitRole(String n, String role, Duration limit) {
        try {
            await(n + " " + role).atMost(limit).pollInterval(Duration.ofMillis(50)).until(() -> {
                Properties s = status(n);
                return role.equals(s.getProperty("role")) && s.getProperty("updated") != null
                        && Duration.between(Instant.parse(s.getProperty("updated")), Instant.now()).toSeconds() < 3;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\nstatus " + status(n) + "\nlog of " + n + ":\n"
                    + running.get(n).output(), e);
        }
    }

    /** Waits (bounded) until node {@code n}'s status file satisfies {@code test}; fails with the status and log. */
    void awaitStatus(String n, String what, java.util.function.Predicate<Properties> test, Duration limit) {
        try {
            await(n + " " + what).atMost(limit).pollInterval(Duration.ofMillis(50)).until(() -> test.test(status(n)));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\nstatus " + new java.util.TreeMap<>(status(n)) + "\nlog of "
                    + n + ":\n" + running.get(n).output(), e);
        }
    }

    /** Whether a status lists an active alarm of this id. */
    static boolean hasAlarm(Properties status, int id) {
        int n = Integer.parseInt(status.getProperty("alarms", "0"));
        for (int i = 0; i < n; i++) {
            if (Integer.toString(id).equals(status.getProperty("alarm." + i + ".id"))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        for (AgentProcess p : all) {
            p.close();
        }
    }
}
