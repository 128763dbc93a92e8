package io.hakit.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.support.ConfigParsing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The ZooKeeper backend's options, read from {@link HaConfig#backendOptions()} with Flink's key names, validated.
 * Every option's default and hazard is on its key constant.
 */
public final class ZooKeeperOptions {

    /** Required. The ensemble, {@code host:port,host:port,...} (Flink's key). */
    public static final String QUORUM = "high-availability.zookeeper.quorum";
    /**
     * Root path; the cluster lives under {@code <root>/<cluster-id>}. Default {@code /hakit} (Flink's default is
     * {@code /flink}: keep them apart).
     */
    public static final String PATH_ROOT = "high-availability.zookeeper.path.root";
    /**
     * Session timeout. Default 15 s (Flink: 60 s). A crashed leader keeps its leadership this long, so it bounds
     * failover on a crash; too short and a GC pause or a slow disk on the ensemble expires healthy sessions.
     */
    public static final String SESSION_TIMEOUT = "high-availability.zookeeper.client.session-timeout";
    /** Connection timeout; also how long start-up waits for the first connection. Default 15 s (Flink's). */
    public static final String CONNECTION_TIMEOUT = "high-availability.zookeeper.client.connection-timeout";
    /**
     * First wait of Curator's exponential retry (its own work, such as the shared cache). Default 5 s (Flink's). The
     * store's reads do not use it: they answer within {@code high-availability.operation-timeout}.
     */
    public static final String RETRY_WAIT = "high-availability.zookeeper.client.retry-wait";
    /**
     * Retries of Curator's own work. Default 3 (Flink's). The store's reads are resent after a connection loss only
     * while {@code high-availability.operation-timeout} lasts; writes are never retried blindly: see
     * {@link ZooKeeperBackendFactory}.
     */
    public static final String MAX_RETRY_ATTEMPTS = "high-availability.zookeeper.client.max-retry-attempts";
    /**
     * Flink's switch: {@code true} keeps leadership through a SUSPENDED connection while the session is surely still
     * alive on the servers (the core's {@code revoke-on-loss} policy); default {@code false} revokes at once. When set
     * it overrides {@code high-availability.connection-state-policy}. "Surely alive" is measured locally: the session
     * timeout, less a margin of a tenth of it (at least 200 ms), after the sending of the last request the servers
     * answered; with this policy each process sends a cheap read every tenth of the session timeout to keep that
     * reference fresh. So a leader steps down before the servers can expire its session and grant another process,
     * and a blip that reconnects in time keeps leadership without a revoke. Hazard: see
     * {@link io.hakit.api.ConnectionStatePolicy#REVOKE_ON_LOSS}; a process that stalls (a long GC pause) may still act
     * after its session expired, which only fencing guards against.
     */
    public static final String TOLERATE_SUSPENDED = "high-availability.zookeeper.client.tolerate-suspended-connections";
    /** ACL of created znodes: {@code open} (default, world-writable) or {@code creator} (needs {@link #DIGEST}). */
    public static final String ACL = "high-availability.zookeeper.client.acl";
    /**
     * Digest credentials {@code user:password}; with ACL {@code creator}, only sessions with these credentials can
     * read or change the cluster's znodes. Hazard: the password is in the configuration in clear text.
     */
    public static final String DIGEST = "high-availability.zookeeper.client.digest";
    /** Largest record kept inline in a znode; larger values go to the blob store. Default 1,000,000 bytes. */
    public static final String INLINE_LIMIT = "high-availability.zookeeper.inline-limit";

    /**
     * Flink's key: whether Curator follows the ensemble's own list of members (read from {@code /zookeeper/config})
     * instead of {@link #QUORUM}. Default {@code true} (Flink's and Curator's default): a dynamic reconfiguration of
     * the ensemble is followed without a restart. Hazard: the servers advertise the addresses they see themselves at,
     * so behind a load balancer, a virtual IP, NAT or a Kubernetes Service the client moves to addresses that bypass
     * the configured path or do not resolve at all (as soon as it has read the ensemble's list; a new session after an
     * expiry always uses it); set it to {@code false} there, and the configured quorum stays authoritative.
     */
    public static final String ENSEMBLE_TRACKER = "high-availability.zookeeper.client.ensemble-tracker";

