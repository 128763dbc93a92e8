package io.hakit.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.alarm.AlarmType;
import io.hakit.keepalive.Role;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoints ({@code agent.http.bind}, off by default): {@code /metrics} in Prometheus' text format
 * (0.0.4), {@code /health/live}, {@code /health/ready} (200 for a healthy ACTIVE node, or a healthy STANDBY whose
 * files are verified in sync; 503 with the reason otherwise) and {@code /status} (the JSON of
 * {@code hakit status --json}).
 *
 * <p>{@code /metrics} is ha-micrometer's binders ({@code KeepaliveMetrics}, {@code SyncMetrics}) on a Prometheus
 * registry: the names an embedding application gets, listed in {@code docs/metrics.md}, each with the tag
 * {@code node}. The other endpoints come from the same status the status file holds, taken when the request
 * arrives.
 *
 * <p>Read-only: GET and HEAD only (405 otherwise), unknown paths 404, never a stack trace. The JDK's server with one
 * thread; a client that connects and never finishes its request is dropped after 10 s.
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
     * @param metrics the registry {@code /metrics} scrapes
     * @throws IOException naming the address and the key when it cannot listen (a port in use)
     */
    static AgentHttp start(InetSocketAddress bind, Supplier<Properties> status, PrometheusMeterRegistry metrics)
            throws IOException {
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
        server.createContext("/", exchange -> handle(exchange, status, metrics));
        server.start();
        return new AgentHttp(server, executor);
    }

    /** @return the port it listens on */
    int port() {
        return server.getAddress().getPort();
    }

    private static void handle(HttpExchange x, Supplier<Properties> status, PrometheusMeterRegistry metrics)
            throws IOException {
        try (x) {
            String method = x.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                x.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(x, 405, "text/plain", method + " is not allowed: the endpoints are read-only (GET, HEAD)\n");
                return;
            }
            String path = x.getRequestURI().getPath();
            switch (path) {
                case "/metrics" -> reply(x, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
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
