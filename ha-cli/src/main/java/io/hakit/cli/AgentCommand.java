package io.hakit.cli;

import io.hakit.api.InvalidConfigException;
import io.hakit.keepalive.KeepaliveAgent;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.micrometer.KeepaliveMetrics;
import io.hakit.micrometer.SyncMetrics;
import io.hakit.sync.FileSync;
import io.hakit.sync.SyncConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * {@code hakit agent --config FILE}: runs a keepalive node until SIGTERM/SIGINT; {@code hakit status --config FILE}
 * shows what the agent last wrote to its status file. FILE is YAML (nested keys are joined with dots, so
 * {@code keepalive: {node-id: a}} is {@code keepalive.node-id=a}) or Java properties.
 */
final class AgentCommand {

    static final String USAGE = String.join("\n",
            "usage: hakit agent --config FILE",
            "       hakit status --config FILE | --status-file FILE [--max-age SECONDS] [--json]",
            "",
            "agent   runs a keepalive node from FILE (YAML or .properties) until SIGTERM/SIGINT, then stops it",
            "        cleanly (the peer takes over at once). Keys: keepalive.* (node-id, priority, bind,",
            "        peer.address, peer.node-id, tls.cert-dir, state-dir, arbiter, vip, notify.*, ...), and",
            "        high-availability.* for a lease arbiter; sync.* (root.<name>, period, exclude, ...) also runs",
            "        the file synchronizer (then 'hakit sync verify|conflicts' work on it). See the Javadoc of",
            "        KeepaliveConfig, KeepaliveAgent and SyncConfig.",
            "        Exits 1 at once if another agent holds the state directory (naming its PID) or if this node's",
            "        own certificate is expired, not yet valid, not issued by its ca.crt or names another node.",
            "status  prints role, epoch, peer, heartbeat, the peer's clock offset (its clock minus this node's,",
            "        measured by the heartbeats), why TLS handshakes with the peer fail (if they do), operator",
            "        actions (maintenance, switchover), sync and alarms; --json prints it as one JSON",
            "        object. A node whose agent is not running (its status older than --max-age, default 5",
            "        seconds, or no process holding its state directory) is shown as DOWN, not by its last",
            "        role, and the exit code is 1; a missing status file is 1 too.",
            "");

    private final PrintStream out;
    private final PrintStream err;

    AgentCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /**
     * Reads a YAML or properties file into flat keys, strictly ({@link ConfigFile}).
     *
     * @throws InvalidConfigException naming the file, the line and the problem
     */
    static Map<String, String> load(Path file) {
        return ConfigFile.read(file).values();
    }

