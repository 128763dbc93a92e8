package io.hakit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Unauthenticated connections flooding both ports of a running {@code hakit agent} (the keepalive port and the sync
 * port) do not exhaust it: the pair keeps its roles and heartbeats, a file still reaches the standby, the status file
 * is still written, and the agent's open descriptors stay bounded.
 */
class AgentFloodTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int PER_PORT = 1500;

    @TempDir
    Path dir;

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static long openDescriptors(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return s.count();
        }
    }

    @Test
    void aFloodOfSilentConnectionsLeavesThePairWorking() throws Exception {
        List<Socket> flood = new ArrayList<>();
        try (AgentPair pair = new AgentPair(dir)) {
            Path a = pair.data(AgentPair.A);
            Path b = pair.data(AgentPair.B);
            pair.start(AgentPair.A);
            AgentProcess standby = pair.start(AgentPair.B);
            pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT);
            pair.awaitRole(AgentPair.B, "STANDBY", LIMIT);
            Files.writeString(a.resolve("before.txt"), "before");
            await().atMost(LIMIT).until(() -> Files.exists(b.resolve("before.txt")));
            long before = openDescriptors(standby.pid());

            for (String key : List.of("keepalive.bind", "sync.bind")) {
                int port = port(pair.settings(AgentPair.B).get(key));
                for (int i = 0; i < PER_PORT; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                    } catch (IOException refused) {
                        s.close();
                        continue; // the backlog is full for a moment: that is part of a flood
                    }
                    flood.add(s);
                }
            }
            assertThat(openDescriptors(standby.pid())).as("descriptors of the flooded agent (%d before)", before)
                    .isLessThan(before + 2 * 64 + 50);

            Files.writeString(a.resolve("during.txt"), "during the flood");
            await().atMost(LIMIT).until(() -> Files.exists(b.resolve("during.txt")));
            Properties sa = pair.status(AgentPair.A);
            Properties sb = pair.status(AgentPair.B);
            assertThat(sa.getProperty("role")).isEqualTo("ACTIVE");
            assertThat(sb.getProperty("role")).isEqualTo("STANDBY");
            assertThat(Duration.between(Instant.parse(sb.getProperty("updated")), Instant.now()))
                    .as("the standby's status file is still written").isLessThan(Duration.ofSeconds(3));
            assertThat(Long.parseLong(sb.getProperty("last-heartbeat-ms"))).as("heartbeats still arrive")
                    .isLessThan(1000);
            assertThat(standby.output()).doesNotContain("Too many open files");
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
    }
}
