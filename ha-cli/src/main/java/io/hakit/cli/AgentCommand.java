package io.hakit.cli;

import io.hakit.api.InvalidConfigException;
import io.hakit.keepalive.KeepaliveAgent;
import io.hakit.sync.FileSync;
import io.hakit.sync.SyncConfig;
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
            "       hakit status --config FILE | --status-file FILE [--max-age SECONDS]",
            "",
            "agent   runs a keepalive node from FILE (YAML or .properties) until SIGTERM/SIGINT, then stops it",
            "        cleanly (the peer takes over at once). Keys: keepalive.* (node-id, priority, bind,",
            "        peer.address, peer.node-id, tls.cert-dir, state-dir, arbiter, vip, notify.*, ...), and",
            "        high-availability.* for a lease arbiter; sync.* (root.<name>, period, exclude, ...) also runs",
            "        the file synchronizer (then 'hakit sync verify|conflicts' work on it). See the Javadoc of",
            "        KeepaliveConfig, KeepaliveAgent and SyncConfig.",
            "        Exits 1 at once if another agent holds the state directory (naming its PID) or if this node's",
            "        own certificate is expired, not yet valid, not issued by its ca.crt or names another node.",
            "status  prints role, epoch, peer, heartbeat, why TLS handshakes with the peer fail (if they do),",
            "        sync and alarms; exit 1 if the status is older than --max-age (default 5) seconds (the agent",
            "        is not running) or the file is missing.",
            "");

    private final PrintStream out;
    private final PrintStream err;

    AgentCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Reads a YAML or properties file into flat keys. */
    static Map<String, String> load(Path file) throws IOException {
        Map<String, String> flat = new TreeMap<>();
        String name = file.getFileName().toString();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            if (name.endsWith(".properties")) {
                Properties p = new Properties();
                p.load(r);
                p.stringPropertyNames().forEach(k -> flat.put(k, p.getProperty(k)));
            } else {
                LoaderOptions options = new LoaderOptions();
                options.setMaxAliasesForCollections(10);
                options.setCodePointLimit(1 << 20);
                Object doc = new Yaml(new SafeConstructor(options)).load(r);
                if (doc != null && !(doc instanceof Map)) {
                    throw new IOException(file + ": the top level must be a mapping of keys");
                }
                flatten("", doc == null ? Map.of() : (Map<?, ?>) doc, flat, file);
            }
        }
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out, Path file) throws IOException {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map) {
                flatten(key + ".", (Map<?, ?>) v, out, file);
            } else if (v instanceof List) {
                StringBuilder sb = new StringBuilder();
                for (Object o : (List<?>) v) {
                    sb.append(sb.length() == 0 ? "" : ",").append(o);
                }
                out.put(key, sb.toString());
            } else if (v == null) {
                throw new IOException(file + ": key " + key + " has no value");
            } else {
                out.put(key, String.valueOf(v));
            }
        }
    }

    int agent(List<String> args) {
        Path config = configArg(args);
        if (config == null) {
            return 2;
        }
        KeepaliveAgent agent;
        FileSync sync = null;
        ControlServer control = null;
        try {
            Map<String, String> settings = load(config);
            // validate the synchronizer's keys before anything starts
            SyncConfig syncConfig = SyncConfig.wanted(settings) ? SyncConfig.fromMap(settings).build() : null;
            agent = KeepaliveAgent.create(settings);
            try {
                if (syncConfig != null) {
                    // before the node starts: the synchronizer's preemption gate and role listener are in force
                    // from its first instant (a returning node must not take the active role before it holds the
                    // active's files)
                    sync = FileSync.follow(syncConfig, agent.node());
                    FileSync s = sync;
                    agent.addStatus(() -> s.status().toProperties());
                }
                agent.start();
                if (sync != null) {
                    FileSync s = sync;
                    control = ControlServer.start(agent.node().config().stateDir(), (command, reply) -> {
                        if (command.equals("sync verify")) {
                            return SyncCommand.answerVerify(s, reply);
                        }
                        reply.accept("ERROR unknown command '" + command + "'");
                        return 2;
                    });
                }
            } catch (RuntimeException | IOException e) {
                if (sync != null) {
                    sync.close();
                }
                agent.close();
                throw e;
            }
        } catch (IOException e) {
            err.println("hakit agent: cannot read " + config + ": " + e.getMessage());
            return 1;
        } catch (InvalidConfigException e) {
            err.println("hakit agent: " + config + ": " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("hakit agent: cannot start: " + e.getMessage());
            return 1;
        }
        out.println("hakit agent: " + agent.node().config() + "; status in " + agent.statusFile());
        if (sync != null) {
            out.println("hakit agent: file synchronizer on port " + sync.port() + " for " + sync.config().roots());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        FileSync syncToClose = sync;
        ControlServer controlToClose = control;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (controlToClose != null) {
                controlToClose.close();
            }
            if (syncToClose != null) {
                syncToClose.close();
            }
            agent.close();
            stopped.countDown();
        }, "hakit-agent-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    int status(List<String> args) {
        Path statusFile = null;
        long maxAge = 5;
        try {
            for (int i = 0; i < args.size(); i++) {
                switch (args.get(i)) {
                    case "--config": {
                        Map<String, String> settings = load(Paths.get(args.get(++i)));
                        String state = settings.get("keepalive.state-dir");
                        statusFile = Paths.get(settings.getOrDefault(KeepaliveAgent.STATUS_FILE,
                                (state == null ? "." : state) + "/status.properties"));
                        break;
                    }
                    case "--status-file":
                        statusFile = Paths.get(args.get(++i));
                        break;
                    case "--max-age":
                        maxAge = Long.parseLong(args.get(++i));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option '" + args.get(i) + "'");
                }
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            err.println("hakit status: " + (e.getMessage() == null ? "an option needs a value" : e.getMessage()));
            err.print(USAGE);
            return 2;
        } catch (IOException e) {
            err.println("hakit status: cannot read the configuration: " + e.getMessage());
            return 1;
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
        new Table("node", "role", "epoch", "healthy", "peer", "last heartbeat", "rtt", "connections")
                .row(p.getProperty("node"), p.getProperty("role"), p.getProperty("epoch"), p.getProperty("healthy"),
                        p.getProperty("peer"), p.getProperty("last-heartbeat-ms") + " ms ago",
                        p.getProperty("rtt-ms") + " ms", p.getProperty("connections"))
                .print(out);
        out.println("arbiter: " + p.getProperty("arbiter"));
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
        if (age > maxAge) {
            out.println("STALE: last updated " + age + " s ago (" + updated + "); is the agent running?");
            return 1;
        }
        return 0;
    }

    private Path configArg(List<String> args) {
        if (args.size() == 2 && args.get(0).equals("--config")) {
            return Paths.get(args.get(1));
        }
        err.print(USAGE);
        return null;
    }
}
