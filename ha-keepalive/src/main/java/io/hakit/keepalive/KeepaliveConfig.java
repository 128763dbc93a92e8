package io.hakit.keepalive;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.Scheduler;
import io.hakit.api.Ticker;
import io.hakit.api.support.ConfigKeys;
import io.hakit.api.support.ConfigParsing;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validated, immutable configuration of one {@link KeepaliveNode} and of the {@link KeepaliveAgent} that runs it:
 * every {@code keepalive.*} key. Build it with {@link #builder()} or from the keys with {@link #fromMap(Map)} (what
 * {@code hakit agent} reads); {@link #OPTIONS} lists the keys, and every option's default and hazard is on its builder
 * method. An unknown {@code keepalive.*} key is refused, naming the nearest valid key. The file synchronizer takes the
 * pair's identity, addresses, TLS and state directory from here ({@code SyncConfig.Builder.keepalive}).
 *
 * <p>The agent's keys (arbiter by name, floating IP, notify commands, health script, status file) are values here;
 * {@link KeepaliveAgent} acts on them. With {@code keepalive.arbiter: lease} the configuration names the lease's
 * backend ({@link #leaseBackend()}) but holds no arbiter yet: the agent connects it ({@link #arbiter()} is empty
 * until then, and {@link KeepaliveNode} refuses such a configuration).
 */
public final class KeepaliveConfig {

    /** The pair's name, 1-64 characters of {@code [A-Za-z0-9._-]}; both nodes must agree; default {@code default}. */
    public static final String CLUSTER_ID = "keepalive.cluster-id";
    /** This node's name, which its certificate must carry (CN or DNS name); required. */
    public static final String NODE_ID = "keepalive.node-id";
    /** 1-255; the higher wins when both nodes could be active; default 100. */
    public static final String PRIORITY = "keepalive.priority";
    /** Whether a healthy node of higher priority takes the active role back; default true. */
    public static final String PREEMPT = "keepalive.preempt";
    /** {@code host:port} where this node accepts its peer; required. */
    public static final String BIND = "keepalive.bind";
    /** {@code host:port} where the peer listens; required. */
    public static final String PEER_ADDRESS = "keepalive.peer.address";
    /** The peer's name, which its certificate must carry; required. */
    public static final String PEER_NODE_ID = "keepalive.peer.node-id";
    /** How often heartbeats are sent; default 1 s, at least 10 ms. */
    public static final String HEARTBEAT_INTERVAL = "keepalive.heartbeat.interval";
    /** Peer silence after which the standby tries to promote; default 3 heartbeat intervals. */
    public static final String DEAD_INTERVAL = "keepalive.heartbeat.dead-interval";
    /** Peer silence before HEARTBEAT_INTERRUPTED (45640) is raised; default 30 s. */
    public static final String HEARTBEAT_ALARM_AFTER = "keepalive.heartbeat.alarm-after";
    /** How peer silence is judged: {@code fixed} (default) or {@code phi} (phi-accrual). */
    public static final String DETECTOR = "keepalive.heartbeat.detector";
    /** The directory of {@code server.crt}, {@code server.key} and {@code ca.crt}; required unless insecure. */
    public static final String CERT_DIR = "keepalive.tls.cert-dir";
    /** Whether TLS is off (tests and isolated labs only); default false. */
    public static final String INSECURE = "keepalive.tls.insecure";
    /** Whether a standby promotes while the peer's address answers and fails the TLS handshake; default false. */
    public static final String PROMOTE_ON_HANDSHAKE_FAILURE = "keepalive.tls.promote-on-handshake-failure";
    /** Where the epoch, the status, the lock and the control socket are kept; required, one node per directory. */
    public static final String STATE_DIR = "keepalive.state-dir";
    /** Failed health checks in a row that make the node FAULT; default 3. */
    public static final String HEALTH_FALL = "keepalive.health.fall";
    /** Passed health checks in a row that make it healthy again; default 2. */
    public static final String HEALTH_RISE = "keepalive.health.rise";
    /** How long one health check may run before it counts as failed; default 5 s. */
    public static final String HEALTH_TIMEOUT = "keepalive.health.timeout";
    /** The local time of the daily certificate check ({@code HH:mm}); default 01:00. */
    public static final String CERT_CHECK_TIME = "keepalive.cert.check-time";
    /** How long before a certificate expires CERT_EXPIRING (45654) is raised; default 30 d. */
    public static final String CERT_EXPIRING_WITHIN = "keepalive.cert.expiring-within";
    /** The largest frame accepted from the peer, 256 b to 1 mb; default 64 kb. */
    public static final String MAX_FRAME = "keepalive.max-frame-size";
    /**
     * What a standby must win before it promotes on peer silence: {@code none}, {@code reachability} or {@code lease};
     * required.
     */
    public static final String ARBITER = "keepalive.arbiter";
    /** {@code host:port,...} of the third parties a node must reach to promote; required with {@code reachability}. */
    public static final String ARBITER_ADDRESSES = "keepalive.arbiter.addresses";
    /** The election component of {@code lease}; default {@code keepalive-<cluster-id>}. */
    public static final String ARBITER_COMPONENT = "keepalive.arbiter.component";
    /** How long one arbiter attempt may take; default the dead interval. */
    public static final String ARBITER_TIMEOUT = "keepalive.arbiter.timeout";
    /** The floating IP, {@code A.B.C.D/PREFIX}, held by the active node; default none. */
    public static final String VIP = "keepalive.vip";
    /** The interface the floating IP goes on; required with {@value #VIP}. */
    public static final String VIP_DEVICE = "keepalive.vip.device";
    /** The network namespace that interface is in; default the agent's own. */
    public static final String VIP_NETNS = "keepalive.vip.netns";
    /** The prefix of the notify commands: {@code keepalive.notify.active|standby|fault|stopped}. */
    public static final String NOTIFY = "keepalive.notify.";
    /** How long a notify command may run before it is stopped and counts as failed; default 10 s. */
    public static final String NOTIFY_TIMEOUT = "keepalive.notify.timeout";
    /** A command run as a health check every heartbeat interval, exit 0 healthy; default none. */
    public static final String HEALTH_SCRIPT = "keepalive.health.script";
    /** Where the agent writes its status every second; default {@code status.properties} in the state directory. */
    public static final String STATUS_FILE = "keepalive.status-file";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Duration MIN_INTERVAL = Duration.ofMillis(10);
    private static final Set<String> ARBITERS = Set.of("none", "reachability", "lease");

    private static final ConfigKeys<Builder> KEYS = ConfigKeys.<Builder>owning("keepalive.")
            .text(CLUSTER_ID, ConfigOption.Type.ID, "default",
                    "The pair's name; both nodes must agree (a Hello with another id is refused).",
                    Builder::clusterId)
            .text(NODE_ID, ConfigOption.Type.ID, "required",
                    "This node's name; its certificate must name it (CN or DNS name).", Builder::nodeId)
            .integer(PRIORITY, "100", "1-255; the higher wins when both could be active.", Builder::priority)
            .bool(PREEMPT, "true", "A healthy node of higher priority takes the active role back. Hazard: every "
                    + "return of the preferred node is a second, voluntary failover; false (nopreempt) stays on the "
                    + "survivor.", Builder::preempt)
            .address(BIND, "required", "Where this node accepts its peer.", Builder::bind)
            .address(PEER_ADDRESS, "required", "Where the peer listens.", (b, a) -> b.peer(b.peerNodeId, a))
            .text(PEER_NODE_ID, ConfigOption.Type.ID, "required", "The peer's name; its certificate must name it.",
                    (b, v) -> b.peerNodeId = checkId(PEER_NODE_ID, v))
            .duration(HEARTBEAT_INTERVAL, "1 s", "How often heartbeats are sent; usable down to 50 ms. Hazard: short "
                    + "intervals with a short dead interval fail over on a CPU stall.", Builder::heartbeatInterval)
            .duration(DEAD_INTERVAL, "3 heartbeat intervals", "Peer silence after which the standby tries to "
                    + "promote; greater than the heartbeat interval.", Builder::deadInterval)
            .duration(HEARTBEAT_ALARM_AFTER, "30 s", "Silence before HEARTBEAT_INTERRUPTED (45640) is raised.",
                    Builder::heartbeatAlarmAfter)
            .text(DETECTOR, ConfigOption.Type.CHOICE, "fixed", "fixed: dead after the dead interval (keepalived's "
                    + "master-down timer); phi: phi-accrual, adapts to a jittery link at the cost of a less "
                    + "predictable failover time.", (b, v) -> b.phiAccrualDetector(detector(v)))
            .path(CERT_DIR, "required unless insecure", "Mutual TLS from server.crt, server.key and ca.crt in this "
                    + "directory (hakit cert generate).", Builder::tls)
            .bool(INSECURE, "false", "No TLS. Hazard: anyone who reaches the port can make the active step down; "
                    + "tests and isolated labs only.", (b, on) -> {
                        if (on) {
                            b.insecure();
                        }
                    })
            .bool(PROMOTE_ON_HANDSHAKE_FAILURE, "false", "Take the active role although the peer's address answers "
                    + "and fails the TLS handshake. Hazard: true makes any certificate mistake two actives unless a "
                    + "lease arbiter refuses; false does not take over a dead peer whose port something else "
                    + "answers.", Builder::promoteOnHandshakeFailure)
            .path(STATE_DIR, "required", "Epoch, status, lock and control socket; must survive restarts; one node per "
                    + "directory.", Builder::stateDir)
            .integer(HEALTH_FALL, "3", "Failed health checks in a row that make the node unhealthy (FAULT).",
                    (b, n) -> b.healthCounts(n, b.healthRise))
            .integer(HEALTH_RISE, "2", "Passed health checks in a row that make it healthy again.",
                    (b, n) -> b.healthCounts(b.healthFall, n))
            .duration(HEALTH_TIMEOUT, "5 s", "A health check still running after this counts as failed.",
                    Builder::healthTimeout)
            .key(CERT_CHECK_TIME, ConfigOption.Type.TIME_OF_DAY, "01:00", "Daily certificate check (also at start), "
                    + "local time.", (b, k, v) -> b.certCheckTime(ConfigParsing.timeOfDay(k, v)))
            .duration(CERT_EXPIRING_WITHIN, "30 d", "CERT_EXPIRING (45654) this long before a certificate expires.",
                    Builder::certExpiringWithin)
            .size(MAX_FRAME, "64 kb", "Largest frame accepted from the peer, 256 b to 1 mb.",
                    (b, n) -> b.maxFrameSize((int) Math.min(Integer.MAX_VALUE, n)))
            .text(ARBITER, ConfigOption.Type.CHOICE, "required", "What a standby must win before it promotes on peer "
                    + "silence: none, reachability or lease. Hazard of none: a cut link between the nodes makes both "
                    + "active (split brain, resolved by epoch when it heals).", Builder::arbiter)
            .key(ARBITER_ADDRESSES, ConfigOption.Type.LIST, "required with reachability", "host:port,... of third "
                    + "parties (a gateway, a DNS server) that a node must reach (TCP connect) to promote.",
                    (b, k, v) -> b.arbiterAddresses(ConfigParsing.list(k, v).stream()
                            .map(a -> ConfigParsing.address(k, a)).toList()))
            .requiresValue(ARBITER, "reachability")
            .text(ARBITER_COMPONENT, ConfigOption.Type.STRING, "keepalive-<cluster-id>", "lease: the election "
                    + "component; the backend comes from the high-availability.* keys.", Builder::leaseComponent)
            .requiresValue(ARBITER, "lease")
            .duration(ARBITER_TIMEOUT, "the dead interval", "How long one arbiter attempt may take.",
                    Builder::arbiterTimeout)
            .text(VIP, ConfigOption.Type.STRING, "-", "The floating IP, A.B.C.D/PREFIX, held by the active node (ip "
                    + "addr and gratuitous ARP).", Builder::vip)
            .text(VIP_DEVICE, ConfigOption.Type.STRING, "required with vip", "The interface the floating IP goes on.",
                    Builder::vipDevice)
            .requires(VIP)
            .text(VIP_NETNS, ConfigOption.Type.STRING, "-", "A network namespace the interface is in.",
                    Builder::vipNetns)
            .requires(VIP)
            .command(NOTIFY + "active", "-", "Run when this node becomes active (start the service). A non-zero exit "
                    + "or a timeout raises NOTIFY_FAILED (45695) naming the script.",
                    (b, c) -> b.notifyCommand(Role.ACTIVE, c))
            .command(NOTIFY + "standby", "-", "Run when this node becomes standby.",
                    (b, c) -> b.notifyCommand(Role.STANDBY, c))
            .command(NOTIFY + "fault", "-", "Run when this node's health checks fail (FAULT).",
                    (b, c) -> b.notifyCommand(Role.FAULT, c))
            .command(NOTIFY + "stopped", "-", "Run when the agent stops.", (b, c) -> b.notifyCommand(Role.STOPPED, c))
            .duration(NOTIFY_TIMEOUT, "10 s", "A notify command still running after this is stopped and counts as "
                    + "failed.", Builder::notifyTimeout)
            .requires(NOTIFY + "active", NOTIFY + "standby", NOTIFY + "fault", NOTIFY + "stopped")
            .command(HEALTH_SCRIPT, "-", "A health check run every heartbeat interval; exit 0 is healthy (see "
                    + "keepalive.health.fall).", Builder::healthScript)
            .path(STATUS_FILE, "<state-dir>/status.properties", "Where the agent writes its status every second.",
                    Builder::statusFile)
            .build();

    /** Every {@code keepalive.*} key: the node's, then the agent's, with its type, default and hazard. */
    public static final List<ConfigOption> OPTIONS = KEYS.options();

    private final String clusterId;
    private final String nodeId;
    private final int priority;
    private final boolean preempt;
    private final InetSocketAddress bind;
    private final InetSocketAddress peerAddress;
    private final String peerNodeId;
    private final Duration heartbeatInterval;
    private final Duration deadInterval;
    private final Duration heartbeatAlarmAfter;
    private final boolean phiDetector;
    private final Path certDir;
    private final boolean insecure;
    private final boolean promoteOnHandshakeFailure;
    private final Path stateDir;
    private final int healthFall;
    private final int healthRise;
    private final Duration healthTimeout;
    private final List<HealthCheck> healthChecks;
    private final List<String> healthScript;
    private final Arbiter arbiter;
    private final Duration arbiterTimeout;
    private final HaConfig leaseBackend;
    private final String leaseComponent;
    private final LocalTime certCheckTime;
    private final Duration certExpiringWithin;
    private final int maxFrame;
    private final FloatingIp floatingIp;
    private final Map<Role, List<String>> notifyCommands;
    private final Duration notifyTimeout;
    private final Path statusFile;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Clock clock;

    private KeepaliveConfig(Builder b, Duration deadInterval, Arbiter arbiter, FloatingIp floatingIp) {
        clusterId = b.clusterId;
        nodeId = b.nodeId;
        priority = b.priority;
        preempt = b.preempt;
        bind = b.bind;
        peerAddress = b.peerAddress;
        peerNodeId = b.peerNodeId;
        heartbeatInterval = b.heartbeatInterval;
        this.deadInterval = deadInterval;
        heartbeatAlarmAfter = b.heartbeatAlarmAfter;
        phiDetector = b.phiDetector;
        certDir = b.certDir;
        insecure = b.insecure;
        promoteOnHandshakeFailure = b.promoteOnHandshakeFailure;
        stateDir = b.stateDir;
        healthFall = b.healthFall;
        healthRise = b.healthRise;
        healthTimeout = b.healthTimeout;
        healthScript = b.healthScript;
        List<HealthCheck> checks = new ArrayList<>(b.healthChecks);
        if (b.healthScript != null) {
            checks.add(HealthCheck.script(b.healthScript, b.healthTimeout));
        }
        healthChecks = List.copyOf(checks);
        this.arbiter = arbiter;
        arbiterTimeout = b.arbiterTimeout != null ? b.arbiterTimeout : deadInterval;
        leaseBackend = arbiter == null ? b.leaseBackend : null;
        leaseComponent = arbiter == null ? (b.leaseComponent != null ? b.leaseComponent : "keepalive-" + b.clusterId)
                : null;
        certCheckTime = b.certCheckTime;
        certExpiringWithin = b.certExpiringWithin;
        maxFrame = b.maxFrame;
        this.floatingIp = floatingIp;
        notifyCommands = Collections.unmodifiableMap(new EnumMap<>(b.notifyCommands));
        notifyTimeout = b.notifyTimeout;
        statusFile = b.statusFile != null ? b.statusFile : b.stateDir.resolve("status.properties");
        ticker = b.ticker;
        scheduler = b.scheduler;
        clock = b.clock;
    }

    /**
     * A builder with every default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the {@code keepalive.*} keys of {@code map} ({@code builder().options(map).build()}), and with
     * {@code keepalive.arbiter: lease} the lease's backend from the same map's {@code high-availability.*} keys
     * ({@link HaConfig#fromMap}). Other keys are left to their owners. Nothing is created or connected.
     *
     * @param map configuration keys and values; not changed
     * @return the validated configuration
     * @throws InvalidConfigException naming the key of the first bad value (or both keys of a bad pair), or an
     *     unknown {@code keepalive.*} key and the nearest valid one
     */
    public static KeepaliveConfig fromMap(Map<String, String> map) {
        Builder b = builder().options(map);
        if ("lease".equals(b.arbiterKind)) {
            b.leaseBackend(HaConfig.fromMap(map));
        }
        return b.build();
    }

    static String checkId(String key, String v) {
        if (v == null || !ID.matcher(v).matches()) {
            throw new InvalidConfigException(key + " must be 1-64 characters of [A-Za-z0-9._-], was '" + v + "'", key);
        }
        return v;
    }

    private static boolean detector(String v) {
        if (!v.equals("fixed") && !v.equals("phi")) {
            throw new InvalidConfigException(DETECTOR + " must be fixed or phi, was '" + v + "'", DETECTOR);
        }
        return v.equals("phi");
    }

    private static Duration positive(String key, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new InvalidConfigException(key + " must be positive", key);
        }
        return d;
    }

    private static String notifyKey(Role role) {
        return NOTIFY + role.name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@value #CLUSTER_ID}.
     *
     * @return the pair's name; {@code default} unless set
     */
    public String clusterId() {
        return clusterId;
    }

    /**
     * {@value #NODE_ID}.
     *
     * @return this node's name, never null
     */
    public String nodeId() {
        return nodeId;
    }

    /**
     * {@value #PRIORITY}.
     *
     * @return 1-255; default 100
     */
    public int priority() {
        return priority;
    }

    /**
     * {@value #PREEMPT}.
     *
     * @return true (the default) if this node takes the active role back from a lower-priority peer
     */
    public boolean preempt() {
        return preempt;
    }

    /**
     * {@value #BIND} (unresolved).
     *
     * @return the address this node listens on, as configured (not resolved); port 0 lets the system choose
     */
    public InetSocketAddress bind() {
        return bind;
    }

    /**
     * {@value #PEER_ADDRESS} (unresolved).
     *
     * @return the address this node dials, as configured (resolved at each connection attempt)
     */
    public InetSocketAddress peerAddress() {
        return peerAddress;
    }

    /**
     * {@value #PEER_NODE_ID}.
     *
     * @return the name the peer's Hello and certificate must carry
     */
    public String peerNodeId() {
        return peerNodeId;
    }

    /**
     * {@value #HEARTBEAT_INTERVAL}.
     *
     * @return the interval, at least 10 ms; default 1 s
     */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /**
     * {@value #DEAD_INTERVAL}: as set, or 3 heartbeat intervals.
     *
     * @return the silence, greater than the heartbeat interval
     */
    public Duration deadInterval() {
        return deadInterval;
    }

    /**
     * {@value #HEARTBEAT_ALARM_AFTER}.
     *
     * @return the silence before the alarm, positive; default 30 s
     */
    public Duration heartbeatAlarmAfter() {
        return heartbeatAlarmAfter;
    }

    /**
     * {@value #DETECTOR}: whether it is {@code phi} (else {@code fixed}).
     *
     * @return true for phi-accrual, false (the default) for the fixed dead interval
     */
    public boolean phiAccrualDetector() {
        return phiDetector;
    }

    /**
     * {@value #CERT_DIR}; empty in insecure mode.
     *
     * @return the directory of {@code server.crt}, {@code server.key} and {@code ca.crt}
     */
    public Optional<Path> certDir() {
        return Optional.ofNullable(certDir);
    }

    /**
     * {@value #INSECURE}.
     *
     * @return true if the node runs without TLS
     */
    public boolean insecure() {
        return insecure;
    }

    /**
     * {@value #PROMOTE_ON_HANDSHAKE_FAILURE}.
     *
     * @return true if a failed handshake with the peer's address counts as silence; default false
     */
    public boolean promoteOnHandshakeFailure() {
        return promoteOnHandshakeFailure;
    }

    /**
     * {@value #STATE_DIR}: where the node keeps its epoch (and the agent its status, lock and control socket).
     *
     * @return the state directory, never null
     */
    public Path stateDir() {
        return stateDir;
    }

    /**
     * {@value #HEALTH_FALL}.
     *
     * @return at least 1; default 3
     */
    public int healthFall() {
        return healthFall;
    }

    /**
     * {@value #HEALTH_RISE}.
     *
     * @return at least 1; default 2
     */
    public int healthRise() {
        return healthRise;
    }

    /**
     * {@value #HEALTH_TIMEOUT}.
     *
     * @return the limit of one check, positive; default 5 s
     */
    public Duration healthTimeout() {
        return healthTimeout;
    }

    /**
     * The node's health checks: the Java ones, then {@value #HEALTH_SCRIPT}'s.
     *
     * @return an immutable list, run in this order; empty when there are none
     */
    public List<HealthCheck> healthChecks() {
        return healthChecks;
    }

    /**
     * {@value #HEALTH_SCRIPT}, if set.
     *
     * @return the command's words, or empty when no script is configured
     */
    public Optional<List<String>> healthScript() {
        return Optional.ofNullable(healthScript);
    }

    /**
     * The arbiter a standby must win before promoting; empty with {@code keepalive.arbiter: lease} until
     * {@link KeepaliveAgent} connects it to {@link #leaseBackend()}.
     *
     * @return the arbiter, or empty while a lease arbiter is not connected
     */
    public Optional<Arbiter> arbiter() {
        return Optional.ofNullable(arbiter);
    }

    /**
     * {@value #ARBITER_TIMEOUT}: as set, or the dead interval.
     *
     * @return the limit of one attempt, positive
     */
    public Duration arbiterTimeout() {
        return arbiterTimeout;
    }

    /**
     * With {@code keepalive.arbiter: lease} not yet connected: the backend the lease is held in.
     *
     * @return the backend's configuration, or empty when the arbiter is already an instance (or not a lease)
     */
    public Optional<HaConfig> leaseBackend() {
        return Optional.ofNullable(leaseBackend);
    }

    /**
     * With {@code keepalive.arbiter: lease} not yet connected: {@value #ARBITER_COMPONENT}.
     *
     * @return the component, by default {@code keepalive-<cluster-id>}; empty when the arbiter is already an instance
     */
    public Optional<String> leaseComponent() {
        return Optional.ofNullable(leaseComponent);
    }

    /**
     * {@value #CERT_CHECK_TIME}.
     *
     * @return the local time of day; default 01:00
     */
    public LocalTime certCheckTime() {
        return certCheckTime;
    }

    /**
     * {@value #CERT_EXPIRING_WITHIN}.
     *
     * @return how long before expiry the alarm is raised, zero or positive; default 30 days
     */
    public Duration certExpiringWithin() {
        return certExpiringWithin;
    }

    /**
     * {@value #MAX_FRAME} in bytes.
     *
     * @return 256 to 1048576 bytes; default 65536
     */
    public int maxFrameSize() {
        return maxFrame;
    }

    /**
     * {@value #VIP} on {@value #VIP_DEVICE} (in {@value #VIP_NETNS}), if set.
     *
     * @return the floating IP, or empty when none is configured
     */
    public Optional<FloatingIp> floatingIp() {
        return Optional.ofNullable(floatingIp);
    }

    /**
     * {@value #NOTIFY}{@code <role>}: the notify command of each role that has one.
     *
     * @return an immutable map from role to the command's words; a role without a command is absent
     */
    public Map<Role, List<String>> notifyCommands() {
        return notifyCommands;
    }

    /**
     * {@value #NOTIFY_TIMEOUT}.
     *
     * @return the limit of one notify command, positive; default 10 s
     */
    public Duration notifyTimeout() {
        return notifyTimeout;
    }

    /**
     * {@value #STATUS_FILE}: as set, or {@code status.properties} in the state directory.
     *
     * @return the file's path, never null
     */
    public Path statusFile() {
        return statusFile;
    }

    /**
     * The monotonic time source.
     *
     * @return the ticker; default {@link Ticker#system()}
     */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * Where the node sets its timers ({@link Builder#scheduler}), or empty for the node's own thread on real time.
     *
     * @return the injected scheduler, or empty
     */
    public Optional<Scheduler> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    /**
     * The wall clock of certificate checks and alarm timestamps, and the time this node's answers to the peer's
     * heartbeats carry (from which the peer measures the offset of the two clocks: {@link KeepaliveNode#clockOffset()}).
     *
     * @return the clock; default the system's in its default zone
     */
    public Clock clock() {
        return clock;
    }

    private String describeArbiter() {
        return arbiter != null ? arbiter.describe() : "lease on " + leaseComponent + " (not connected)";
    }

    @Override
    public String toString() {
        return "KeepaliveConfig{" + nodeId + " priority " + priority + (preempt ? " preempt" : " nopreempt")
                + ", peer " + peerNodeId + "@" + peerAddress.getHostString() + ":" + peerAddress.getPort()
                + ", heartbeat " + ConfigParsing.format(heartbeatInterval)
                + ", dead after " + ConfigParsing.format(deadInterval) + ", arbiter " + describeArbiter()
                + (insecure ? ", INSECURE (no TLS)" : ", mTLS from " + certDir
                + (promoteOnHandshakeFailure ? " (promotes on handshake failure)" : "")) + "}";
    }

    /**
     * Builds a {@link KeepaliveConfig}. Setters check their own value (naming its key) and leave the builder as it
     * was when they refuse it; {@link #build()} checks the cross-field rules naming both fields. Not thread-safe.
     */
    public static final class Builder {
        private String clusterId = "default";
        private String nodeId;
        private int priority = 100;
        private boolean preempt = true;
        private InetSocketAddress bind;
        private InetSocketAddress peerAddress;
        private String peerNodeId;
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration deadInterval;
        private Duration heartbeatAlarmAfter = Duration.ofSeconds(30);
        private boolean phiDetector;
        private Path certDir;
        private boolean insecure;
        private boolean promoteOnHandshakeFailure;
        private Path stateDir;
        private int healthFall = 3;
        private int healthRise = 2;
        private Duration healthTimeout = Duration.ofSeconds(5);
        private final List<HealthCheck> healthChecks = new ArrayList<>();
        private List<String> healthScript;
        private Arbiter arbiter;
        private String arbiterKind;
        private List<InetSocketAddress> arbiterAddresses;
        private HaConfig leaseBackend;
        private String leaseComponent;
        private Duration arbiterTimeout;
        private LocalTime certCheckTime = LocalTime.of(1, 0);
        private Duration certExpiringWithin = Duration.ofDays(30);
        private int maxFrame = 64 * 1024;
        private FloatingIp floatingIp;
        private String vip;
        private String vipAddress;
        private int vipPrefix;
        private String vipDevice;
        private String vipNetns;
        private final Map<Role, List<String>> notifyCommands = new EnumMap<>(Role.class);
        private Duration notifyTimeout = Duration.ofSeconds(10);
        private Path statusFile;
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler;
        private Clock clock = Clock.systemDefaultZone();

        private Builder() {
        }

        /**
         * Applies the {@code keepalive.*} keys of {@code map} in sorted key order; other keys are ignored.
         *
         * @param map configuration keys and values, as {@code hakit agent} reads them from its file; not changed
         * @return this builder
         * @throws InvalidConfigException naming the first bad key, a key without the key it needs, or an unknown
         *     {@code keepalive.*} key and the nearest valid one (refused before anything is set)
         */
        public Builder options(Map<String, String> map) {
            return KEYS.apply(map, this);
        }

        /**
         * {@value KeepaliveConfig#CLUSTER_ID}: both nodes must agree; a Hello with another id is refused. Default
         * "default".
         *
         * @param id the pair's name, 1-64 characters of {@code [A-Za-z0-9._-]}
         * @return this builder
         * @throws InvalidConfigException if {@code id} is null or not such a name
         */
        public Builder clusterId(String id) {
            this.clusterId = checkId(CLUSTER_ID, id);
            return this;
        }

        /**
         * {@value KeepaliveConfig#NODE_ID}: required; also the name this node's certificate must carry, and the name
         * its Hello gives the peer.
         *
         * @param id this node's name, 1-64 characters of {@code [A-Za-z0-9._-]}; must differ from the peer's
         * @return this builder
         * @throws InvalidConfigException if {@code id} is null or not such a name
         */
        public Builder nodeId(String id) {
            this.nodeId = checkId(NODE_ID, id);
            return this;
        }

        /**
         * {@value KeepaliveConfig#PRIORITY}: higher wins when both could be active. Default 100.
         *
         * @param p the priority, 1-255
         * @return this builder
         * @throws InvalidConfigException if {@code p} is outside 1-255
         */
        public Builder priority(int p) {
            if (p < 1 || p > 255) {
                throw new InvalidConfigException(PRIORITY + " must be 1-255, was " + p, PRIORITY);
            }
            this.priority = p;
            return this;
        }

        /**
         * {@value KeepaliveConfig#PREEMPT}: whether this node, when healthy and of higher priority, takes the active
         * role back from a lower-priority active peer. Default true (keepalived's). Hazard: every return of the
         * preferred node costs a second, voluntary failover; set false (nopreempt) to stay on the survivor.
         *
         * @param p true to take the active role back, false to leave it with the survivor
         * @return this builder
         */
        public Builder preempt(boolean p) {
            this.preempt = p;
            return this;
        }

        /**
         * {@value KeepaliveConfig#BIND}: where this node accepts its peer. Required.
         *
         * @param address the local address to listen on; an unresolved one is resolved when the node starts, and
         *                port 0 lets the system choose
         * @return this builder
         * @throws NullPointerException if {@code address} is null
         */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, BIND);
            return this;
        }

        /**
         * {@value KeepaliveConfig#PEER_NODE_ID} and {@value KeepaliveConfig#PEER_ADDRESS}: the other node. Required.
         *
         * @param peerNodeId the name the peer's Hello and certificate must carry, 1-64 characters of
         *                   {@code [A-Za-z0-9._-]}; null leaves it to be set by {@value KeepaliveConfig#PEER_NODE_ID}
         *                   ({@link #build()} refuses a configuration without it)
         * @param address    where the peer listens; an unresolved address is resolved at each connection attempt
         * @return this builder
         * @throws InvalidConfigException if {@code peerNodeId} is not such a name (nothing is set)
         * @throws NullPointerException   if {@code address} is null
         */
        public Builder peer(String peerNodeId, InetSocketAddress address) {
            String id = peerNodeId == null ? null : checkId(PEER_NODE_ID, peerNodeId);
            this.peerAddress = Objects.requireNonNull(address, PEER_ADDRESS);
            this.peerNodeId = id;
            return this;
        }

        /**
         * {@value KeepaliveConfig#HEARTBEAT_INTERVAL}: how often heartbeats are sent. Default 1 s; usable down to
         * 50 ms (10 ms accepted). Hazard: short intervals with a short dead interval fail over on a CPU stall.
         *
         * @param d the interval between two heartbeats, at least 10 ms
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null or shorter than 10 ms
         */
        public Builder heartbeatInterval(Duration d) {
            if (d == null || d.compareTo(MIN_INTERVAL) < 0) {
                throw new InvalidConfigException(HEARTBEAT_INTERVAL + " must be at least 10 ms, was "
                        + (d == null ? null : ConfigParsing.format(d)), HEARTBEAT_INTERVAL);
            }
            this.heartbeatInterval = d;
            return this;
        }

        /**
         * {@value KeepaliveConfig#DEAD_INTERVAL}: peer silence after which the standby tries to promote. Default 3
         * heartbeat intervals (keepalived's Master_Down_Interval is 3 adverts plus skew). Must be greater than the
         * heartbeat interval ({@link #build()} checks that).
         *
         * @param d the silence, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder deadInterval(Duration d) {
            this.deadInterval = positive(DEAD_INTERVAL, d);
            return this;
        }

        /**
         * {@value KeepaliveConfig#HEARTBEAT_ALARM_AFTER}: silence before HEARTBEAT_INTERRUPTED (45640). Default 30 s.
         *
         * @param d the silence, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder heartbeatAlarmAfter(Duration d) {
            this.heartbeatAlarmAfter = positive(HEARTBEAT_ALARM_AFTER, d);
            return this;
        }

        /**
         * {@value KeepaliveConfig#DETECTOR}: how peer silence is judged, with ha-api's failure detectors. {@code fixed}
         * (default): dead after the dead interval without a heartbeat, like keepalived's master-down timer.
         * {@code phi}: phi-accrual (threshold 8) learning the heartbeats' arrival pattern, with the dead interval less
         * one heartbeat interval as acceptable pause; it adapts to a jittery link, at the cost of a less predictable
         * failover time.
         *
         * @param phi true for {@code phi}, false for {@code fixed}
         * @return this builder
         */
        public Builder phiAccrualDetector(boolean phi) {
            this.phiDetector = phi;
            return this;
        }

        /**
         * {@value KeepaliveConfig#CERT_DIR}: mutual TLS from {@code server.crt}, {@code server.key}, {@code ca.crt}
         * ({@code hakit cert generate} writes them). Turns insecure mode off. The files are read when the node
         * starts, not here.
         *
         * @param certDir the directory of the three files
         * @return this builder
         * @throws NullPointerException if {@code certDir} is null
         */
        public Builder tls(Path certDir) {
            this.certDir = Objects.requireNonNull(certDir, CERT_DIR);
            this.insecure = false;
            return this;
        }

        /**
         * {@value KeepaliveConfig#INSECURE}: no TLS. Hazard: anyone who can reach the port can send heartbeats and
         * role changes, and so make the active step down; for tests and isolated lab networks only. The node logs a
         * warning at start. Forgets a certificate directory set before.
         *
         * @return this builder
         */
        public Builder insecure() {
            this.insecure = true;
            this.certDir = null;
            return this;
        }

        /**
         * {@value KeepaliveConfig#PROMOTE_ON_HANDSHAKE_FAILURE}: whether this node, as STANDBY, takes the active role
         * when no heartbeat arrives while something still answers on the peer's address and fails the TLS handshake.
         * Default false.
         *
         * <p>With false, a failed handshake (a certificate one side refuses: another CA, expired, not yet valid,
         * another node's name; or the other end not speaking TLS) counts as a sign that the peer is alive: this node
         * does not promote on the peer's silence, raises HEARTBEAT_INTERRUPTED (45640) at once with the cause as its
         * detail, and logs the cause once a minute. That is the safe default: a certificate mistake is by far the
         * likelier cause, the peer is then alive and may be active, and promoting would make two active nodes that
         * each serve and write files the other does not see (nothing else stops it with arbiter {@code none}).
         * Only connections this node dials to {@link #peer the peer's address} count (anyone can connect to this
         * node). Failures that are not a handshake (connection refused, reset, or timed out) are silence either way,
         * so a peer that is down is still taken over after the dead interval: the hold of failed handshakes ends when
         * a connection to the peer's address is refused or times out, or a handshake there times out.
         *
         * <p>Hazard of the default: if the peer is truly dead but something else answers on its address and fails
         * the handshake (another service that took the port, TLS or not; a TLS proxy in between; the address given to
         * another machine), no node takes over until that stops or an operator acts; the alarm and the status say
         * why. Hazard of true: every certificate mistake makes both nodes active, unless an arbiter refuses the
         * second; with a lease arbiter (one active at a time, whatever the link) true is safe.
         *
         * @param promote true to treat a failed handshake with the peer's address as silence, false to hold
         * @return this builder
         */
        public Builder promoteOnHandshakeFailure(boolean promote) {
            this.promoteOnHandshakeFailure = promote;
            return this;
        }

        /**
         * {@value KeepaliveConfig#STATE_DIR}: where the epoch is persisted. Required; must survive restarts. One node
         * per directory: a node holds {@code node.lock} in it while it runs, and a second node (in this or another
         * process) refuses to start, naming the process that holds it.
         *
         * @param dir the state directory; the node creates it if missing
         * @return this builder
         * @throws NullPointerException if {@code dir} is null
         */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, STATE_DIR);
            return this;
        }

        /**
         * {@value KeepaliveConfig#HEALTH_FALL} / {@value KeepaliveConfig#HEALTH_RISE}: defaults 3 and 2. Each check
         * round runs every heartbeat interval; a round fails when any check fails.
         *
         * @param fall failed rounds in a row that make a healthy node unhealthy (FAULT), at least 1
         * @param rise passed rounds in a row that make an unhealthy node healthy again, at least 1
         * @return this builder
         * @throws InvalidConfigException if either is below 1 (nothing is set)
         */
        public Builder healthCounts(int fall, int rise) {
            if (fall < 1) {
                throw new InvalidConfigException(HEALTH_FALL + " must be at least 1, was " + fall, HEALTH_FALL);
            }
            if (rise < 1) {
                throw new InvalidConfigException(HEALTH_RISE + " must be at least 1, was " + rise, HEALTH_RISE);
            }
            this.healthFall = fall;
            this.healthRise = rise;
            return this;
        }

        /**
         * {@value KeepaliveConfig#HEALTH_TIMEOUT}: a check still running after this counts as failed. Default 5 s.
         *
         * @param d the limit of one check, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder healthTimeout(Duration d) {
            this.healthTimeout = positive(HEALTH_TIMEOUT, d);
            return this;
        }

        /**
         * Adds a local health check (run every heartbeat interval); checks run in the order they were added, before
         * {@value KeepaliveConfig#HEALTH_SCRIPT}'s.
         *
         * @param check the check; see {@link HealthCheck} for its threading and timeout contract
         * @return this builder
         * @throws NullPointerException if {@code check} is null
         */
        public Builder healthCheck(HealthCheck check) {
            healthChecks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /**
         * The arbiter a standby must win before promoting on peer silence. Required (or
         * {@value KeepaliveConfig#ARBITER}): choose consciously. Replaces an arbiter chosen by key.
         *
         * @param a the arbiter, such as {@link Arbiter#none()}, {@link Arbiter#reachability} or {@link Arbiter#lease}
         * @return this builder
         * @throws NullPointerException if {@code a} is null
         */
        public Builder arbiter(Arbiter a) {
            this.arbiter = Objects.requireNonNull(a, "arbiter");
            this.arbiterKind = null;
            return this;
        }

        /**
         * {@value KeepaliveConfig#ARBITER}: the arbiter by name, {@code none}, {@code reachability} (with
         * {@link #arbiterAddresses}) or {@code lease} (with {@link #leaseBackend}); see the key's hazard. Replaces an
         * arbiter instance set before; {@link #build()} checks that the chosen kind has what it needs.
         *
         * @param kind {@code none}, {@code reachability} or {@code lease}; surrounding blanks are ignored
         * @return this builder
         * @throws NullPointerException   if {@code kind} is null
         * @throws InvalidConfigException if {@code kind} is none of the three
         */
        public Builder arbiter(String kind) {
            String k = Objects.requireNonNull(kind, ARBITER).trim();
            if (!ARBITERS.contains(k)) {
                throw new InvalidConfigException(ARBITER + " must be none, reachability or lease, was '" + kind
                        + "' (choose consciously: none risks split brain when the link breaks)", ARBITER);
            }
            this.arbiterKind = k;
            this.arbiter = null;
            return this;
        }

        /**
         * {@value KeepaliveConfig#ARBITER_ADDRESSES}: the third parties of {@code reachability}; a standby promotes
         * only if it can open a TCP connection to one of them. Resolved by {@link #build()}.
         *
         * @param addresses {@code host:port} of each third party (a gateway, a DNS server), at least one; copied
         * @return this builder
         * @throws NullPointerException   if {@code addresses} or one of its elements is null
         * @throws InvalidConfigException if {@code addresses} is empty
         */
        public Builder arbiterAddresses(List<InetSocketAddress> addresses) {
            List<InetSocketAddress> a = List.copyOf(addresses);
            if (a.isEmpty()) {
                throw new InvalidConfigException(ARBITER_ADDRESSES + " must name at least one host:port",
                        ARBITER_ADDRESSES);
            }
            this.arbiterAddresses = a;
            return this;
        }

        /**
         * With {@code lease}: the HA backend the lease is held in ({@link KeepaliveConfig#fromMap} reads it from
         * the same map's {@code high-availability.*} keys). Nothing is connected here: {@link KeepaliveAgent}
         * connects it when it starts.
         *
         * @param backend the backend's configuration (its {@code high-availability.type} and connection settings)
         * @return this builder
         * @throws NullPointerException if {@code backend} is null
         */
        public Builder leaseBackend(HaConfig backend) {
            this.leaseBackend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * {@value KeepaliveConfig#ARBITER_COMPONENT}: the election component of {@code lease}. Default
         * {@code keepalive-<cluster-id>}; both nodes must use the same one.
         *
         * @param component the component's name; surrounding blanks are ignored
         * @return this builder
         * @throws NullPointerException   if {@code component} is null
         * @throws InvalidConfigException if {@code component} is empty or blank
         */
        public Builder leaseComponent(String component) {
            String c = Objects.requireNonNull(component, ARBITER_COMPONENT).trim();
            if (c.isEmpty()) {
                throw new InvalidConfigException(ARBITER_COMPONENT + " must not be empty", ARBITER_COMPONENT);
            }
            this.leaseComponent = c;
            return this;
        }

        /**
         * {@value KeepaliveConfig#ARBITER_TIMEOUT}: how long one arbiter attempt may take. Default: the dead interval.
         *
         * @param d the limit of one attempt, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder arbiterTimeout(Duration d) {
            this.arbiterTimeout = positive(ARBITER_TIMEOUT, d);
            return this;
        }

        /**
         * {@value KeepaliveConfig#VIP}, {@value KeepaliveConfig#VIP_DEVICE} and {@value KeepaliveConfig#VIP_NETNS}:
         * the floating IP the active node holds (added and removed by {@link KeepaliveAgent}). Replaces a floating IP
         * set by {@link #vip}.
         *
         * @param ip the floating IP, with its device, namespace, ARP count and command timeout
         * @return this builder
         * @throws NullPointerException if {@code ip} is null
         */
        public Builder floatingIp(FloatingIp ip) {
            this.floatingIp = Objects.requireNonNull(ip, "ip");
            this.vip = null;
            return this;
        }

        /**
         * {@value KeepaliveConfig#VIP}: the floating IP, {@code A.B.C.D/PREFIX} (needs a device,
         * {@link #vipDevice}). Replaces a floating IP set by {@link #floatingIp}; the agent sends 3 gratuitous ARPs
         * and gives each {@code ip} command 5 s.
         *
         * @param addressSlashPrefix an IPv4 address with an optional prefix length 1-32 (without one, {@code /32});
         *                           surrounding blanks are ignored
         * @return this builder
         * @throws NullPointerException   if {@code addressSlashPrefix} is null
         * @throws InvalidConfigException if the address or the prefix is not valid
         */
        public Builder vip(String addressSlashPrefix) {
            String v = Objects.requireNonNull(addressSlashPrefix, VIP).trim();
            int slash = v.indexOf('/');
            try {
                int prefix = slash < 0 ? 32 : Integer.parseInt(v.substring(slash + 1));
                String address = slash < 0 ? v : v.substring(0, slash);
                new FloatingIp(address, prefix, "lo"); // checks the address and the prefix
                this.vipAddress = address;
                this.vipPrefix = prefix;
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(VIP + ": " + e.getMessage(), VIP);
            }
            this.vip = v;
            this.floatingIp = null;
            return this;
        }

        /**
         * {@value KeepaliveConfig#VIP_DEVICE}: the interface of the floating IP. Whether it exists is only known when
         * the address is added.
         *
         * @param device an interface name, 1-15 characters of {@code [A-Za-z0-9._@-]}
         * @return this builder
         * @throws InvalidConfigException if {@code device} is null or not such a name
         */
        public Builder vipDevice(String device) {
            try {
                new FloatingIp("127.0.0.1", 32, device); // checks the name
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(VIP_DEVICE + ": " + e.getMessage(), VIP_DEVICE);
            }
            this.vipDevice = device;
            return this;
        }

        /**
         * {@value KeepaliveConfig#VIP_NETNS}: a network namespace the interface is in ({@code ip -n}).
         *
         * @param netns the namespace's name, 1-15 characters of {@code [A-Za-z0-9._@-]}; null for the agent's own
         * @return this builder
         * @throws InvalidConfigException if {@code netns} is not such a name
         */
        public Builder vipNetns(String netns) {
            try {
                new FloatingIp("127.0.0.1", 32, "lo", 0, Duration.ofSeconds(1), netns); // checks the name
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(VIP_NETNS + ": " + e.getMessage(), VIP_NETNS);
            }
            this.vipNetns = netns;
            return this;
        }

        /**
         * {@value KeepaliveConfig#NOTIFY}{@code <role>}: the command {@link KeepaliveAgent} runs when this node enters
         * {@code role} (words as a shell splits them, no shell runs). Replaces the role's command set before.
         *
         * @param role    the role whose entry runs the command: ACTIVE, STANDBY, FAULT, or STOPPED (when the agent
         *                stops)
         * @param command the program and its arguments, at least the program; copied
         * @return this builder
         * @throws NullPointerException   if {@code role} or {@code command} (or one of its words) is null
         * @throws InvalidConfigException if {@code command} is empty
         */
        public Builder notifyCommand(Role role, List<String> command) {
            List<String> c = List.copyOf(command);
            if (c.isEmpty()) {
                throw new InvalidConfigException(notifyKey(role) + " is an empty command", notifyKey(role));
            }
            notifyCommands.put(Objects.requireNonNull(role, "role"), c);
            return this;
        }

        /**
         * {@value KeepaliveConfig#NOTIFY_TIMEOUT}: a notify command still running after this is stopped and counts as
         * failed (NOTIFY_FAILED). Default 10 s.
         *
         * @param d the limit of one notify command, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder notifyTimeout(Duration d) {
            this.notifyTimeout = positive(NOTIFY_TIMEOUT, d);
            return this;
        }

        /**
         * {@value KeepaliveConfig#HEALTH_SCRIPT}: a command run as a health check every heartbeat interval, within
         * the health timeout; exit 0 is healthy. It runs after the checks added with {@link #healthCheck}.
         *
         * @param command the program and its arguments, at least the program (no shell runs); copied
         * @return this builder
         * @throws NullPointerException   if {@code command} or one of its words is null
         * @throws InvalidConfigException if {@code command} is empty
         */
        public Builder healthScript(List<String> command) {
            List<String> c = List.copyOf(command);
            if (c.isEmpty()) {
                throw new InvalidConfigException(HEALTH_SCRIPT + " is an empty command", HEALTH_SCRIPT);
            }
            this.healthScript = c;
            return this;
        }

        /**
         * {@value KeepaliveConfig#STATUS_FILE}: where {@link KeepaliveAgent} writes its status every second. Default
         * {@code status.properties} in the state directory.
         *
         * @param file the status file's path
         * @return this builder
         * @throws NullPointerException if {@code file} is null
         */
        public Builder statusFile(Path file) {
            this.statusFile = Objects.requireNonNull(file, STATUS_FILE);
            return this;
        }

        /**
         * {@value KeepaliveConfig#CERT_CHECK_TIME}: daily certificate check (and at start). Default 01:00 local.
         *
         * @param t the time of day, in the zone of {@link #clock(Clock)}
         * @return this builder
         * @throws NullPointerException if {@code t} is null
         */
        public Builder certCheckTime(LocalTime t) {
            this.certCheckTime = Objects.requireNonNull(t, CERT_CHECK_TIME);
            return this;
        }

        /**
         * {@value KeepaliveConfig#CERT_EXPIRING_WITHIN}: CERT_EXPIRING (45654) this long before expiry. Default 30 d.
         *
         * @param d how long before a certificate's end of validity the alarm is raised; zero raises it only when
         *          the certificate has expired
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null or negative
         */
        public Builder certExpiringWithin(Duration d) {
            if (d == null || d.isNegative()) {
                throw new InvalidConfigException(CERT_EXPIRING_WITHIN + " must not be negative", CERT_EXPIRING_WITHIN);
            }
            this.certExpiringWithin = d;
            return this;
        }

        /**
         * {@value KeepaliveConfig#MAX_FRAME}: largest frame accepted, 256 B - 1 MiB. Default 64 KiB. A larger frame
         * from the peer closes its connection.
         *
         * @param bytes the largest frame's length in bytes, 256 to 1048576
         * @return this builder
         * @throws InvalidConfigException if {@code bytes} is outside that range
         */
        public Builder maxFrameSize(int bytes) {
            if (bytes < 256 || bytes > (1 << 20)) {
                throw new InvalidConfigException(MAX_FRAME + " must be 256 bytes to 1 MiB, was " + bytes, MAX_FRAME);
            }
            this.maxFrame = bytes;
            return this;
        }

        /**
         * The monotonic time source (tests): the node measures peer silence (the failure detector's intervals) and
         * the repeat limits of its log on it. Default {@link Ticker#system()}. Setting it alone does not move the
         * node's timers: see {@link #scheduler(Scheduler)}.
         *
         * @param t the ticker
         * @return this builder
         * @throws NullPointerException if {@code t} is null
         */
        public Builder ticker(Ticker t) {
            this.ticker = Objects.requireNonNull(t, "ticker");
            return this;
        }

        /**
         * Where the node sets every timer: its heartbeats, the check at the moment the peer's silence reaches the
         * dead interval, reconnect attempts, the read and connect timeouts of its connections, health checks and the
         * daily certificate check. Each timer's task is then run on the node's thread (a connection's timeouts on
         * its event loop), so the threading contract of {@link KeepaliveNode} holds whichever scheduler is given.
         * Default: the node's own thread, on real time (whatever {@link #ticker(Ticker)} is set). For tests: inject
         * the same source as {@link #ticker(Ticker)} (a {@code ManualTicker} is both) so that advancing time fires the
         * timers due. Hazard: a scheduler whose time is not the ticker's fires timers at moments the node does not
         * expect (see {@link Scheduler}); one that never fires leaves a dead peer undetected and sends no heartbeats.
         *
         * @param s the timer seam; not closed by the node
         * @return this builder
         * @throws NullPointerException if {@code s} is null
         */
        public Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /**
         * The wall clock of certificate checks, alarm timestamps and the time in this node's heartbeat answers
         * (tests). Default: the system's, in the default zone.
         *
         * @param c the wall clock; its zone is the zone of {@link #certCheckTime(LocalTime)}
         * @return this builder
         * @throws NullPointerException if {@code c} is null
         */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Checks the rules across fields and returns an immutable copy. The builder can be changed and built again.
         *
         * @return the validated configuration
         * @throws InvalidConfigException if a required field is missing, if the dead interval is not greater than
         *     the heartbeat interval (naming both), if neither TLS nor insecure mode was chosen, or if the arbiter,
         *     the floating IP or a notify timeout lacks what it needs (naming both keys)
         */
        public KeepaliveConfig build() {
            if (nodeId == null) {
                throw new InvalidConfigException(NODE_ID + " must be set", NODE_ID);
            }
            if (peerNodeId == null) {
                throw new InvalidConfigException(PEER_NODE_ID + " must be set", PEER_NODE_ID);
            }
            if (peerNodeId.equals(nodeId)) {
                throw new InvalidConfigException(PEER_NODE_ID + " must differ from " + NODE_ID + " (" + nodeId + ")",
                        PEER_NODE_ID, NODE_ID);
            }
            if (bind == null) {
                throw new InvalidConfigException(BIND + " must be set (host:port)", BIND);
            }
            if (peerAddress == null) {
                throw new InvalidConfigException(PEER_ADDRESS + " must be set (host:port)", PEER_ADDRESS);
            }
            if (stateDir == null) {
                throw new InvalidConfigException(STATE_DIR + " must be set (the epoch is kept there)", STATE_DIR);
            }
            if (certDir == null && !insecure) {
                throw new InvalidConfigException(CERT_DIR + " must be set (mutual TLS is the default); "
                        + INSECURE + "=true disables TLS", CERT_DIR, INSECURE);
            }
            Duration dead = deadInterval != null ? deadInterval : heartbeatInterval.multipliedBy(3);
            if (dead.compareTo(heartbeatInterval) <= 0) {
                throw new InvalidConfigException(DEAD_INTERVAL + " (" + ConfigParsing.format(dead) + ") must be greater "
                        + "than " + HEARTBEAT_INTERVAL + " (" + ConfigParsing.format(heartbeatInterval) + ")",
                        DEAD_INTERVAL, HEARTBEAT_INTERVAL);
            }
            return new KeepaliveConfig(this, dead, arbiter(dead), floatingIp());
        }

        /** The arbiter instance (null: a lease the agent connects); checks what the chosen one needs. */
        private Arbiter arbiter(Duration dead) {
            if (arbiter != null) {
                return arbiter;
            }
            if (arbiterKind == null) {
                throw new InvalidConfigException("an arbiter must be chosen (" + ARBITER + ": none, reachability or "
                        + "lease; in Java Arbiter.none, Arbiter.reachability or Arbiter.lease; none risks split "
                        + "brain)", ARBITER);
            }
            switch (arbiterKind) {
                case "none":
                    return Arbiter.none();
                case "reachability":
                    if (arbiterAddresses == null) {
                        throw new InvalidConfigException(ARBITER + "=reachability needs " + ARBITER_ADDRESSES
                                + " (host:port,...)", ARBITER_ADDRESSES, ARBITER);
                    }
                    // resolved now, as the agent always has: a name that does not resolve fails at start
                    return Arbiter.reachability(arbiterAddresses.stream()
                            .map(a -> new InetSocketAddress(a.getHostString(), a.getPort())).toList(), dead);
                default:
                    if (leaseBackend == null) {
                        throw new InvalidConfigException(ARBITER + "=lease needs the backend of its lease: the "
                                + "high-availability.* keys (KeepaliveConfig.fromMap reads them) or "
                                + "Builder.leaseBackend", ARBITER);
                    }
                    return null;
            }
        }

        private FloatingIp floatingIp() {
            if (vip == null) {
                return floatingIp;
            }
            if (vipDevice == null) {
                throw new InvalidConfigException(VIP + " needs " + VIP_DEVICE, VIP_DEVICE, VIP);
            }
            return new FloatingIp(vipAddress, vipPrefix, vipDevice, 3, Duration.ofSeconds(5), vipNetns);
        }
    }
}
