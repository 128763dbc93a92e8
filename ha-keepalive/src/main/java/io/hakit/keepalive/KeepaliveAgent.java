package io.hakit.keepalive;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.alarm.Alarm;
import io.hakit.api.support.ConfigParsing;
import io.hakit.api.support.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;

/**
 * A keepalive node assembled from flat settings (what {@code hakit agent --config FILE} reads): the
 * {@link KeepaliveConfig} keys plus the arbiter, floating IP, notify scripts, a health script and a status file.
 *
 * <table>
 *   <caption>Agent keys beyond {@link KeepaliveConfig}'s</caption>
 *   <tr><td>{@code keepalive.arbiter}</td><td>{@code none}, {@code reachability} or {@code lease} (required)</td></tr>
 *   <tr><td>{@code keepalive.arbiter.addresses}</td><td>reachability: {@code host:port,...}</td></tr>
 *   <tr><td>{@code keepalive.arbiter.component}</td><td>lease: the election component; default
 *   {@code keepalive-<cluster-id>}; the backend comes from the {@code high-availability.*} keys</td></tr>
 *   <tr><td>{@code keepalive.arbiter.timeout}</td><td>one attempt's bound; default the dead interval</td></tr>
 *   <tr><td>{@code keepalive.vip}, {@code keepalive.vip.device}, {@code keepalive.vip.netns}</td><td>the floating IP
 *   {@code A.B.C.D/PREFIX}, its interface, optionally a network namespace</td></tr>
 *   <tr><td>{@code keepalive.notify.active|standby|fault|stopped}, {@code keepalive.notify.timeout}</td><td>notify
 *   commands (split on spaces, no shell) and their timeout (default 10 s)</td></tr>
 *   <tr><td>{@code keepalive.health.script}</td><td>a health command (split on spaces); exit 0 is healthy</td></tr>
 *   <tr><td>{@code keepalive.status-file}</td><td>where the status is written every second; default
 *   {@code <state-dir>/status.properties}</td></tr>
 * </table>
 *
 * <p>The status file holds role, epoch, peer, heartbeat, the alarms, and {@code tls-problem}: why TLS handshakes
 * with the peer fail, while they do (empty otherwise). The agent refuses to start, like {@link KeepaliveNode#start},
 * when another node holds its state directory or its own certificate cannot work.
 */