    int agent(List<String> args) {
        if (args.size() == 1 && (args.get(0).equals("--help") || args.get(0).equals("-h"))) {
            out.print(USAGE);
            return 0;
        }
        Path config = configArg(args);
        if (config == null) {
            return 2;
        }
        ConfigFile file;
        try {
            file = ConfigFile.read(config);
        } catch (InvalidConfigException e) {
            err.println("hakit agent: " + e.getMessage());
            return 1;
        }
        KeepaliveAgent agent;
        FileSync sync = null;
        ControlServer control = null;
        AgentHttp http = null;
        DoctorOnAlarm doctor = null;
        Path state = null;
        try {
            Map<String, String> settings = file.values();
            // validate every key before anything starts (nothing is created for a bad file)
            SyncConfig syncConfig = SyncConfig.wanted(settings) ? SyncConfig.fromMap(settings) : null;
            KeepaliveAgent.validate(settings);
            AgentConfig agentConfig = AgentConfig.fromMap(settings);
            java.net.InetSocketAddress httpBind = agentConfig.httpBind().orElse(null);
            state = KeepaliveConfig.fromMap(settings).stateDir();
            java.nio.file.Files.createDirectories(state);
            CliLogging.agent(agentConfig, state);
            StartHistory.started(state); // hakit doctor's restart history
            agent = KeepaliveAgent.create(settings);
            try {
                if (syncConfig != null) {
                    // before the node starts: the synchronizer's preemption gate and role listener are in force
                    // from its first instant (a returning node must not take the active role before it holds the
                    // active's files); its port is bound before the node announces itself to its peer
                    sync = FileSync.follow(syncConfig, agent.node());
                    FileSync s = sync;
                    agent.addStatus(() -> s.status().toProperties());
                }
                control = ControlServer.start(agent.node().config().stateDir(), new AgentControl(agent, sync));
                doctor = DoctorOnAlarm.watch(config, agent); // a raised alarm logs the local checks' findings
                if (httpBind != null) {
                    // the meters bound before the node starts count its first role change too; the port is bound
                    // before it starts: a port in use stops the agent before it contacts its peer
                    http = AgentHttp.start(httpBind, agent::statusProperties, metrics(agent, sync));
                }
                agent.start();
            } catch (RuntimeException | IOException e) {
                if (doctor != null) {
                    doctor.close();
                }
                if (http != null) {
                    http.close();
                }
                if (control != null) {
                    control.close();
                }
                if (sync != null) {
                    sync.close();
                }
                agent.close();
                throw e;
            }
        } catch (InvalidConfigException e) {
            err.println("hakit agent: " + file.explain(e));
            if (state != null) {
                StartHistory.failed(state, file.explain(e));
            }
            return 1;
        } catch (IOException | RuntimeException e) {
            String why = e instanceof java.io.UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
            err.println("hakit agent: cannot start: " + (e instanceof java.io.UncheckedIOException ? e.getMessage()
                    : why));
            if (state != null) {
                StartHistory.failed(state, "cannot start: " + e.getMessage());
            }
            return 1;
        }
        out.println("hakit agent: " + agent.node().config() + "; status in " + agent.statusFile());
        if (sync != null) {
            out.println("hakit agent: file synchronizer on port " + sync.port() + " for " + sync.config().roots());
        }
        if (http != null) {
            out.println("hakit agent: /metrics, /health/live, /health/ready and /status on port " + http.port());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        FileSync syncToClose = sync;
        ControlServer controlToClose = control;
        AgentHttp httpToClose = http;
        DoctorOnAlarm doctorToClose = doctor;
        Path stateDir = state;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            doctorToClose.close();
            if (httpToClose != null) {
                httpToClose.close();
            }
            if (controlToClose != null) {
                controlToClose.close();
            }
            if (syncToClose != null) {
                syncToClose.close();
            }
            agent.close();
            StartHistory.stopped(stateDir);
            stopped.countDown();
        }, "hakit-agent-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The agent's meters (ha-micrometer's binders, tagged with the node id) on a Prometheus registry. */
    static PrometheusMeterRegistry metrics(KeepaliveAgent agent, FileSync sync) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", agent.node().config().nodeId());
        new KeepaliveMetrics(agent.node()).bindTo(registry);
        if (sync != null) {
            new SyncMetrics(sync).bindTo(registry);
        }
        return registry;
    }