    private static final Set<String> KEYS = Set.of(QUORUM, PATH_ROOT, SESSION_TIMEOUT, CONNECTION_TIMEOUT, RETRY_WAIT,
            MAX_RETRY_ATTEMPTS, TOLERATE_SUSPENDED, ACL, DIGEST, INLINE_LIMIT, ENSEMBLE_TRACKER);
    private static final int MAX_INLINE = 1_000_000;

    private final String quorum;
    private final String clusterPath;
    private final Duration sessionTimeout;
    private final Duration connectionTimeout;
    private final Duration retryWait;
    private final int maxRetryAttempts;
    private final Optional<Boolean> tolerateSuspended;
    private final boolean creatorAcl;
    private final Optional<byte[]> digest;
    private final int inlineLimit;
    private final boolean ensembleTracker;

    private ZooKeeperOptions(HaConfig config) {
        for (String key : config.backendOptions().keySet()) {
            if (key.startsWith("high-availability.zookeeper.") && !KEYS.contains(key)) {
                throw new InvalidConfigException("unknown ZooKeeper option " + key + " (known: " + KEYS + ")", key);
            }
        }
        this.quorum = config.backendOption(QUORUM).map(String::trim).filter(s -> !s.isEmpty())
                .orElseThrow(() -> new InvalidConfigException(QUORUM + " must be set for high-availability.type="
                        + "zookeeper (host:port,host:port,...)", QUORUM));
        for (String hostPort : quorum.split(",")) {
            String hp = hostPort.trim();
            int colon = hp.lastIndexOf(':');
            if (hp.isEmpty() || (colon >= 0 && !hp.substring(colon + 1).matches("\\d{1,5}(/.*)?"))) {
                throw new InvalidConfigException(QUORUM + ": '" + hostPort + "' is not host:port", QUORUM);
            }
        }
        String root = config.backendOption(PATH_ROOT).orElse("/hakit").trim();
        if (!root.startsWith("/")) {
            root = "/" + root;
        }
        while (root.length() > 1 && root.endsWith("/")) {
            root = root.substring(0, root.length() - 1);
        }
        if (!root.matches("(/[A-Za-z0-9._-]+)+") || root.contains("/./") || root.contains("/../")
                || root.endsWith("/.") || root.endsWith("/..") || root.startsWith("/zookeeper")) {
            throw new InvalidConfigException(PATH_ROOT + ": '" + root + "' is not a valid znode path outside "
                    + "/zookeeper", PATH_ROOT);
        }
        this.clusterPath = root + "/" + config.clusterId();
        this.sessionTimeout = duration(config, SESSION_TIMEOUT, Duration.ofSeconds(15));
        this.connectionTimeout = duration(config, CONNECTION_TIMEOUT, Duration.ofSeconds(15));
        this.retryWait = duration(config, RETRY_WAIT, Duration.ofSeconds(5));
        this.maxRetryAttempts = config.backendOption(MAX_RETRY_ATTEMPTS)
                .map(v -> ConfigParsing.integer(MAX_RETRY_ATTEMPTS, v)).orElse(3);
        if (maxRetryAttempts < 0 || maxRetryAttempts > 29) {
            throw new InvalidConfigException(MAX_RETRY_ATTEMPTS + " must be between 0 and 29, was "
                    + maxRetryAttempts, MAX_RETRY_ATTEMPTS);
        }
        if (sessionTimeout.toMillis() > Integer.MAX_VALUE || connectionTimeout.toMillis() > Integer.MAX_VALUE
                || retryWait.toMillis() > Integer.MAX_VALUE) {
            throw new InvalidConfigException("ZooKeeper timeouts must be below 24 days", SESSION_TIMEOUT);
        }
        this.tolerateSuspended = config.backendOption(TOLERATE_SUSPENDED).map(v -> bool(TOLERATE_SUSPENDED, v));
        String acl = config.backendOption(ACL).orElse("open").trim().toLowerCase(Locale.ROOT);
        if (!acl.equals("open") && !acl.equals("creator")) {
            throw new InvalidConfigException(ACL + ": '" + acl + "' is not an ACL mode (use open or creator)", ACL);
        }
        this.creatorAcl = acl.equals("creator");
        Optional<String> d = config.backendOption(DIGEST);
        if (d.isPresent() && !d.get().matches("[^:]+:.+")) {
            throw new InvalidConfigException(DIGEST + " must be user:password", DIGEST);
        }
        if (creatorAcl && d.isEmpty()) {
            throw new InvalidConfigException(ACL + "=creator needs " + DIGEST + " (user:password): without "
                    + "credentials the znodes would be readable by no one", ACL, DIGEST);
        }
        this.digest = d.map(s -> s.getBytes(StandardCharsets.UTF_8));
        long inline = config.backendOption(INLINE_LIMIT).map(v -> ConfigParsing.bytes(INLINE_LIMIT, v))
                .orElse((long) MAX_INLINE);
        if (inline < 1024 || inline > MAX_INLINE) {
            throw new InvalidConfigException(INLINE_LIMIT + " must be between 1 KiB and " + MAX_INLINE
                    + " bytes (ZooKeeper's jute.maxbuffer is 1 MiB), was " + inline, INLINE_LIMIT);
        }
        this.inlineLimit = (int) inline;
        this.ensembleTracker = config.backendOption(ENSEMBLE_TRACKER).map(v -> bool(ENSEMBLE_TRACKER, v)).orElse(true);
        if (sessionTimeout.compareTo(Duration.ofMillis(100)) < 0) {
            throw new InvalidConfigException(SESSION_TIMEOUT + " must be at least 100 ms, was "
                    + ConfigParsing.format(sessionTimeout), SESSION_TIMEOUT);
        }
    }

