package io.hakit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's HTTP endpoints ({@code agent.http.bind}) on two real {@code hakit agent} processes: readiness per
 * role and sync state, metrics that parse as Prometheus text and follow the pair, the status JSON, read-only and
 * unknown requests, and a port in use.
 */
class AgentHttpTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** One sample line of Prometheus' text format 0.0.4: name, optional labels, a value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? "
                    + "(-?[0-9.eE+-]+|NaN|[+-]Inf)");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void readinessMetricsAndStatusFollowThePair() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            int pa = freePort();
            int pb = freePort();
            Path healthy = Files.createFile(dir.resolve("b-healthy"));
            pair.settings(AgentPair.A).put("agent.http.bind", "127.0.0.1:" + pa);
            pair.settings(AgentPair.B).put("agent.http.bind", Integer.toString(pb)); // a port alone: loopback
            pair.settings(AgentPair.B).put("keepalive.health.script", "/usr/bin/test -e " + healthy);
            pair.settings(AgentPair.B).put("keepalive.health.fall", "1");
            pair.settings(AgentPair.B).put("keepalive.health.rise", "1");
            Files.writeString(pair.data(AgentPair.A).resolve("app.conf"), "x=1\n");
            pair.start(AgentPair.A);
            pair.start(AgentPair.B);
            pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT);
            pair.awaitRole(AgentPair.B, "STANDBY", LIMIT);
            assertThat(pair.process(AgentPair.A).output()).contains("/metrics, /health/live, /health/ready and "
                    + "/status on port " + pa);

            assertThat(get(pa, "/health/ready")).isEqualTo("200 ready\n");
            assertThat(get(pa, "/health/live")).isEqualTo("200 live\n");
            // the standby is ready once a verifying round found its files equal to the active's
            await("node-b ready").atMost(LIMIT).until(() -> get(pb, "/health/ready").equals("200 ready\n"));

            Map<String, Double> a = metrics(pa);
            assertThat(a).containsEntry("hakit_keepalive_role{node=\"node-a\",role=\"ACTIVE\"}", 1.0)
                    .containsEntry("hakit_keepalive_role{node=\"node-a\",role=\"STANDBY\"}", 0.0)
                    .containsEntry("hakit_keepalive_healthy{node=\"node-a\"}", 1.0)
                    .containsEntry("hakit_sync_connected{node=\"node-a\",sync_role=\"source\"}", 1.0);
            assertThat(a.get("hakit_keepalive_epoch{node=\"node-a\"}")).isGreaterThanOrEqualTo(1.0);
            // the count of active alarms is the number of alarm samples (a start-up alarm may still be there)
            assertThat(a.get("hakit_alarms_active{node=\"node-a\"}")).isEqualTo((double) a.keySet().stream()
                    .filter(k -> k.startsWith("hakit_alarm_active{")).count());
            assertThat(a.get("hakit_keepalive_heartbeat_rtt_seconds{node=\"node-a\"}")).isBetween(0.0, 5.0);
            Map<String, Double> b = metrics(pb);
            assertThat(b).containsEntry("hakit_keepalive_role{node=\"node-b\",role=\"STANDBY\"}", 1.0)
                    .containsEntry("hakit_sync_in_sync{node=\"node-b\",sync_role=\"sink\"}", 1.0);
            assertThat(b.get("hakit_sync_rounds_total{node=\"node-b\",sync_role=\"sink\"}")).isGreaterThanOrEqualTo(1);

            String status = get(pb, "/status");
            assertThat(status).startsWith("200 {\"state\": \"UP\"").contains("\"node\": \"node-b\"")
                    .contains("\"role\": \"STANDBY\"").contains("\"sync.in-sync\": \"true\"");

            // read-only, and a wrong path is named
            HttpResponse<String> post = client.send(HttpRequest.newBuilder(uri(pa, "/status"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(get(pa, "/nope")).startsWith("404 no endpoint /nope; there are /metrics");
            HttpResponse<Void> head = client.send(HttpRequest.newBuilder(uri(pa, "/metrics"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(head.statusCode()).isEqualTo(200);

            // node-b's health check fails: FAULT, not ready, and its metrics say so
            Files.delete(healthy);
            pair.awaitRole(AgentPair.B, "FAULT", LIMIT);
            await("node-b not ready").atMost(LIMIT).until(() -> get(pb, "/health/ready").startsWith("503 not ready: "
                    + "the node is not healthy"));
            assertThat(metrics(pb)).containsEntry("hakit_keepalive_role{node=\"node-b\",role=\"FAULT\"}", 1.0)
                    .containsEntry("hakit_keepalive_healthy{node=\"node-b\"}", 0.0);
            assertThat(get(pb, "/health/live")).isEqualTo("200 live\n");

            // node-a dies: node-b takes over and is ready
            Files.createFile(healthy);
            pair.awaitRole(AgentPair.B, "STANDBY", LIMIT);
            pair.process(AgentPair.A).kill();
            pair.awaitRole(AgentPair.B, "ACTIVE", LIMIT);
            assertThat(get(pb, "/health/ready")).isEqualTo("200 ready\n");
        }
    }

    @Test
    void aPortInUseStopsTheAgentNamingThePortAndTheKey() throws Exception {
        try (AgentPair pair = new AgentPair(dir);
             ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            pair.settings(AgentPair.A).put("agent.http.bind", "127.0.0.1:" + taken.getLocalPort());
            AgentProcess a = pair.start(AgentPair.A);
            assertThat(a.awaitExit(LIMIT)).isEqualTo(1);
            assertThat(a.output()).contains("hakit agent: cannot start: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + " (agent.http.bind)");
            assertThat(a.output()).doesNotContain("\tat ");
            // a bad value is refused by config check with its line
            pair.settings(AgentPair.B).put("agent.http.bind", "localhost:http");
            Path config = pair.writeConfig(AgentPair.B);
            assertThat(AgentProcess.run(dir.resolve("check.log"), LIMIT, "config", "check", config.toString()))
                    .isEqualTo(1);
            assertThat(Files.readString(dir.resolve("check.log"))).contains("agent.http.bind must be PORT or "
                    + "HOST:PORT");
        }
    }

    private URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** "CODE BODY" of a GET. */
    private String get(int port, String path) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /** Parses /metrics strictly: every line a comment or a sample, every sample's family with a TYPE line. */
    private Map<String, Double> metrics(int port) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(port, "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/plain; version=0.0.4"));
        Map<String, Double> samples = new HashMap<>();
        Set<String> typed = new HashSet<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("# TYPE ")) {
                typed.add(line.split(" ")[2]);
                continue;
            }
            if (line.startsWith("# HELP ")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a Prometheus sample line: %s", line).isTrue();
            assertThat(typed).as("TYPE before %s", line).contains(m.group(1));
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
