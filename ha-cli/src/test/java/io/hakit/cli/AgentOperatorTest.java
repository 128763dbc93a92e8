package io.hakit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's actions with two real {@code hakit agent} processes: a failing notify script is an alarm (45695);
 * {@code hakit switchover} hands over cleanly and the preferred node does not take the role straight back;
 * {@code hakit maintenance on} keeps a node from ever taking the active role (even when its peer dies) until
 * {@code off}; {@code hakit status} shows a killed node as DOWN with exit 1.
 */
class AgentOperatorTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void notifyFailureSwitchoverMaintenanceAndADeadNodesStatus() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            pair.settings(AgentPair.A).put("keepalive.notify.active", "/bin/false");
            Files.writeString(pair.data(AgentPair.A).resolve("app.conf"), "x=1\n");
            pair.start(AgentPair.A);
            pair.start(AgentPair.B);
            pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT);
            pair.awaitRole(AgentPair.B, "STANDBY", LIMIT);

            // the start script of the service failed: an alarm names it (the role is kept)
            pair.awaitStatus(AgentPair.A, "NOTIFY_FAILED", s -> AgentPair.hasAlarm(s, 45695), LIMIT);
            assertThat(hakit("status-a", "status", "--config", config(pair, AgentPair.A))).isZero();
            assertThat(log("status-a")).contains("45695 NOTIFY_FAILED").contains("notify.active [/bin/false]")
                    .contains("exited with 1");

            // a clean switchover to node-b; node-a (priority 150, preempt) does not take the role straight back
            assertThat(hakit("switchover", "switchover", "--config", config(pair, AgentPair.A))).as(log("switchover"))
                    .isZero();
            assertThat(log("switchover")).contains("the standby holds this node's files").contains("done: node-b ACTIVE");
            pair.awaitRole(AgentPair.B, "ACTIVE", LIMIT);
            pair.awaitRole(AgentPair.A, "STANDBY", LIMIT);
            pair.awaitStatus(AgentPair.A, "preempt suspended", s -> s.getProperty("operator", "")
                    .contains("preempt suspended"), LIMIT);
            Instant until = Instant.now().plusSeconds(3); // three dead intervals
            while (Instant.now().isBefore(until)) {
                assertThat(pair.status(AgentPair.B).getProperty("role")).isEqualTo("ACTIVE");
                Thread.sleep(100);
            }
            assertThat(hakit("switchover-standby", "switchover", "--config", config(pair, AgentPair.A)))
                    .isEqualTo(1);
            assertThat(log("switchover-standby")).contains("run 'hakit switchover' on the active node");

            // maintenance on the active node-b: it hands over and never takes the role, even when node-a dies
            assertThat(hakit("maint-on", "maintenance", "on", "--config", config(pair, AgentPair.B))).isZero();
            pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT);
            pair.awaitStatus(AgentPair.B, "maintenance", s -> "STANDBY".equals(s.getProperty("role"))
                    && s.getProperty("operator", "").contains("maintenance"), LIMIT);
            pair.process(AgentPair.A).kill();
            Instant watch = Instant.now().plusSeconds(3);
            while (Instant.now().isBefore(watch)) {
                assertThat(pair.status(AgentPair.B).getProperty("role")).as("in maintenance").isEqualTo("STANDBY");
                Thread.sleep(100);
            }
            // the killed node's status is DOWN, not its last role
            assertThat(hakit("status-dead", "status", "--config", config(pair, AgentPair.A))).isEqualTo(1);
            assertThat(log("status-dead")).contains("DOWN: node-a is not running").contains("last known role was "
                    + "ACTIVE");
            // maintenance off: the lone node takes over
            assertThat(hakit("maint-off", "maintenance", "off", "--config", config(pair, AgentPair.B))).isZero();
            pair.awaitRole(AgentPair.B, "ACTIVE", LIMIT);
            // the agent's log: a file in its state directory, every line with a date and time, what it did
            Path log = Path.of(pair.settings(AgentPair.B).get("keepalive.state-dir")).resolve("agent.log");
            String text = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(text).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}.* INFO ")
                    .contains("control: maintenance on").contains("maintenance off");
        }
    }

    private static String config(AgentPair pair, String node) {
        return pair.config(node).toString();
    }

    private int hakit(String name, String... args) throws Exception {
        return AgentProcess.run(dir.resolve(name + ".log"), LIMIT, args);
    }

    private String log(String name) throws Exception {
        return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
    }
}