    /**
     * Reads and validates the options.
     *
     * @throws InvalidConfigException naming the key of the first bad option, or of an unknown
     *     {@code high-availability.zookeeper.*} key
     */
    public static ZooKeeperOptions of(HaConfig config) {
        return new ZooKeeperOptions(config);
    }

    private static Duration duration(HaConfig config, String key, Duration dflt) {
        Duration d = config.backendOption(key).map(v -> ConfigParsing.duration(key, v)).orElse(dflt);
        if (d.isZero() || d.isNegative()) {
            throw new InvalidConfigException(key + " must be positive, was " + ConfigParsing.format(d), key);
        }
        return d;
    }

    private static boolean bool(String key, String v) {
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new InvalidConfigException(key + ": '" + v + "' is not true or false", key);
        }
    }

    public String quorum() {
        return quorum;
    }

    /** {@code <path.root>/<cluster-id>}. */
    public String clusterPath() {
        return clusterPath;
    }

    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    public Duration retryWait() {
        return retryWait;
    }

    public int maxRetryAttempts() {
        return maxRetryAttempts;
    }

    /** Flink's tolerate-suspended-connections switch, if set. */
    public Optional<Boolean> tolerateSuspended() {
        return tolerateSuspended;
    }

    public boolean creatorAcl() {
        return creatorAcl;
    }

    /** The digest credentials, if set (a copy). */
    public Optional<byte[]> digest() {
        return digest.map(byte[]::clone);
    }

    public int inlineLimit() {
        return inlineLimit;
    }

    /** Whether Curator follows the ensemble's own member list; see {@link #ENSEMBLE_TRACKER}. */
    public boolean ensembleTracker() {
        return ensembleTracker;
    }
}