    int status(List<String> args) {
        Path statusFile = null;
        Path stateDir = null;
        long maxAge = 5;
        boolean json = false;
        try {
            for (int i = 0; i < args.size(); i++) {
                switch (args.get(i)) {
                    case "--help":
                    case "-h":
                        out.print(USAGE);
                        return 0;
                    case "--config": {
                        Path configFile = Paths.get(args.get(++i));
                        ConfigFile c = ConfigFile.read(configFile);
                        KeepaliveConfig node;
                        try {
                            node = KeepaliveConfig.fromMap(c.values());
                        } catch (InvalidConfigException e) {
                            throw new InvalidConfigException(c.explain(e), e.fields().toArray(new String[0]));
                        }
                        stateDir = node.stateDir();
                        statusFile = node.statusFile();
                        break;
                    }
                    case "--status-file":
                        statusFile = Paths.get(args.get(++i));
                        break;
                    case "--max-age":
                        maxAge = Long.parseLong(args.get(++i));
                        break;
                    case "--json":
                        json = true;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option '" + args.get(i) + "'");
                }
            }
        } catch (InvalidConfigException e) {
            err.println("hakit status: " + e.getMessage());
            return 1;
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            err.println("hakit status: " + (e.getMessage() == null ? "an option needs a value" : e.getMessage()));
            err.print(USAGE);
            return 2;
        }
        if (statusFile == null) {
            err.print(USAGE);
            return 2;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(statusFile, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            err.println("hakit status: no status at " + statusFile + " (is the agent running?)");
            return 1;
        }
        Instant updated = Instant.parse(p.getProperty("updated", "1970-01-01T00:00:00Z"));
        long age = Duration.between(updated, Instant.now()).toSeconds();
        String down = null;
        if (age > maxAge) {
            down = "its status was last written " + age + " s ago (" + updated + ")";
        } else if (stateDir != null && !holderAlive(stateDir.resolve("node.lock"))) {
            down = "no process holds " + stateDir.resolve("node.lock");
        }
        if (json) {
            out.println(StatusJson.of(p, down));
            return down == null ? 0 : 1;
        }
        if (down != null) {
            out.println("DOWN: " + p.getProperty("node", "the node") + " is not running: " + down
                    + "; its last known role was " + p.getProperty("role", "-"));
            return 1;
        }
        new Table("node", "role", "epoch", "healthy", "peer", "last heartbeat", "rtt", "connections")
                .row(p.getProperty("node"), p.getProperty("role"), p.getProperty("epoch"), p.getProperty("healthy"),
                        p.getProperty("peer"), never(p.getProperty("last-heartbeat-ms"), " ms ago"),
                        never(p.getProperty("rtt-ms"), " ms"), p.getProperty("connections"))
                .print(out);
        out.println("arbiter: " + p.getProperty("arbiter"));
        String offset = p.getProperty("clock-offset");
        if (offset != null) {
            out.println("clock offset to the peer: " + offset);
        }
        String operator = p.getProperty("operator", "-");
        if (!operator.equals("-")) {
            out.println("operator: " + operator);
        }
        String tls = p.getProperty("tls-problem", "");
        if (!tls.isEmpty()) {
            out.println("TLS handshake with the peer fails: " + tls);
        }
        int alarms = Integer.parseInt(p.getProperty("alarms", "0"));
        if (alarms == 0) {
            out.println("alarms: none");
        } else {
            Table t = new Table("alarm", "severity", "source", "since", "detail");
            for (int i = 0; i < alarms; i++) {
                t.row(p.getProperty("alarm." + i + ".id") + " " + p.getProperty("alarm." + i + ".type"),
                        p.getProperty("alarm." + i + ".severity"), p.getProperty("alarm." + i + ".source"),
                        p.getProperty("alarm." + i + ".since"), p.getProperty("alarm." + i + ".detail"));
            }
            t.print(out);
        }
        if (p.getProperty("sync.role") != null) {
            new Table("sync", "connected", "last success", "lag", "pending", "rounds", "conflicts", "last error")
                    .row(p.getProperty("sync.role"), p.getProperty("sync.connected"),
                            p.getProperty("sync.last-success"), p.getProperty("sync.lag-ms") + " ms",
                            p.getProperty("sync.pending-files") + " files, " + p.getProperty("sync.pending-bytes")
                                    + " B", p.getProperty("sync.rounds"), p.getProperty("sync.conflicts"),
                            p.getProperty("sync.last-error", "").isEmpty() ? "-" : p.getProperty("sync.last-error"))
                    .print(out);
            out.println("sync: " + p.getProperty("sync.state", "-"));
            int copies = Integer.parseInt(p.getProperty("sync.conflicts", "0"));
            for (int i = 0; i < Math.min(copies, 20); i++) {
                out.println("sync: conflict copy to resolve: " + p.getProperty("sync.conflict." + i));
            }
            if (!"0".equals(p.getProperty("sync.unwatched-directories", "0"))) {
                out.println("sync: " + p.getProperty("sync.unwatched-directories") + " directories are not watched "
                        + "(inotify limit): their changes travel with the full rounds only");
            }
            int skipped = Integer.parseInt(p.getProperty("sync.not-synchronized", "0"));
            for (int i = 0; i < Math.min(skipped, 20); i++) {
                out.println("sync: not synchronized: " + p.getProperty("sync.not-synchronized." + i));
            }
        }
        return 0;
    }

    /** A figure the node has no value for yet (-1) as "-". */
    private static String never(String value, String unit) {
        return value == null || value.startsWith("-") ? "-" : value + unit;
    }

    /** Whether the process named in a node's lock file (pid=N) is alive; true when that cannot be told. */
    private static boolean holderAlive(Path lock) {
        String text;
        try {
            text = Files.readString(lock, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return false; // no lock file: no node ever ran there, or it was removed
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("pid=(\\d+)").matcher(text);
        if (!m.find()) {
            return true;
        }
        return ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false);
    }

    private Path configArg(List<String> args) {
        if (args.size() == 2 && args.get(0).equals("--config")) {
            return Paths.get(args.get(1));
        }
        err.print(USAGE);
        return null;
    }
}
