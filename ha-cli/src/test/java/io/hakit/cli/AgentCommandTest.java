package io.hakit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AgentCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final AgentCommand cmd = new AgentCommand(new PrintStream(outBytes, true, StandardCharsets.UTF_8),
            new PrintStream(errBytes, true, StandardCharsets.UTF_8));

    @Test
    void yamlAndPropertiesFlattenToTheSameKeys() throws Exception {
        Path yaml = dir.resolve("node.yaml");
        Files.writeString(yaml, String.join("\n",
                "keepalive:",
                "  node-id: node-a",
                "  priority: 150",
                "  peer:",
                "    address: 10.0.0.2:7655",
                "    node-id: node-b",
                "  arbiter: reachability",
                "  arbiter.addresses: [10.0.0.254:22, 10.0.0.253:53]",
                "high-availability:",
                "  type: zookeeper",
                ""));
        Path props = dir.resolve("node.properties");
        Files.writeString(props, String.join("\n",
                "keepalive.node-id=node-a",
                "keepalive.priority=150",
                "keepalive.peer.address=10.0.0.2:7655",
                "keepalive.peer.node-id=node-b",
                "keepalive.arbiter=reachability",
                "keepalive.arbiter.addresses=10.0.0.254:22,10.0.0.253:53",
                "high-availability.type=zookeeper",
                ""));
        Map<String, String> a = AgentCommand.load(yaml);
        assertThat(a).isEqualTo(AgentCommand.load(props));
        assertThat(a).containsEntry("keepalive.peer.address", "10.0.0.2:7655");
    }

    @Test
    void statusShowsTheAgentsViewAndAStaleFileFails() throws Exception {
        Path status = dir.resolve("status.properties");
        Files.writeString(status, String.join("\n",
                "updated=" + Instant.now(),
                "node=node-a", "role=ACTIVE", "epoch=4", "healthy=true", "peer=node-b STANDBY epoch 3 priority 100",
                "last-heartbeat-ms=12", "rtt-ms=0.250", "connections=2", "arbiter=none", "alarms=1",
                "clock-offset=+3000.412 ms ± 0.125 ms", "clock-offset-ms=3000.412",
                "clock-offset-uncertainty-ms=0.125",
                "alarm.0.id=45654", "alarm.0.type=CERT_EXPIRING", "alarm.0.severity=MINOR",
                "alarm.0.source=/etc/hakit/cert", "alarm.0.detail=expires in 12 days", "alarm.0.since=" + Instant.now(),
                "sync.role=source", "sync.connected=true", "sync.last-success=2026-11-22T04:00:00Z", "sync.lag-ms=0",
                "sync.pending-files=3", "sync.pending-bytes=12288", "sync.rounds=42", "sync.last-error=",
                "sync.conflicts=0", ""));
        assertThat(cmd.status(List.of("--status-file", status.toString()))).isZero();
        String out = outBytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("node-a", "ACTIVE", "node-b STANDBY", "45654 CERT_EXPIRING", "expires in 12 days");
        assertThat(out).contains("\nclock offset to the peer: +3000.412 ms ± 0.125 ms\n");
        assertThat(out).contains("source", "2026-11-22T04:00:00Z", "3 files, 12288 B", "42");

        Files.writeString(status, Files.readString(status).replaceFirst("updated=[^\n]*", "updated=2020-01-01T00:00:00Z"));
        outBytes.reset();
        assertThat(cmd.status(List.of("--status-file", status.toString()))).isEqualTo(1);
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).startsWith("DOWN: node-a is not running")
                .contains("its last known role was ACTIVE").doesNotContain("ACTIVE   ");
        assertThat(cmd.status(List.of("--status-file", dir.resolve("missing").toString()))).isEqualTo(1);
        assertThat(cmd.status(List.of("--bogus"))).isEqualTo(2);
    }

    @Test
    void statusShowsWhyTlsHandshakesWithThePeerFail() throws Exception {
        Path status = dir.resolve("status.properties");
        for (String problem : new String[] {"", "unknown CA: the peer's certificate (CN=node-b) is not signed by our "
                + "CA (CN=pair CA) but by CN=other CA"}) {
            Files.writeString(status, String.join("\n", "updated=" + Instant.now(), "node=node-a", "role=STANDBY",
                    "epoch=0", "healthy=true", "peer=never heard", "last-heartbeat-ms=-1", "rtt-ms=-1.000",
                    "connections=0", "arbiter=none", "tls-problem=" + problem, "alarms=0", ""));
            outBytes.reset();
            assertThat(cmd.status(List.of("--status-file", status.toString()))).isZero();
            String out = outBytes.toString(StandardCharsets.UTF_8);
            if (problem.isEmpty()) {
                assertThat(out).doesNotContain("TLS");
            } else {
                assertThat(out).contains("TLS handshake with the peer fails: " + problem + "\n");
            }
        }
    }

    @Test
    void aBadSyncKeyStopsTheAgentBeforeAnythingStarts() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path props = dir.resolve("node.properties");
        Files.writeString(props, String.join("\n",
                "keepalive.cluster-id=c1",
                "keepalive.node-id=node-a",
                "keepalive.bind=127.0.0.1:0",
                "keepalive.peer.address=127.0.0.1:1",
                "keepalive.peer.node-id=node-b",
                "keepalive.tls.insecure=true",
                "keepalive.state-dir=" + dir.resolve("state"),
                "keepalive.arbiter=none",
                "sync.bind=127.0.0.1:0",
                "sync.peer.address=127.0.0.1:2",
                "sync.root.data=" + data,
                "sync.perod=10 s",
                ""));
        assertThat(cmd.agent(List.of("--config", props.toString()))).isEqualTo(1);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("unknown key sync.perod");
        assertThat(dir.resolve("state")).doesNotExist();
    }
}
