package io.hakit.cli;

import io.hakit.micrometer.PrometheusText;
import io.hakit.testkit.FreePorts;
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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's HTTP endpoints ({@code agent.http.bind}) on two real {@code hakit agent} processes: readiness per
 * role and sync state, metrics that parse strictly as Prometheus text ({@link PrometheusText}) under the names of
 * docs/metrics.md and follow the pair (roles, epochs, health, heartbeats, a sync round's bytes, a failover's role
 * change and missed heartbeats), every query of docs/grafana-dashboard.json backed by what the pair serves, the
 * status JSON, read-only and unknown requests, and a port in use.
 */
class AgentHttpTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Path DASHBOARD = Path.of("../docs/grafana-dashboard.json");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void readinessMetricsAndStatusFollowThePair() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            int pa = FreePorts.loopback();
            int pb = FreePorts.loopback();
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

            PrometheusText a = metrics(pa);
            assertThat(a.value("hakit_keepalive_role", "node", "node-a", "role", "active")).isEqualTo(1);
            assertThat(a.value("hakit_keepalive_role", "node", "node-a", "role", "standby")).isZero();
            assertThat(a.value("hakit_keepalive_healthy", "node", "node-a")).isEqualTo(1);
            assertThat(a.value("hakit_sync_role", "node", "node-a", "role", "source")).isEqualTo(1);
            assertThat(a.value("hakit_sync_connected", "node", "node-a")).isEqualTo(1);
            assertThat(a.value("hakit_keepalive_epoch", "node", "node-a")).isGreaterThanOrEqualTo(1.0);
            assertThat(a.value("hakit_keepalive_role_changes_total", "node", "node-a", "role", "active"))
                    .isGreaterThanOrEqualTo(1);
            // every meter carries the node, and every alarm type has its gauge
            assertThat(a.samples()).allSatisfy(x -> assertThat(x.labels()).containsEntry("node", "node-a"));
            assertThat(a.find("hakit_alarms_active")).hasSize(io.hakit.api.alarm.AlarmType.values().length);
            double rtts = a.value("hakit_keepalive_heartbeat_rtt_seconds_count", "node", "node-a");
            assertThat(rtts).isPositive();
            assertThat(a.value("hakit_keepalive_heartbeat_rtt_seconds_sum", "node", "node-a") / rtts)
                    .isBetween(0.0, 5.0);
            assertThat(a.value("hakit_sync_bytes_total", "node", "node-a", "direction", "sent")).isPositive();
            PrometheusText b = metrics(pb);
            assertThat(b.value("hakit_keepalive_role", "node", "node-b", "role", "standby")).isEqualTo(1);
            assertThat(b.value("hakit_sync_role", "node", "node-b", "role", "sink")).isEqualTo(1);
            assertThat(b.value("hakit_sync_in_sync", "node", "node-b")).isEqualTo(1);
            assertThat(b.value("hakit_sync_rounds_total", "node", "node-b")).isGreaterThanOrEqualTo(1);
            assertThat(b.value("hakit_sync_bytes_total", "node", "node-b", "direction", "received"))
                    .isGreaterThanOrEqualTo("x=1\n".length());
            assertThat(b.value("hakit_keepalive_heartbeat_age_seconds", "node", "node-b")).isBetween(0.0, 1.0);
            // the active alarms are the status's (a start-up alarm may still be there: read both until they agree)
            await("alarms in /metrics and /status agree").atMost(LIMIT).until(() -> {
                String status = get(pa, "/status");
                double sum = metrics(pa).find("hakit_alarms_active").stream()
                        .mapToDouble(PrometheusText.Sample::value).sum();
                return status.contains("\"alarms\": \"" + (long) sum + "\"");
            });

            // the dashboard asks only for what the pair serves
            List<DashboardQueries.Query> queries = DashboardQueries.queries(Files.readString(DASHBOARD));
            assertThat(queries).hasSizeGreaterThan(10);
            assertThat(DashboardQueries.problems(queries, List.of(a, b))).isEmpty();

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

            // node-b's health check fails: FAULT, not ready, and its metrics say so (counts are compared with what
            // they were: on a loaded machine a pair may change roles more often than the scenario asks)
            double faults = b.value("hakit_keepalive_role_changes_total", "node", "node-b", "role", "fault");
            Files.delete(healthy);
            pair.awaitRole(AgentPair.B, "FAULT", LIMIT);
            await("node-b not ready").atMost(LIMIT).until(() -> get(pb, "/health/ready").startsWith("503 not ready: "
                    + "the node is not healthy"));
            PrometheusText fault = metrics(pb);
            assertThat(fault.value("hakit_keepalive_role", "node", "node-b", "role", "fault")).isEqualTo(1);
            assertThat(fault.value("hakit_keepalive_healthy", "node", "node-b")).isZero();
            assertThat(fault.value("hakit_keepalive_role_changes_total", "node", "node-b", "role", "fault"))
                    .isGreaterThanOrEqualTo(faults + 1);
            assertThat(get(pb, "/health/live")).isEqualTo("200 live\n");

            // node-a dies: node-b takes over and is ready, having missed node-a's heartbeats for the dead interval
            Files.createFile(healthy);
            pair.awaitRole(AgentPair.B, "STANDBY", LIMIT);
            PrometheusText before = metrics(pb);
            double missed = before.value("hakit_keepalive_heartbeat_missed_total", "node", "node-b");
            double promotions = before.value("hakit_keepalive_role_changes_total", "node", "node-b", "role", "active");
            pair.process(AgentPair.A).kill();
            pair.awaitRole(AgentPair.B, "ACTIVE", LIMIT);
            assertThat(get(pb, "/health/ready")).isEqualTo("200 ready\n");
            PrometheusText after = metrics(pb);
            assertThat(after.value("hakit_keepalive_role", "node", "node-b", "role", "active")).isEqualTo(1);
            assertThat(after.value("hakit_keepalive_role_changes_total", "node", "node-b", "role", "active"))
                    .isGreaterThanOrEqualTo(promotions + 1);
            assertThat(after.value("hakit_keepalive_epoch", "node", "node-b"))
                    .isGreaterThan(a.value("hakit_keepalive_epoch", "node", "node-a"));
            // a dead interval of 1 s at 100 ms heartbeats: about 8 missed before the takeover
            assertThat(after.value("hakit_keepalive_heartbeat_missed_total", "node", "node-b")).isGreaterThan(missed + 3);
            assertThat(after.value("hakit_sync_role", "node", "node-b", "role", "source")).isEqualTo(1);
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

    /** GETs /metrics and parses it strictly (Prometheus' text format 0.0.4, {@link PrometheusText}). */
    private PrometheusText metrics(int port) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(port, "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/plain; version=0.0.4"));
        return PrometheusText.parse(r.body());
    }

}
