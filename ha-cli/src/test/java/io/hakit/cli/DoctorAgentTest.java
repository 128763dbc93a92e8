package io.hakit.cli;

import io.hakit.keepalive.ClockOffset;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.KeepaliveNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code hakit doctor} with two real {@code hakit agent} processes: what it learns through the agent (role, the peer
 * as the agent hears it, the last sync round, alarms) and from its own connections to the peer; zero-size junk on the
 * standby removed by {@code --fix} and kept on the active; node-a killed while node-b's notify script is missing
 * (node-b takes over, NOTIFY_FAILED, its log says why in one line, and the doctor names the dead peer's ports, the
 * missing script, the alarm and the broken sync link; node-a's own doctor names the unclean end); everything PASS
 * again once repaired. And a restart loop: an agent whose certificate has expired started five times.
 */
class DoctorAgentTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void throughTheAgentsJunkADeadPeerAMissingNotifyScriptAndRepair() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            Path script = dir.resolve("b-active.sh");
            writeScript(script);
            pair.settings(AgentPair.B).put("keepalive.notify.active", script.toString());
            pair.settings(AgentPair.B).put("keepalive.heartbeat.alarm-after", "1 s");
            for (String n : List.of(AgentPair.A, AgentPair.B)) {
                pair.settings(n).put("keepalive.cert.expiring-within", "7 d"); // the pair's are valid for 30 days
            }
            pair.start(AgentPair.A);
            pair.start(AgentPair.B);
            pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT);
            pair.awaitRole(AgentPair.B, "STANDBY", LIMIT);
            pair.awaitStatus(AgentPair.B, "in sync", s -> "true".equals(s.getProperty("sync.in-sync")), LIMIT);

            // a healthy pair: everything the agent and the peer's ports say passes
            Map<String, Doctor.Finding> b = doctor(pair, AgentPair.B, false);
            for (String check : List.of("config", "agent", "certificate", "peer keepalive", "peer sync", "peer state",
                    "clock offset", "roots", "free space", "junk", "conflicts", "sync", "notify", "restarts",
                    "alarms")) {
                assertThat(b.get(check).level()).as(b.get(check).toString()).isEqualTo(Doctor.Level.PASS);
            }
            assertThat(b.get("agent").detail()).contains("node-b STANDBY epoch");
            assertThat(b.get("peer keepalive").detail()).contains("the peer's certificate (CN=node-a) names node-a");
            assertThat(b.get("peer state").detail()).startsWith("node-a ACTIVE epoch");
            assertThat(b.get("sync").detail()).startsWith("in sync").contains("standby; last round applied");

            // zero-size junk on the standby: FAIL, and --fix removes it
            Path junk = junk(pair.data(AgentPair.B).resolve("junk.bin"));
            b = doctor(pair, AgentPair.B, false);
            assertThat(b.get("junk").level()).isEqualTo(Doctor.Level.FAIL);
            assertThat(b.get("junk").detail()).endsWith(": data:junk.bin");
            String out = hakit("doctor", "--fix", "--config", pair.config(AgentPair.B).toString());
            assertThat(out).contains("removed data:junk.bin").containsPattern("(?m)^junk +PASS +removed 1 zero-size");
            assertThat(junk).doesNotExist();

            // on the active such a file may be a user's: --fix leaves it
            Path empty = junk(pair.data(AgentPair.A).resolve("empty.bin"));
            Map<String, Doctor.Finding> a = doctor(pair, AgentPair.A, true);
            assertThat(a.get("junk").level()).isEqualTo(Doctor.Level.WARN);
            assertThat(a.get("junk").detail()).contains("data:empty.bin").endsWith("(--fix removed nothing: this node "
                    + "is ACTIVE)");
            assertThat(empty).exists();
            Files.delete(empty);
            Path copy = pair.data(AgentPair.B).resolve("empty.bin");
            await("the copy of empty.bin on node-b is deleted").atMost(LIMIT).until(() -> !Files.exists(copy));

            // node-b's notify script goes missing, then node-a dies: node-b takes over and its start script fails
            Files.delete(script);
            pair.process(AgentPair.A).kill();
            pair.awaitRole(AgentPair.B, "ACTIVE", LIMIT);
            pair.awaitStatus(AgentPair.B, "NOTIFY_FAILED", s -> AgentPair.hasAlarm(s, 45695), LIMIT);
            // the agent's log says why, in one line
            Path log = stateDir(pair, AgentPair.B).resolve("agent.log");
            String line = await("node-b logs the doctor's summary").atMost(LIMIT).until(() -> Files.readAllLines(log)
                    .stream().filter(l -> l.contains("doctor: ") && l.contains("notify")).findFirst().orElse(null),
                    l -> l != null);
            assertThat(line).containsPattern("doctor: \\d+ FAIL, \\d+ WARN: config: .*keepalive.notify.active's "
                    + "program cannot be run \\(the notify check says why\\) \\(also FAIL: .*notify.*\\) \\(after "
                    + "\\d+ [A-Z_]+ raised\\)");

            out = hakit("doctor", "--config", pair.config(AgentPair.B).toString());
            assertThat(out).containsPattern("(?m)^peer keepalive +FAIL +TCP connect failed: cannot connect to "
                    + "127.0.0.1:\\d+: Connection refused")
                    .containsPattern("(?m)^peer sync +FAIL +TCP connect failed")
                    .containsPattern("(?m)^peer state +FAIL +the agent hears nothing from the peer: node-a")
                    .containsPattern("(?m)^notify +FAIL +keepalive.notify.active: " + script + " does not exist")
                    .containsPattern("(?m)^sync +FAIL +no connection to the standby's sync port")
                    .containsPattern("(?m)^alarms +FAIL +.*45695 NOTIFY_FAILED \\(MAJOR\\)")
                    .contains("doctor: ");
            assertThat(lastExit).isEqualTo(2);

            // node-a's doctor: its agent is gone (killed), which its restart history shows
            a = doctor(pair, AgentPair.A, false);
            assertThat(a.get("agent").level()).isEqualTo(Doctor.Level.WARN);
            assertThat(a.get("agent").detail()).startsWith("agent not running");
            assertThat(a.get("restarts").level()).isEqualTo(Doctor.Level.WARN);
            assertThat(a.get("restarts").detail()).contains("1 ended without a clean stop (killed or crashed; last: "
                    + "the run started at ");
            assertThat(a.get("peer keepalive").level()).as(a.get("peer keepalive").toString())
                    .isEqualTo(Doctor.Level.PASS);

            // repaired: the script is back and node-a runs again
            writeScript(script);
            pair.start(AgentPair.A);
            pair.awaitStatus(AgentPair.B, "hears node-a", s -> s.getProperty("peer", "").startsWith("node-a")
                    && !s.getProperty("peer").contains("(silent)"), LIMIT);
            await("node-b's doctor passes the peer and notify checks").atMost(LIMIT).untilAsserted(() -> {
                Map<String, Doctor.Finding> now = doctor(pair, AgentPair.B, false);
                for (String check : List.of("config", "peer keepalive", "peer sync", "peer state", "notify")) {
                    assertThat(now.get(check).level()).as(now.get(check).toString()).isEqualTo(Doctor.Level.PASS);
                }
            });
        }
    }

    @Test
    void aPeerWhoseClockIsOffFailsTheClockOffsetCheckThenPasses() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            for (String n : List.of(AgentPair.A, AgentPair.B)) {
                pair.settings(n).keySet().removeIf(k -> k.startsWith("sync.")); // the keepalive alone
            }
            // node-a: a real agent, asked by the doctor through its control socket; node-b: a node in this JVM, on a
            // wall clock the test sets (its heartbeat answers carry that clock's time)
            pair.start(AgentPair.A);
            pair.awaitStatus(AgentPair.A, "running", s -> s.getProperty("role") != null, LIMIT);
            Doctor.Finding f = clockOffset(pair);
            assertThat(f.level()).isEqualTo(Doctor.Level.WARN);
            assertThat(f.detail()).startsWith("the offset to node-b is unknown: ");

            // node-b's clock 10 s ahead: FAIL, with the fix
            try (KeepaliveNode b = nodeB(pair, Duration.ofSeconds(10))) {
                f = await("node-a's doctor fails the clock offset").atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                        .until(() -> clockOffset(pair), x -> x.level() == Doctor.Level.FAIL);
                assertThat(f.detail()).matches("node-b's clock is (9\\.9\\d\\d|10\\.0\\d\\d) s ahead of this node's "
                        + "\\(± \\d+\\.\\d{3} ms, half the heartbeat's round trip\\): beyond 5 s, .*");
                assertThat(f.fix()).contains("timedatectl set-ntp true");
                // hakit status on node-a shows it too (once the agent wrote its status file again: every second)
                await("hakit status shows the offset").atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                        .until(() -> pair.hakitStatus(AgentPair.A), s -> Pattern.compile("clock offset to the peer: "
                                + "\\+(99\\d\\d|100\\d\\d)\\.\\d{3} ms ± \\d+\\.\\d{3} ms\n").matcher(s).find());
                assertThat(b.clockOffset().offset()).isNegative(); // and node-b sees node-a behind
            }
            // node-b gone: not known any more, and not taken for good
            f = await("node-a's doctor warns").atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                    .until(() -> clockOffset(pair), x -> x.level() == Doctor.Level.WARN);
            assertThat(f.detail()).isEqualTo("the offset to node-b is unknown: " + ClockOffset.NOT_CONNECTED);

            // 2 s ahead: WARN
            try (KeepaliveNode b = nodeB(pair, Duration.ofSeconds(2))) {
                f = await("node-a's doctor warns of 2 s").atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                        .until(() -> clockOffset(pair), x -> x.detail().contains(" ahead of "));
                assertThat(f.level()).as(f.toString()).isEqualTo(Doctor.Level.WARN);
                assertThat(f.detail()).contains(": not below 1 s");
            }
            // repaired: node-b's clock agrees with node-a's
            try (KeepaliveNode b = nodeB(pair, Duration.ZERO)) {
                f = await("node-a's doctor passes the clock offset").atMost(LIMIT).pollInterval(Duration.ofMillis(200))
                        .until(() -> clockOffset(pair), x -> x.level() == Doctor.Level.PASS);
                assertThat(f.detail()).endsWith(", below 1 s");
            }
        }
    }

    @Test
    void anAgentThatCannotStartFiveTimesIsARestartLoop() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            Instant now = Instant.now();
            pair.certDir(AgentPair.A, pair.issue("a-expired", AgentPair.A, now.minus(Duration.ofDays(10)),
                    now.minus(Duration.ofDays(1))));
            Path config = pair.writeConfig(AgentPair.A);
            for (int i = 0; i < 5; i++) { // as systemd restarts it
                assertThat(AgentProcess.run(dir.resolve("start-" + i + ".log"), LIMIT, "agent", "--config",
                        config.toString())).isEqualTo(1);
            }
            Doctor.Finding f = restarts(config, Clock.systemUTC());
            assertThat(f.level()).isEqualTo(Doctor.Level.FAIL);
            assertThat(f.detail()).startsWith("restart loop: 4 restarts within 300 s; 5 failed to start (last at ")
                    .contains("expired at");
            assertThat(f.fix()).contains("read the FIRST failure of the loop");
            // the loop ends when the restarts do: a day later nothing is held against the node
            f = restarts(config, Clock.fixed(Instant.now().plus(Duration.ofDays(1)).plusSeconds(60), ZoneOffset.UTC));
            assertThat(f.level()).as(f.toString()).isEqualTo(Doctor.Level.PASS);
            assertThat(f.detail()).startsWith("5 start(s) recorded");
        }
    }

    // ------------------------------------------------------------------ helpers

    private int lastExit;

    /** node-b, in this JVM, on a wall clock {@code skew} ahead of the system's. */
    private static KeepaliveNode nodeB(AgentPair pair, Duration skew) {
        return KeepaliveNode.start(KeepaliveConfig.builder().options(pair.settings(AgentPair.B))
                .clock(Clock.offset(Clock.systemUTC(), skew)).build());
    }

    /** node-a's clock offset check, its agent asked through the control socket. */
    private static Doctor.Finding clockOffset(AgentPair pair) {
        Doctor d = new Doctor(pair.config(AgentPair.A), Doctor.CONTROL_SOCKET, Clock.systemUTC(),
                Duration.ofSeconds(3));
        try {
            return d.local().stream().filter(f -> f.check().equals("clock offset")).findFirst().orElseThrow();
        } finally {
            d.close();
        }
    }

    private static Doctor.Finding restarts(Path config, Clock clock) {
        Doctor d = new Doctor(config, Doctor.CONTROL_SOCKET, clock, Duration.ofSeconds(1));
        try {
            return d.local().stream().filter(f -> f.check().equals("restarts")).findFirst().orElseThrow();
        } finally {
            d.close();
        }
    }

    private static Map<String, Doctor.Finding> doctor(AgentPair pair, String node, boolean fix) {
        Doctor d = new Doctor(pair.config(node), Doctor.CONTROL_SOCKET, Clock.systemUTC(), Duration.ofSeconds(3));
        try {
            return d.all(fix).stream().collect(Collectors.toMap(Doctor.Finding::check, f -> f, (x, y) -> x,
                    LinkedHashMap::new));
        } finally {
            d.close();
        }
    }

    private String hakit(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        lastExit = Main.run(args, out, out);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static Path stateDir(AgentPair pair, String node) {
        return Path.of(pair.settings(node).get("keepalive.state-dir"));
    }

    private static Path junk(Path file) throws Exception {
        Files.createFile(file);
        Files.setPosixFilePermissions(file, Set.of());
        return file;
    }

    private static void writeScript(Path script) throws Exception {
        Files.writeString(script, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