public final class KeepaliveAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeepaliveAgent.class);
    static final String ARBITER = "keepalive.arbiter";
    static final String ARBITER_ADDRESSES = "keepalive.arbiter.addresses";
    static final String ARBITER_COMPONENT = "keepalive.arbiter.component";
    static final String ARBITER_TIMEOUT = "keepalive.arbiter.timeout";
    static final String VIP = "keepalive.vip";
    static final String VIP_DEVICE = "keepalive.vip.device";
    static final String VIP_NETNS = "keepalive.vip.netns";
    static final String NOTIFY = "keepalive.notify.";
    static final String NOTIFY_TIMEOUT = "keepalive.notify.timeout";
    static final String HEALTH_SCRIPT = "keepalive.health.script";
    public static final String STATUS_FILE = "keepalive.status-file";

    /** The agent's own keys (beyond {@link KeepaliveConfig#OPTIONS}), with their types, defaults and hazards. */
    public static final List<io.hakit.api.ConfigOption> OPTIONS = io.hakit.api.ConfigOption.list(
            new io.hakit.api.ConfigOption(ARBITER, io.hakit.api.ConfigOption.Type.CHOICE, "required",
                    "What a standby must win before it promotes on peer silence: none, reachability or lease. "
                            + "Hazard of none: a cut link between the nodes makes both active (split brain, "
                            + "resolved by epoch when it heals)."),
            new io.hakit.api.ConfigOption(ARBITER_ADDRESSES, io.hakit.api.ConfigOption.Type.LIST, "required with "
                    + "reachability", "host:port,... of third parties (a gateway, a DNS server) that a node must "
                    + "reach (TCP connect) to promote."),
            new io.hakit.api.ConfigOption(ARBITER_COMPONENT, io.hakit.api.ConfigOption.Type.STRING,
                    "keepalive-<cluster-id>", "lease: the election component; the backend comes from the "
                    + "high-availability.* keys."),
            new io.hakit.api.ConfigOption(ARBITER_TIMEOUT, io.hakit.api.ConfigOption.Type.DURATION,
                    "the dead interval", "How long one arbiter attempt may take."),
            new io.hakit.api.ConfigOption(VIP, io.hakit.api.ConfigOption.Type.STRING, "-",
                    "The floating IP, A.B.C.D/PREFIX, held by the active node (ip addr and gratuitous ARP)."),
            new io.hakit.api.ConfigOption(VIP_DEVICE, io.hakit.api.ConfigOption.Type.STRING, "required with vip",
                    "The interface the floating IP goes on."),
            new io.hakit.api.ConfigOption(VIP_NETNS, io.hakit.api.ConfigOption.Type.STRING, "-",
                    "A network namespace the interface is in."),
            new io.hakit.api.ConfigOption(NOTIFY + "active", io.hakit.api.ConfigOption.Type.COMMAND, "-",
                    "Run when this node becomes active (start the service). A non-zero exit or a timeout raises "
                            + "NOTIFY_FAILED (45695) naming the script."),
            new io.hakit.api.ConfigOption(NOTIFY + "standby", io.hakit.api.ConfigOption.Type.COMMAND, "-",
                    "Run when this node becomes standby."),
            new io.hakit.api.ConfigOption(NOTIFY + "fault", io.hakit.api.ConfigOption.Type.COMMAND, "-",
                    "Run when this node's health checks fail (FAULT)."),
            new io.hakit.api.ConfigOption(NOTIFY + "stopped", io.hakit.api.ConfigOption.Type.COMMAND, "-",
                    "Run when the agent stops."),
            new io.hakit.api.ConfigOption(NOTIFY_TIMEOUT, io.hakit.api.ConfigOption.Type.DURATION, "10 s",
                    "A notify command still running after this is stopped and counts as failed."),
            new io.hakit.api.ConfigOption(HEALTH_SCRIPT, io.hakit.api.ConfigOption.Type.COMMAND, "-",
                    "A health check run every heartbeat interval; exit 0 is healthy (see keepalive.health.fall)."),
            new io.hakit.api.ConfigOption(STATUS_FILE, io.hakit.api.ConfigOption.Type.PATH,
                    "<state-dir>/status.properties", "Where the agent writes its status every second."));

    private final KeepaliveNode node;
    private final Takeover takeover;
    private final HaServices ha;
    private final Path statusFile;
    private final ScheduledThreadPoolExecutor statusWriter;
    private final Clock clock;
    private final List<Supplier<Map<String, String>>> extraStatus = new CopyOnWriteArrayList<>();

    private KeepaliveAgent(KeepaliveNode node, Takeover takeover, HaServices ha, Path statusFile, Clock clock) {
        this.node = node;
        this.takeover = takeover;
        this.ha = ha;
        this.statusFile = statusFile;
        this.clock = clock;
        this.statusWriter = new ScheduledThreadPoolExecutor(1, EventExecutor.daemon("hakit-ka-status"));
    }

    /**
     * Validates every setting, then starts the node.
     *
     * @throws InvalidConfigException naming the first bad key; nothing is started then
     */
    public static KeepaliveAgent start(Map<String, String> settings) {
        return start(settings, new RoleListener[0]);
    }

    /**
     * {@link #start(Map)} with {@code listeners} told about every role change from the first one (STOPPED to
     * STANDBY) on, after the takeover actions were queued; see {@link RoleListener} for the threading contract.
     *
     * @throws InvalidConfigException naming the first bad key; nothing is started then
     */
    public static KeepaliveAgent start(Map<String, String> settings, RoleListener... listeners) {
        KeepaliveAgent agent = create(settings, listeners);
        try {
            return agent.start();
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /**
     * Validates every setting and assembles the agent without starting its node ({@link KeepaliveNode#create}): what
     * must be in force from the node's first instant (a preemption gate, role listeners such as the file
     * synchronizer's) is added to {@link #node()} before {@link #start()}. Close it if it is not started.
     *
     * @throws InvalidConfigException naming the first bad key; nothing is created then
     */
    public static KeepaliveAgent create(Map<String, String> settings, RoleListener... listeners) {
        return create(settings, false, listeners);
    }

    /**
     * Checks every setting as {@link #create} does (keys, values, cross-field rules, notify commands executable, the
     * lease arbiter's high-availability.* settings) without creating anything: no lock, thread, connection or port.
     *
     * @throws InvalidConfigException naming the first bad key
     */
    public static void validate(Map<String, String> settings) {
        create(settings, true);
    }

    private static KeepaliveAgent create(Map<String, String> settings, boolean dryRun, RoleListener... listeners) {
        Map<String, String> node = new HashMap<>();
        Map<String, String> agent = new HashMap<>();
        settings.forEach((k, v) -> {
            if (k.startsWith("sync.")) {
                return; // the file synchronizer's keys (ha-sync; hakit agent starts it next to this node)
            }
            if (k.equals(ARBITER) || k.startsWith(ARBITER + ".") || k.equals(VIP) || k.startsWith(VIP + ".")
                    || k.startsWith(NOTIFY) || k.equals(HEALTH_SCRIPT) || k.equals(STATUS_FILE)) {
                agent.put(k, v.trim());
            } else {
                node.put(k, v);
            }
        });
        KeepaliveConfig.Builder b = KeepaliveConfig.fromMap(node);
        KeepaliveConfig probe = b.arbiter(Arbiter.none()).build(); // validates everything but the arbiter
        String nodeId = probe.nodeId;

        Takeover.Builder tb = Takeover.builder(nodeId);
        if (agent.containsKey(NOTIFY_TIMEOUT)) {
            tb.timeout(ConfigParsing.duration(NOTIFY_TIMEOUT, agent.get(NOTIFY_TIMEOUT)));
        }
        for (Role r : Role.values()) {
            String key = NOTIFY + r.name().toLowerCase(Locale.ROOT);
            if (agent.containsKey(key)) {
                try {
                    tb.script(r, split(key, agent.get(key)));
                } catch (IllegalArgumentException e) {
                    throw new InvalidConfigException(key + ": " + e.getMessage(), key);
                }
            }
        }
        for (String k : agent.keySet()) {
            if (k.startsWith(NOTIFY) && !k.equals(NOTIFY_TIMEOUT) && Arrays.stream(Role.values())
                    .noneMatch(r -> k.equals(NOTIFY + r.name().toLowerCase(Locale.ROOT)))) {
                throw new InvalidConfigException("unknown notify key " + k + " (use active, standby, fault, stopped)",
                        k);
            }
        }
        if (agent.containsKey(VIP)) {
            tb.floatingIp(floatingIp(agent));
        }
        if (agent.containsKey(HEALTH_SCRIPT)) {
            b.healthCheck(HealthCheck.script(split(HEALTH_SCRIPT, agent.get(HEALTH_SCRIPT)), probe.healthTimeout));
        }
        if (agent.containsKey(ARBITER_TIMEOUT)) {
            b.arbiterTimeout(ConfigParsing.duration(ARBITER_TIMEOUT, agent.get(ARBITER_TIMEOUT)));
        }
        HaServices ha = null;
        String arbiter = agent.getOrDefault(ARBITER, "");
        switch (arbiter) {
            case "none":
                b.arbiter(Arbiter.none());
                break;
            case "reachability": {
                String list = agent.get(ARBITER_ADDRESSES);
                if (list == null || list.isBlank()) {
                    throw new InvalidConfigException(ARBITER + "=reachability needs " + ARBITER_ADDRESSES
                            + " (host:port,...)", ARBITER_ADDRESSES, ARBITER);
                }
                List<InetSocketAddress> resolved = new ArrayList<>();
                for (String hp : list.split(",")) {
                    InetSocketAddress t = ConfigParsing.address(ARBITER_ADDRESSES, hp);
                    resolved.add(new InetSocketAddress(t.getHostString(), t.getPort()));
                }
                b.arbiter(Arbiter.reachability(resolved, probe.deadInterval));
                break;
            }
            case "lease":
                if (dryRun) {
                    HaConfig.fromMap(settings); // the backend's own keys are checked when it connects
                    b.arbiter(Arbiter.none());
                    break;
                }
                ha = HaServices.create(settings);
                b.arbiter(Arbiter.lease(ha, agent.getOrDefault(ARBITER_COMPONENT, "keepalive-" + probe.clusterId)));
                break;
            default:
                throw new InvalidConfigException(ARBITER + " must be none, reachability or lease, was '" + arbiter
                        + "' (choose consciously: none risks split brain when the link breaks)", ARBITER);
        }
        KeepaliveConfig config = b.build();
        Path status = Paths.get(agent.getOrDefault(STATUS_FILE,
                config.stateDir.resolve("status.properties").toString()));
        if (dryRun) {
            return null;
        }
        Takeover takeover = tb.build();
        KeepaliveNode n;
        try {
            n = KeepaliveNode.create(config, null);
        } catch (RuntimeException e) {
            takeover.close();
            if (ha != null) {
                ha.close();
            }
            throw e;
        }
        takeover.alarms(n.alarms());
        n.addRoleListener(takeover);
        for (RoleListener l : listeners) {
            n.addRoleListener(l);
        }
        return new KeepaliveAgent(n, takeover, ha, status, config.clock);
    }

    /**
     * Starts the node made by {@link #create} and the status file (written every second).
     *
     * @return this agent
     * @throws IllegalStateException as {@link KeepaliveNode#start()} does (certificates, bind address)
     */
    public KeepaliveAgent start() {
        node.start();
        statusWriter.scheduleWithFixedDelay(this::writeStatus, 0, 1, TimeUnit.SECONDS);
        return this;
    }

    private static FloatingIp floatingIp(Map<String, String> agent) {
        String vip = agent.get(VIP);
        String device = agent.get(VIP_DEVICE);
        if (device == null) {
            throw new InvalidConfigException(VIP + " needs " + VIP_DEVICE, VIP_DEVICE, VIP);
        }
        int slash = vip.indexOf('/');
        try {
            int prefix = slash < 0 ? 32 : Integer.parseInt(vip.substring(slash + 1));
            return new FloatingIp(slash < 0 ? vip : vip.substring(0, slash), prefix, device, 3, Duration.ofSeconds(5),
                    agent.get(VIP_NETNS));
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(VIP + ": " + e.getMessage(), VIP);
        }
    }

    /**
     * Splits a command line into words as a POSIX shell would, without running one: blanks separate words; inside
     * '...' every character is literal; inside "..." a backslash escapes only {@code " \\ $ `}; elsewhere a
     * backslash escapes the next character. Nothing is expanded ({@code $VAR}, {@code *}, {@code >} are literal
     * words): a command that needs a shell names it ({@code /bin/sh -c '... > file'}). Public for the agent's tools
     * ({@code hakit doctor} checks that a notify command's program exists and is executable).
     *
     * @param key the setting the command comes from, for the messages
     * @param command the command line
     * @return its words, the program first
     * @throws InvalidConfigException for an unterminated quote, a trailing backslash or an empty command, naming
     *         {@code key}
     */
    public static List<String> split(String key, String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < command.length() && "\"\\$`".indexOf(command.charAt(i + 1)) >= 0) {
                    word.append(command.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 == command.length()) {
                    throw new InvalidConfigException(key + ": the command ends with a backslash: " + command, key);
                }
                word.append(command.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new InvalidConfigException(key + ": the quote " + quote + " is never closed in: " + command, key);
        }
        if (inWord) {
            words.add(word.toString());
        }
        if (words.isEmpty()) {
            throw new InvalidConfigException(key + " is an empty command", key);
        }
        return words;
    }

    public KeepaliveNode node() {
        return node;
    }

    public Path statusFile() {
        return statusFile;
    }

    /**
     * The agent's status as the status file holds it (role, epoch, peer, heartbeat, alarms, and the lines of
     * {@link #addStatus}): what {@code hakit status} and the agent's HTTP endpoints show. Safe from any thread.
     *
     * @return a new {@link Properties}; a stopped node reports what it last was
     */
    public Properties statusProperties() {
        NodeStatus s;
        try {
            s = node.status();
        } catch (RuntimeException e) {
            // the node is stopped: report what it last was
            s = new NodeStatus(node.config().nodeId, node.role(), node.epoch(), false, "-", -1, -1, 0,
                    node.config().arbiter.describe(), node.alarms().active(), "", "-");
        }
        Properties p = new Properties();
        p.setProperty("updated", clock.instant().toString());
        p.setProperty("node", s.nodeId());
        p.setProperty("role", s.role().name());
        p.setProperty("epoch", Long.toString(s.epoch()));
        p.setProperty("healthy", Boolean.toString(s.healthy()));
        p.setProperty("peer", s.peer());
        p.setProperty("last-heartbeat-ms", Long.toString(s.lastHeartbeatAgeMillis()));
        p.setProperty("rtt-ms", String.format(Locale.ROOT, "%.3f", s.rttMillis()));
        p.setProperty("connections", Integer.toString(s.connections()));
        p.setProperty("arbiter", s.arbiter());
        p.setProperty("tls-problem", s.tlsProblem());
        p.setProperty("operator", s.operatorState());
        int i = 0;
        for (Alarm a : s.alarms()) {
            p.setProperty("alarm." + i + ".id", Integer.toString(a.type().id()));
            p.setProperty("alarm." + i + ".type", a.type().name());
            p.setProperty("alarm." + i + ".severity", a.severity().name());
            p.setProperty("alarm." + i + ".source", a.source());
            p.setProperty("alarm." + i + ".detail", a.detail());
            p.setProperty("alarm." + i + ".since", a.raisedAt().toString());
            i++;
        }
        p.setProperty("alarms", Integer.toString(i));
        for (Supplier<Map<String, String>> extra : extraStatus) {
            extra.get().forEach(p::setProperty);
        }
        return p;
    }

    /** Writes the status file now (atomically: temp file and rename). */
    void writeStatus() {
        try {
            Properties p = statusProperties();
            StringWriter w = new StringWriter();
            p.store(w, "hakit agent status");
            Files.createDirectories(statusFile.toAbsolutePath().getParent());
            Path tmp = statusFile.resolveSibling("." + statusFile.getFileName() + ".tmp");
            Files.writeString(tmp, w.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, statusFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("could not write the status file {}: {}", statusFile, e.toString());
        } catch (RuntimeException e) {
            LOG.debug("status unavailable: {}", e.toString());
        }
    }

    /**
     * Adds lines to the status file (written every second): {@code extra} is called on the status writer's thread
     * and must return quickly; its keys must not clash with the node's ({@code sync.*} for the file synchronizer).
     */
    public void addStatus(Supplier<Map<String, String>> extra) {
        extraStatus.add(extra);
    }

    /** Stops the node (goodbye to the peer), then the takeover actions and the lease backend. */
    @Override
    public void close() {
        statusWriter.shutdownNow();
        node.close();
        writeStatus();
        takeover.close();
        if (ha != null) {
            ha.close();
        }
    }

}
