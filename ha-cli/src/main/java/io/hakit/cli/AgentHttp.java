package io.hakit.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.hakit.api.alarm.AlarmType;
import io.hakit.keepalive.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoints ({@code agent.http.bind}, off by default): {@code /metrics} in Prometheus' text format,
 * {@code /health/live}, {@code /health/ready} (200 for a healthy ACTIVE node, or a healthy STANDBY whose files are
 * verified in sync; 503 with the reason otherwise) and {@code /status} (the JSON of {@code hakit status --json}).
 *
 * <p>Read-only: GET and HEAD only (405 otherwise), unknown paths 404, never a stack trace. The JDK's server with one
 * thread; a client that connects and never finishes its request is dropped after 10 s. Every figure comes from the
 * same status the status file holds, taken when the request arrives.
 */
final class AgentHttp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AgentHttp.class);

    static {
        // bounds of the JDK's server, unless the operator set them (HAKIT_OPTS): a request must arrive within 10 s,
        // a response be taken within 30 s, an idle connection closes after 30 s
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "10"));
        System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "30"));
        System.setProperty("sun.net.httpserver.idleInterval",
                System.getProperty("sun.net.httpserver.idleInterval", "30"));
        System.setProperty("sun.net.httpserver.maxReqHeaders",
                System.getProperty("sun.net.httpserver.maxReqHeaders", "50"));
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private AgentHttp(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Serves the endpoints on {@code bind}.
     *
     * @param status the agent's status, taken per request
     * @throws IOException naming the address and the key when it cannot listen (a port in use)
     */
    static AgentHttp start(InetSocketAddress bind, Supplier<Properties> status) throws IOException {
        InetSocketAddress at = new InetSocketAddress(bind.getHostString(), bind.getPort());
        HttpServer server;
        try {
            server = HttpServer.create(at, 16);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + bind.getHostString() + ":" + bind.getPort() + " ("
                    + AgentConfig.HTTP_BIND + "): " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hakit-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, status));
        server.start();
        return new AgentHttp(server, executor);
    }

    /** @return the port it listens on */
    int port() {
        return server.getAddress().getPort();
    }

    private static void handle(HttpExchange x, Supplier<Properties> status) throws IOException {
        try (x) {
            String method = x.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                x.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(x, 405, "text/plain", method + " is not allowed: the endpoints are read-only (GET, HEAD)\n");
                return;
            }
            String path = x.getRequestURI().getPath();
            switch (path) {
                case "/metrics" -> reply(x, 200, "text/plain; version=0.0.4; charset=utf-8", metrics(status.get()));
                case "/health/live" -> reply(x, 200, "text/plain", "live\n");
                case "/health/ready" -> {
                    String why = notReady(status.get());
                    reply(x, why == null ? 200 : 503, "text/plain", why == null ? "ready\n" : "not ready: " + why
                            + "\n");
                }
                case "/status" -> reply(x, 200, "application/json", StatusJson.of(status.get(), null) + "\n");
                default -> reply(x, 404, "text/plain", "no endpoint " + path
                        + "; there are /metrics, /health/live, /health/ready, /status\n");
            }
        } catch (RuntimeException e) {
            LOG.warn("HTTP {} {} failed: {}", x.getRequestMethod(), x.getRequestURI(), e.toString());
            try {
                reply(x, 500, "text/plain", "internal error: " + e.getClass().getSimpleName() + "\n");
            } catch (IOException | RuntimeException ignored) {
                // the response had started: the connection closes
            }
        }
    }

    private static void reply(HttpExchange x, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Why the node should not take traffic now, or null when it should. */
    static String notReady(Properties s) {
        String role = s.getProperty("role", "STOPPED");
        if (!Boolean.parseBoolean(s.getProperty("healthy", "false"))) {
            return "the node is not healthy (role " + role + ")";
        }
        if (role.equals(Role.ACTIVE.name())) {
            return null;
        }
        if (!role.equals(Role.STANDBY.name())) {
            return "the node is " + role;
        }
        if (s.getProperty("sync.role") != null && !Boolean.parseBoolean(s.getProperty("sync.in-sync"))) {
            return "a standby whose files are not verified in sync: " + s.getProperty("sync.state", "-");
        }
        return null;
    }

    /** The status as Prometheus' text exposition format (version 0.0.4). */
    static String metrics(Properties s) {
        StringBuilder b = new StringBuilder();
        String node = "node=\"" + label(s.getProperty("node", "-")) + "\"";
        String role = s.getProperty("role", "STOPPED");
        family(b, "hakit_keepalive_role", "gauge", "1 for the role the node is in, 0 for the others");
        for (Role r : Role.values()) {
            b.append("hakit_keepalive_role{").append(node).append(",role=\"").append(r.name()).append("\"} ")
                    .append(r.name().equals(role) ? 1 : 0).append('\n');
        }
        gauge(b, "hakit_keepalive_epoch", "the node's epoch (raised by every promotion)", node,
                s.getProperty("epoch"), 1);
        gauge(b, "hakit_keepalive_healthy", "1 when the node's health checks pass", node,
                Boolean.parseBoolean(s.getProperty("healthy")) ? "1" : "0", 1);
        gauge(b, "hakit_keepalive_heartbeat_age_seconds", "time since the peer's last heartbeat", node,
                s.getProperty("last-heartbeat-ms"), 1e-3);
        gauge(b, "hakit_keepalive_heartbeat_rtt_seconds", "round-trip time of the heartbeats", node,
                s.getProperty("rtt-ms"), 1e-3);
        gauge(b, "hakit_keepalive_connections", "open connections with the peer", node,
                s.getProperty("connections"), 1);
        int alarms = parse(s.getProperty("alarms"), 0);
        gauge(b, "hakit_alarms_active", "alarms raised and not cleared", node, Integer.toString(alarms), 1);
        family(b, "hakit_alarm_active", "gauge", "1 for each active alarm, by its id, type, severity and source");
        for (int i = 0; i < alarms; i++) {
            b.append("hakit_alarm_active{").append(node)
                    .append(",id=\"").append(label(s.getProperty("alarm." + i + ".id", "")))
                    .append("\",type=\"").append(label(s.getProperty("alarm." + i + ".type", "")))
                    .append("\",severity=\"").append(label(s.getProperty("alarm." + i + ".severity", "")))
                    .append("\",source=\"").append(label(s.getProperty("alarm." + i + ".source", "")))
                    .append("\"} 1\n");
        }
        if (s.getProperty("sync.role") != null) {
            String sync = node + ",sync_role=\"" + label(s.getProperty("sync.role")) + "\"";
            gauge(b, "hakit_sync_connected", "1 while the synchronizer's connection is up", sync,
                    bool(s.getProperty("sync.connected")), 1);
            gauge(b, "hakit_sync_in_sync", "1 once a verifying full round found both sides equal", sync,
                    bool(s.getProperty("sync.in-sync")), 1);
            gauge(b, "hakit_sync_lag_seconds", "time since the source's last clean round while not in sync", sync,
                    s.getProperty("sync.lag-ms"), 1e-3);
            gauge(b, "hakit_sync_pending_files", "files the last round could not complete", sync,
                    s.getProperty("sync.pending-files"), 1);
            gauge(b, "hakit_sync_pending_bytes", "bytes of those files", sync, s.getProperty("sync.pending-bytes"),
                    1);
            family(b, "hakit_sync_rounds_total", "counter", "sync rounds applied since the agent started");
            b.append("hakit_sync_rounds_total{").append(sync).append("} ")
                    .append(parseLong(s.getProperty("sync.rounds"))).append('\n');
            gauge(b, "hakit_sync_conflicts", "conflict copies to resolve (SYNC_CONFLICT, "
                    + AlarmType.SYNC_CONFLICT.id() + ")", sync, s.getProperty("sync.conflicts"), 1);
            gauge(b, "hakit_sync_unwatched_directories", "directories beyond the inotify limit", sync,
                    s.getProperty("sync.unwatched-directories"), 1);
        }
        return b.toString();
    }

    private static void family(StringBuilder b, String name, String type, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A gauge's family and its one sample; no sample when the value is unknown (missing or negative). */
    private static void gauge(StringBuilder b, String name, String help, String labels, String value, double scale) {
        family(b, name, "gauge", help);
        if (value == null) {
            return;
        }
        double v;
        try {
            v = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            return;
        }
        if (v < 0) {
            return;
        }
        double scaled = v * scale;
        String text = scaled == Math.rint(scaled) && Math.abs(scaled) < 1e15 ? Long.toString((long) scaled)
                : String.format(Locale.ROOT, "%.6f", scaled);
        b.append(name).append('{').append(labels).append("} ").append(text).append('\n');
    }

    private static String bool(String v) {
        return Boolean.parseBoolean(v) ? "1" : "0";
    }

    private static int parse(String v, int otherwise) {
        try {
            return v == null ? otherwise : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    private static long parseLong(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A label value with Prometheus' escapes (backslash, double quote, newline). */
    private static String label(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
