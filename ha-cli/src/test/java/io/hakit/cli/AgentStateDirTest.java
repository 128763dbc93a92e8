package io.hakit.cli;

import io.hakit.testkit.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One agent per state directory, with real {@code hakit agent} processes: a second agent on the first one's state
 * directory (same node id, other ports; a copied configuration, a second service unit) exits 1 naming the first one's
 * PID, before it binds a port or touches the state, and the first runs on undisturbed.
 */
class AgentStateDirTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aSecondAgentOnTheSameStateDirectoryExitsOneNamingTheFirstsPid() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            AgentProcess first = pair.start(AgentPair.A);
            pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT); // alone: active after a dead interval
            Properties before = pair.status(AgentPair.A);
            Path epoch = Path.of(pair.settings(AgentPair.A).get("keepalive.state-dir")).resolve("epoch");
            String epochBefore = Files.readString(epoch);

            String firstBind = pair.settings(AgentPair.A).get("keepalive.bind");
            int[] ports = FreePorts.loopback(2);
            pair.settings(AgentPair.A).put("keepalive.bind", "127.0.0.1:" + ports[0]);
            pair.settings(AgentPair.A).put("sync.bind", "127.0.0.1:" + ports[1]);
            Path log = dir.resolve("second.log");
            int code = AgentProcess.run(log, LIMIT, "agent", "--config", pair.writeConfig(AgentPair.A).toString());
            String out = Files.readString(log);
            assertThat(code).as(out).isEqualTo(1);
            assertThat(out).contains("hakit agent: cannot start: the state directory ")
                    .contains(" is in use: process " + first.pid() + " holds ")
                    .contains("node.lock (pid=" + first.pid() + " holder=node-a, bind " + firstBind + " since=")
                    .contains("one node per state directory");
            assertThat(out).as("it started nothing").doesNotContain("file synchronizer", "started", "STANDBY");

            // the first runs on as it was: same role and epoch, its status still written, its epoch file untouched
            Instant after = Instant.parse(before.getProperty("updated")).plusSeconds(1);
            await().atMost(LIMIT).until(() -> Instant.parse(pair.status(AgentPair.A).getProperty("updated"))
                    .isAfter(after));
            Properties now = pair.status(AgentPair.A);
            assertThat(now.getProperty("role")).isEqualTo("ACTIVE");
            assertThat(now.getProperty("epoch")).isEqualTo(before.getProperty("epoch"));
            assertThat(Files.readString(epoch)).isEqualTo(epochBefore);
            assertThat(first.isAlive()).isTrue();
        }
    }
}
