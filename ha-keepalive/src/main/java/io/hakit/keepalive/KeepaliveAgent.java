package io.hakit.keepalive;

import io.hakit.api.HaServices;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.alarm.Alarm;
import io.hakit.api.support.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;

/**
 * A keepalive node run from flat settings (what {@code hakit agent --config FILE} reads): a {@link KeepaliveConfig}
 * from the {@code keepalive.*} keys ({@link KeepaliveConfig#fromMap}), and what its agent keys ask for: the arbiter
 * (with {@code keepalive.arbiter: lease}, connected to the backend of the {@code high-availability.*} keys), the
 * floating IP and notify commands ({@link Takeover}), the health script and the status file.
 *
 * <p>The status file holds role, epoch, peer, heartbeat, the alarms, {@code tls-problem}: why TLS handshakes with
 * the peer fail, while they do (empty otherwise), and the peer's clock offset ({@link ClockOffset}):
 * {@code clock-offset} as text ("+0.412 ms ± 0.051 ms", or "unknown: " and why), and while it is known
 * {@code clock-offset-ms} and {@code clock-offset-uncertainty-ms} (the peer's clock minus this node's, and half the
 * round trip it was measured over). The agent refuses to start, like {@link KeepaliveNode#start}, when another node
 * holds its state directory or its own certificate cannot work.
 */
public final class KeepaliveAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeepaliveAgent.class);
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
     * @param settings the {@code keepalive.*} keys and, with {@code keepalive.arbiter: lease}, the
     *                 {@code high-availability.*} keys of the lease's backend; other keys are ignored; not changed
     * @return the running agent, its status file written every second; {@link #close()} it to stop
     * @throws InvalidConfigException naming the first bad key; nothing is started then
     * @throws IllegalStateException  as {@link KeepaliveNode#start(KeepaliveConfig, RoleListener...)} (another node
     *     holds the state directory, the certificates cannot be used, the bind address is taken); what was created
     *     is closed then
     */
    public static KeepaliveAgent start(Map<String, String> settings) {
        return start(settings, new RoleListener[0]);
    }

    /**
     * {@link #start(Map)} with {@code listeners} told about every role change from the first one (STOPPED to
     * STANDBY) on, after the takeover actions were queued; see {@link RoleListener} for the threading contract.
     *
     * @param settings  the settings, as for {@link #start(Map)}
     * @param listeners told about every role change, in this order, after the agent's own takeover
     * @return the running agent; {@link #close()} it to stop
     * @throws InvalidConfigException naming the first bad key; nothing is started then
     * @throws IllegalStateException  as {@link #start(Map)}; what was created is closed then
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
     * synchronizer's) is added to {@link #node()} before {@link #start()}. Close it if it is not started. With a
     * lease arbiter, the backend is connected here.
     *
     * @param settings  the settings, as for {@link #start(Map)}
     * @param listeners told about every role change, in this order, after the agent's own takeover
     * @return the agent, its node created (holding the state directory) but not started
     * @throws InvalidConfigException naming the first bad key; nothing is created then
     * @throws IllegalStateException  if another node holds the state directory (the message names its PID); what
     *     was created is closed then
     */
    public static KeepaliveAgent create(Map<String, String> settings, RoleListener... listeners) {
        return create(settings, false, listeners);
    }

    /**
     * Checks every setting as {@link #create} does (keys, values, cross-field rules, notify commands executable, the
     * lease arbiter's high-availability.* settings) without creating anything: no lock, thread, connection or port.
     * What only a start can find (certificates, the bind address, the lease backend's reachability) is not checked.
     *
     * @param settings the settings, as for {@link #start(Map)}
     * @throws InvalidConfigException naming the first bad key
     */
    public static void validate(Map<String, String> settings) {
        create(settings, true);
    }

    private static KeepaliveAgent create(Map<String, String> settings, boolean dryRun, RoleListener... listeners) {
        KeepaliveConfig config = KeepaliveConfig.fromMap(settings);
        Takeover.Builder tb = Takeover.builder(config.nodeId()).timeout(config.notifyTimeout());
        config.notifyCommands().forEach((role, command) -> {
            try {
                tb.script(role, command);
            } catch (IllegalArgumentException e) {
                String key = KeepaliveConfig.NOTIFY + role.name().toLowerCase(Locale.ROOT);
                throw new InvalidConfigException(key + ": " + e.getMessage(), key);
            }
        });
        config.floatingIp().ifPresent(tb::floatingIp);
        if (dryRun) {
            return null; // the lease's backend keys are checked when it connects
        }
        HaServices ha = config.leaseBackend().map(HaServices::create).orElse(null);
        Takeover takeover = tb.build();
        KeepaliveNode n;
        try {
            if (ha != null) {
                Arbiter lease = Arbiter.lease(ha, config.leaseComponent().orElseThrow());
                config = KeepaliveConfig.builder().options(settings).arbiter(lease).build();
            }
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
        return new KeepaliveAgent(n, takeover, ha, config.statusFile(), config.clock());
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

    /**
     * The node this agent runs: add a preemption gate or role listeners to it between {@link #create} and
     * {@link #start()}; read its status, alarms and role at any time. Do not close it directly: {@link #close()}
     * closes it with the rest.
     *
     * @return the agent's node
     */
    public KeepaliveNode node() {
        return node;
    }

    /**
     * Where the agent writes its status every second, and once more when it closes.
     *
     * @return {@link KeepaliveConfig#statusFile()} of the settings: {@value KeepaliveConfig#STATUS_FILE}, or
     *     {@code status.properties} in the state directory
     */
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
            s = new NodeStatus(node.config().nodeId(), node.role(), node.epoch(), false, "-", -1, -1, 0,
                    node.config().arbiter().map(Arbiter::describe).orElse("-"), node.alarms().active(), "", "-",
                    node.clockOffset());
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
        ClockOffset offset = s.clockOffset();
        p.setProperty("clock-offset", offset.toString());
        if (offset.isKnown()) {
            p.setProperty("clock-offset-ms", String.format(Locale.ROOT, "%.3f", offset.offset().toNanos() / 1e6));
            p.setProperty("clock-offset-uncertainty-ms", String.format(Locale.ROOT, "%.3f",
                    offset.uncertainty().toNanos() / 1e6));
        }
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
     *
     * @param extra called at each write (and by {@link #statusProperties()}) for the lines to add, as keys and
     *              values; a later supplier's key replaces an earlier one's
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
