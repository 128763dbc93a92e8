package io.hakit.keepalive;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.Ticker;
import io.hakit.api.support.ConfigParsing;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The validated, immutable configuration of one {@link KeepaliveNode}. Build it with {@link #builder()} or from the
 * {@code keepalive.*} keys with {@link #fromMap(Map)} (what {@code hakit agent} reads). Every option's default and
 * hazard is on its builder method.
 */
public final class KeepaliveConfig {

    public static final String CLUSTER_ID = "keepalive.cluster-id";
    public static final String NODE_ID = "keepalive.node-id";
    public static final String PRIORITY = "keepalive.priority";
    public static final String PREEMPT = "keepalive.preempt";
    public static final String BIND = "keepalive.bind";
    public static final String PEER_ADDRESS = "keepalive.peer.address";
    public static final String PEER_NODE_ID = "keepalive.peer.node-id";
    public static final String HEARTBEAT_INTERVAL = "keepalive.heartbeat.interval";
    public static final String DEAD_INTERVAL = "keepalive.heartbeat.dead-interval";
    public static final String HEARTBEAT_ALARM_AFTER = "keepalive.heartbeat.alarm-after";
    public static final String DETECTOR = "keepalive.heartbeat.detector";
    public static final String CERT_DIR = "keepalive.tls.cert-dir";
    public static final String INSECURE = "keepalive.tls.insecure";
    public static final String PROMOTE_ON_HANDSHAKE_FAILURE = "keepalive.tls.promote-on-handshake-failure";
    public static final String STATE_DIR = "keepalive.state-dir";
    public static final String HEALTH_FALL = "keepalive.health.fall";
    public static final String HEALTH_RISE = "keepalive.health.rise";
    public static final String HEALTH_TIMEOUT = "keepalive.health.timeout";
    public static final String CERT_CHECK_TIME = "keepalive.cert.check-time";
    public static final String CERT_EXPIRING_WITHIN = "keepalive.cert.expiring-within";
    public static final String MAX_FRAME = "keepalive.max-frame-size";

    /** Every {@code keepalive.*} key of a node, with its type, default and hazard (the agent adds its own). */
    public static final List<ConfigOption> OPTIONS = ConfigOption.list(
            new ConfigOption(CLUSTER_ID, ConfigOption.Type.ID, "default",
                    "The pair's name; both nodes must agree (a Hello with another id is refused)."),
            new ConfigOption(NODE_ID, ConfigOption.Type.ID, "required",
                    "This node's name; its certificate must name it (CN or DNS name)."),
            new ConfigOption(PRIORITY, ConfigOption.Type.INTEGER, "100",
                    "1-255; the higher wins when both could be active."),
            new ConfigOption(PREEMPT, ConfigOption.Type.BOOLEAN, "true",
                    "A healthy node of higher priority takes the active role back. Hazard: every return of the "
                            + "preferred node is a second, voluntary failover; false (nopreempt) stays on the survivor."),
            new ConfigOption(BIND, ConfigOption.Type.ADDRESS, "required", "Where this node accepts its peer."),
            new ConfigOption(PEER_ADDRESS, ConfigOption.Type.ADDRESS, "required", "Where the peer listens."),
            new ConfigOption(PEER_NODE_ID, ConfigOption.Type.ID, "required",
                    "The peer's name; its certificate must name it."),
            new ConfigOption(HEARTBEAT_INTERVAL, ConfigOption.Type.DURATION, "1 s",
                    "How often heartbeats are sent; usable down to 50 ms. Hazard: short intervals with a short dead "
                            + "interval fail over on a CPU stall."),
            new ConfigOption(DEAD_INTERVAL, ConfigOption.Type.DURATION, "3 heartbeat intervals",
                    "Peer silence after which the standby tries to promote; greater than the heartbeat interval."),
            new ConfigOption(HEARTBEAT_ALARM_AFTER, ConfigOption.Type.DURATION, "30 s",
                    "Silence before HEARTBEAT_INTERRUPTED (45640) is raised."),
            new ConfigOption(DETECTOR, ConfigOption.Type.CHOICE, "fixed",
                    "fixed: dead after the dead interval (keepalived's master-down timer); phi: phi-accrual, adapts "
                            + "to a jittery link at the cost of a less predictable failover time."),
            new ConfigOption(CERT_DIR, ConfigOption.Type.PATH, "required unless insecure",
                    "Mutual TLS from server.crt, server.key and ca.crt in this directory (hakit cert generate)."),
            new ConfigOption(INSECURE, ConfigOption.Type.BOOLEAN, "false",
                    "No TLS. Hazard: anyone who reaches the port can make the active step down; tests and isolated "
                            + "labs only."),
            new ConfigOption(PROMOTE_ON_HANDSHAKE_FAILURE, ConfigOption.Type.BOOLEAN, "false",
                    "Take the active role although the peer's address answers and fails the TLS handshake. Hazard: "
                            + "true makes any certificate mistake two actives unless a lease arbiter refuses; false "
                            + "does not take over a dead peer whose port something else answers."),
            new ConfigOption(STATE_DIR, ConfigOption.Type.PATH, "required",
                    "Epoch, status, lock and control socket; must survive restarts; one node per directory."),
            new ConfigOption(HEALTH_FALL, ConfigOption.Type.INTEGER, "3",
                    "Failed health checks in a row that make the node unhealthy (FAULT)."),
            new ConfigOption(HEALTH_RISE, ConfigOption.Type.INTEGER, "2",
                    "Passed health checks in a row that make it healthy again."),
            new ConfigOption(HEALTH_TIMEOUT, ConfigOption.Type.DURATION, "5 s",
                    "A health check still running after this counts as failed."),
            new ConfigOption(CERT_CHECK_TIME, ConfigOption.Type.TIME_OF_DAY, "01:00",
                    "Daily certificate check (also at start), local time."),
            new ConfigOption(CERT_EXPIRING_WITHIN, ConfigOption.Type.DURATION, "30 d",
                    "CERT_EXPIRING (45654) this long before a certificate expires."),
            new ConfigOption(MAX_FRAME, ConfigOption.Type.SIZE, "64 kb",
                    "Largest frame accepted from the peer, 256 b to 1 mb."));

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Duration MIN_INTERVAL = Duration.ofMillis(10);

    final String clusterId;
    final String nodeId;
    final int priority;
    final boolean preempt;
    final InetSocketAddress bind;
    final InetSocketAddress peerAddress;
    final String peerNodeId;
    final Duration heartbeatInterval;
    final Duration deadInterval;
    final Duration heartbeatAlarmAfter;
    final boolean phiDetector;
    final Path certDir;
    final boolean insecure;
    final boolean promoteOnHandshakeFailure;
    final Path stateDir;
    final int healthFall;
    final int healthRise;
    final Duration healthTimeout;
    final List<HealthCheck> healthChecks;
    final Arbiter arbiter;
    final Duration arbiterTimeout;
    final LocalTime certCheckTime;
    final Duration certExpiringWithin;
    final int maxFrame;
    final Ticker ticker;
    final Clock clock;

    private KeepaliveConfig(Builder b) {
        clusterId = b.clusterId;
        nodeId = b.nodeId;
        priority = b.priority;
        preempt = b.preempt;
        bind = b.bind;
        peerAddress = b.peerAddress;
        peerNodeId = b.peerNodeId;
        heartbeatInterval = b.heartbeatInterval;
        deadInterval = b.deadInterval != null ? b.deadInterval : b.heartbeatInterval.multipliedBy(3);
        heartbeatAlarmAfter = b.heartbeatAlarmAfter;
        phiDetector = b.phiDetector;
        certDir = b.certDir;
        insecure = b.insecure;
        promoteOnHandshakeFailure = b.promoteOnHandshakeFailure;
        stateDir = b.stateDir;
        healthFall = b.healthFall;
        healthRise = b.healthRise;
        healthTimeout = b.healthTimeout;
        healthChecks = List.copyOf(b.healthChecks);
        arbiter = b.arbiter;
        arbiterTimeout = b.arbiterTimeout != null ? b.arbiterTimeout : deadInterval;
        certCheckTime = b.certCheckTime;
        certExpiringWithin = b.certExpiringWithin;
        maxFrame = b.maxFrame;
        ticker = b.ticker;
        clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the {@code keepalive.*} keys (other keys are ignored). Arbiters and Java health checks cannot be given
     * as keys; set them on the returned builder.
     *
     * @throws InvalidConfigException naming the key of the first bad value
     */
    public static Builder fromMap(Map<String, String> map) {
        Builder b = builder();
        for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
            String k = e.getKey();
            String v = e.getValue() == null ? "" : e.getValue().trim();
            if (!k.startsWith("keepalive.")) {
                continue;
            }
            switch (k) {
                case CLUSTER_ID: b.clusterId(v); break;
                case NODE_ID: b.nodeId(v); break;
                case PRIORITY: b.priority(ConfigParsing.integer(k, v)); break;
                case PREEMPT: b.preempt(bool(k, v)); break;
                case BIND: b.bind(address(k, v)); break;
                case PEER_ADDRESS: b.peer(b.peerNodeId, address(k, v)); break;
                case PEER_NODE_ID: b.peerNodeId = checkId(k, v); break;
                case HEARTBEAT_INTERVAL: b.heartbeatInterval(ConfigParsing.duration(k, v)); break;
                case DEAD_INTERVAL: b.deadInterval(ConfigParsing.duration(k, v)); break;
                case HEARTBEAT_ALARM_AFTER: b.heartbeatAlarmAfter(ConfigParsing.duration(k, v)); break;
                case DETECTOR:
                    if (!v.equals("fixed") && !v.equals("phi")) {
                        throw new InvalidConfigException(k + " must be fixed or phi, was '" + v + "'", k);
                    }
                    b.phiAccrualDetector(v.equals("phi"));
                    break;
                case CERT_DIR: b.tls(Paths.get(v)); break;
                case INSECURE: if (bool(k, v)) { b.insecure(); } break;
                case PROMOTE_ON_HANDSHAKE_FAILURE: b.promoteOnHandshakeFailure(bool(k, v)); break;
                case STATE_DIR: b.stateDir(Paths.get(v)); break;
                case HEALTH_FALL: b.healthCounts(ConfigParsing.integer(k, v), b.healthRise); break;
                case HEALTH_RISE: b.healthCounts(b.healthFall, ConfigParsing.integer(k, v)); break;
                case HEALTH_TIMEOUT: b.healthTimeout(ConfigParsing.duration(k, v)); break;
                case CERT_CHECK_TIME: b.certCheckTime(time(k, v)); break;
                case CERT_EXPIRING_WITHIN: b.certExpiringWithin(ConfigParsing.duration(k, v)); break;
                case MAX_FRAME: b.maxFrameSize((int) Math.min(Integer.MAX_VALUE, ConfigParsing.bytes(k, v))); break;
                default:
                    throw new InvalidConfigException("unknown keepalive option " + k, k);
            }
        }
        return b;
    }

    private static boolean bool(String k, String v) {
        return ConfigParsing.bool(k, v);
    }

    private static InetSocketAddress address(String k, String v) {
        return ConfigParsing.address(k, v);
    }

    private static LocalTime time(String k, String v) {
        try {
            return LocalTime.parse(v);
        } catch (DateTimeParseException e) {
            throw new InvalidConfigException(k + ": '" + v + "' is not a time of day like 01:00", k);
        }
    }

    static String checkId(String key, String v) {
        if (v == null || !ID.matcher(v).matches()) {
            throw new InvalidConfigException(key + " must be 1-64 characters of [A-Za-z0-9._-], was '" + v + "'", key);
        }
        return v;
    }

    public String nodeId() {
        return nodeId;
    }

    public String peerNodeId() {
        return peerNodeId;
    }

    public int priority() {
        return priority;
    }

    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** Where the node keeps its epoch (and the agent its status, lock and control socket). */
    public java.nio.file.Path stateDir() {
        return stateDir;
    }

    public Duration deadInterval() {
        return deadInterval;
    }

    @Override
    public String toString() {
        return "KeepaliveConfig{" + nodeId + " priority " + priority + (preempt ? " preempt" : " nopreempt")
                + ", peer " + peerNodeId + "@" + peerAddress.getHostString() + ":" + peerAddress.getPort() + ", heartbeat " + ConfigParsing.format(heartbeatInterval)
                + ", dead after " + ConfigParsing.format(deadInterval) + ", arbiter " + arbiter.describe()
                + (insecure ? ", INSECURE (no TLS)" : ", mTLS from " + certDir
                + (promoteOnHandshakeFailure ? " (promotes on handshake failure)" : "")) + "}";
    }

    /** Builds a {@link KeepaliveConfig}; {@link #build()} checks the cross-field rules naming both fields. */
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
        private Arbiter arbiter;
        private Duration arbiterTimeout;
        private LocalTime certCheckTime = LocalTime.of(1, 0);
        private Duration certExpiringWithin = Duration.ofDays(30);
        private int maxFrame = 64 * 1024;
        private Ticker ticker = Ticker.system();
        private Clock clock = Clock.systemDefaultZone();

        private Builder() {
        }

        /** {@value KeepaliveConfig#CLUSTER_ID}: both nodes must agree; a Hello with another id is refused. Default "default". */
        public Builder clusterId(String id) {
            this.clusterId = checkId(CLUSTER_ID, id);
            return this;
        }

        /** {@value KeepaliveConfig#NODE_ID}: required; also the name this node's certificate must carry. */
        public Builder nodeId(String id) {
            this.nodeId = checkId(NODE_ID, id);
            return this;
        }

        /** {@value KeepaliveConfig#PRIORITY}: 1-255, higher wins when both could be active. Default 100. */
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
         */
        public Builder preempt(boolean p) {
            this.preempt = p;
            return this;
        }

        /** {@value KeepaliveConfig#BIND}: where this node accepts its peer. Required. */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, BIND);
            return this;
        }

        /** {@value KeepaliveConfig#PEER_NODE_ID} and {@value KeepaliveConfig#PEER_ADDRESS}: the other node. Required. */
        public Builder peer(String peerNodeId, InetSocketAddress address) {
            this.peerNodeId = peerNodeId == null ? null : checkId(PEER_NODE_ID, peerNodeId);
            this.peerAddress = Objects.requireNonNull(address, PEER_ADDRESS);
            return this;
        }

        /**
         * {@value KeepaliveConfig#HEARTBEAT_INTERVAL}: how often heartbeats are sent. Default 1 s; usable down to
         * 50 ms (10 ms accepted). Hazard: short intervals with a short dead interval fail over on a CPU stall.
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
         * heartbeat interval.
         */
        public Builder deadInterval(Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new InvalidConfigException(DEAD_INTERVAL + " must be positive", DEAD_INTERVAL);
            }
            this.deadInterval = d;
            return this;
        }

        /** {@value KeepaliveConfig#HEARTBEAT_ALARM_AFTER}: silence before HEARTBEAT_INTERRUPTED (45640). Default 30 s. */
        public Builder heartbeatAlarmAfter(Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new InvalidConfigException(HEARTBEAT_ALARM_AFTER + " must be positive", HEARTBEAT_ALARM_AFTER);
            }
            this.heartbeatAlarmAfter = d;
            return this;
        }

        /**
         * {@value KeepaliveConfig#DETECTOR}: how peer silence is judged, with ha-api's failure detectors. {@code fixed}
         * (default): dead after the dead interval without a heartbeat, like keepalived's master-down timer.
         * {@code phi}: phi-accrual (threshold 8) learning the heartbeats' arrival pattern, with the dead interval less
         * one heartbeat interval as acceptable pause; it adapts to a jittery link, at the cost of a less predictable
         * failover time.
         */
        public Builder phiAccrualDetector(boolean phi) {
            this.phiDetector = phi;
            return this;
        }

        /** {@value KeepaliveConfig#CERT_DIR}: mutual TLS from {@code server.crt}, {@code server.key}, {@code ca.crt}. */
        public Builder tls(Path certDir) {
            this.certDir = Objects.requireNonNull(certDir, CERT_DIR);
            this.insecure = false;
            return this;
        }

        /**
         * {@value KeepaliveConfig#INSECURE}: no TLS. Hazard: anyone who can reach the port can send heartbeats and
         * role changes, and so make the active step down; for tests and isolated lab networks only. The node logs a
         * warning at start.
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
         */
        public Builder promoteOnHandshakeFailure(boolean promote) {
            this.promoteOnHandshakeFailure = promote;
            return this;
        }

        /**
         * {@value KeepaliveConfig#STATE_DIR}: where the epoch is persisted. Required; must survive restarts. One node
         * per directory: a node holds {@code node.lock} in it while it runs, and a second node (in this or another
         * process) refuses to start, naming the process that holds it.
         */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, STATE_DIR);
            return this;
        }

        /** {@value KeepaliveConfig#HEALTH_FALL} / {@value KeepaliveConfig#HEALTH_RISE}: defaults 3 and 2. */
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

        /** {@value KeepaliveConfig#HEALTH_TIMEOUT}: a check still running after this counts as failed. Default 5 s. */
        public Builder healthTimeout(Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new InvalidConfigException(HEALTH_TIMEOUT + " must be positive", HEALTH_TIMEOUT);
            }
            this.healthTimeout = d;
            return this;
        }

        /** Adds a local health check (run every heartbeat interval). */
        public Builder healthCheck(HealthCheck check) {
            healthChecks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /** The arbiter a standby must win before promoting on peer silence. Required: choose consciously. */
        public Builder arbiter(Arbiter a) {
            this.arbiter = Objects.requireNonNull(a, "arbiter");
            return this;
        }

        /** How long one arbiter attempt may take. Default: the dead interval. */
        public Builder arbiterTimeout(Duration d) {
            this.arbiterTimeout = Objects.requireNonNull(d, "arbiterTimeout");
            return this;
        }

        /** {@value KeepaliveConfig#CERT_CHECK_TIME}: daily certificate check (and at start). Default 01:00 local. */
        public Builder certCheckTime(LocalTime t) {
            this.certCheckTime = Objects.requireNonNull(t, CERT_CHECK_TIME);
            return this;
        }

        /** {@value KeepaliveConfig#CERT_EXPIRING_WITHIN}: CERT_EXPIRING (45654) this long before expiry. Default 30 d. */
        public Builder certExpiringWithin(Duration d) {
            if (d == null || d.isNegative()) {
                throw new InvalidConfigException(CERT_EXPIRING_WITHIN + " must not be negative", CERT_EXPIRING_WITHIN);
            }
            this.certExpiringWithin = d;
            return this;
        }

        /** {@value KeepaliveConfig#MAX_FRAME}: largest frame accepted, 256 B - 1 MiB. Default 64 KiB. */
        public Builder maxFrameSize(int bytes) {
            if (bytes < 256 || bytes > (1 << 20)) {
                throw new InvalidConfigException(MAX_FRAME + " must be 256 bytes to 1 MiB, was " + bytes, MAX_FRAME);
            }
            this.maxFrame = bytes;
            return this;
        }

        /** The monotonic time source (tests). */
        public Builder ticker(Ticker t) {
            this.ticker = Objects.requireNonNull(t, "ticker");
            return this;
        }

        /** The wall clock of certificate checks and alarm timestamps (tests). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * @throws InvalidConfigException if a required field is missing, if the dead interval is not greater than
         *     the heartbeat interval (naming both), or if neither TLS nor insecure mode was chosen
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
            if (arbiter == null) {
                throw new InvalidConfigException("an arbiter must be chosen (Arbiter.lease, Arbiter.reachability or "
                        + "Arbiter.none, which risks split brain)", "keepalive.arbiter");
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
            return new KeepaliveConfig(this);
        }
    }
}
