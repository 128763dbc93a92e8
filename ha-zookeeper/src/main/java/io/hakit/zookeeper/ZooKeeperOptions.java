package io.hakit.zookeeper;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.support.ConfigKeys;
import io.hakit.api.support.ConfigParsing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated, immutable options of the ZooKeeper backend, with Flink's key names: the keys under
 * {@code high-availability.zookeeper.} (all but {@link #TOLERATE_SUSPENDED}, which {@link HaConfig} reads). The backend
 * reads them from {@link HaConfig#backendOptions()} with {@link #of(HaConfig)}; {@link #builder()} and
 * {@link #fromMap(Map)} build them directly. Every option's default and hazard is on its key constant; an unknown
 * key of the namespace is refused, naming the nearest valid key.
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
    public static final String TOLERATE_SUSPENDED = HaConfig.ZOOKEEPER_TOLERATE_SUSPENDED;
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

    private static final int MAX_INLINE = 1_000_000;
    private static final Duration MAX_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

    private static final ConfigKeys<Builder> KEYS = ConfigKeys.<Builder>owning("high-availability.zookeeper.")
            .except(HaConfig.OPTIONS)
            .text(QUORUM, ConfigOption.Type.STRING, "required", "The ensemble, host:port,host:port,...",
                    Builder::quorum)
            .text(PATH_ROOT, ConfigOption.Type.STRING, "/hakit", "Root znode; the cluster lives under "
                    + "<root>/<cluster-id>. Keep it apart from Flink's /flink.", Builder::pathRoot)
            .duration(SESSION_TIMEOUT, "15 s", "Session timeout, at least 100 ms. Hazard: bounds failover on a crash; "
                    + "too short expires healthy sessions on a GC pause.", Builder::sessionTimeout)
            .duration(CONNECTION_TIMEOUT, "15 s", "Connection timeout; how long start-up waits for the first "
                    + "connection.", Builder::connectionTimeout)
            .duration(RETRY_WAIT, "5 s", "First wait of Curator's exponential retry of its own work.",
                    Builder::retryWait)
            .integer(MAX_RETRY_ATTEMPTS, "3", "Retries of Curator's own work, 0-29.", Builder::maxRetryAttempts)
            .text(ACL, ConfigOption.Type.CHOICE, "open", "open (world-writable) or creator (needs the digest).",
                    (b, v) -> b.creatorAcl(acl(v)))
            .text(DIGEST, ConfigOption.Type.STRING, "-", "user:password of the sessions that may read and change the "
                    + "znodes with acl creator. Hazard: in clear text.", Builder::digest)
            .size(INLINE_LIMIT, "1000000 b", "Largest record kept inline in a znode, 1 kb to 1000000 b; larger "
                    + "values go to the blob store.", Builder::inlineLimit)
            .text(ENSEMBLE_TRACKER, ConfigOption.Type.BOOLEAN, "true", "Follow the ensemble's own member list. "
                    + "Hazard: behind a load balancer, virtual IP, NAT or Service, set false.",
                    (b, v) -> b.ensembleTracker(strictBool(ENSEMBLE_TRACKER, v)))
            .build();

    /** Every key of this class, with its type, default and hazard. */
    public static final List<ConfigOption> OPTIONS = KEYS.options();

    private final String quorum;
    private final String pathRoot;
    private final Duration sessionTimeout;
    private final Duration connectionTimeout;
    private final Duration retryWait;
    private final int maxRetryAttempts;
    private final boolean creatorAcl;
    private final Optional<byte[]> digest;
    private final int inlineLimit;
    private final boolean ensembleTracker;

    private ZooKeeperOptions(Builder b) {
        this.quorum = b.quorum;
        this.pathRoot = b.pathRoot;
        this.sessionTimeout = b.sessionTimeout;
        this.connectionTimeout = b.connectionTimeout;
        this.retryWait = b.retryWait;
        this.maxRetryAttempts = b.maxRetryAttempts;
        this.creatorAcl = b.creatorAcl;
        this.digest = Optional.ofNullable(b.digest).map(s -> s.getBytes(StandardCharsets.UTF_8));
        this.inlineLimit = b.inlineLimit;
        this.ensembleTracker = b.ensembleTracker;
    }

    /**
     * A builder with every default (the quorum has none).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the {@code high-availability.zookeeper.*} keys of {@code map}; other keys are left to their owners.
     *
     * @param map configuration keys and values; not changed
     * @return the validated options
     * @throws InvalidConfigException naming the key of the first bad option, or an unknown
     *     {@code high-availability.zookeeper.*} key and the nearest valid one
     */
    public static ZooKeeperOptions fromMap(Map<String, String> map) {
        return builder().options(map).build();
    }

    /**
     * Reads and validates the options of {@code config}'s backend options: what the backend connects with.
     *
     * @param config the configuration
     * @return the validated options
     * @throws InvalidConfigException naming the key of the first bad option, or of an unknown
     *     {@code high-availability.zookeeper.*} key
     */
    public static ZooKeeperOptions of(HaConfig config) {
        return fromMap(config.backendOptions());
    }

    private static boolean acl(String v) {
        String acl = v.toLowerCase(Locale.ROOT);
        if (!acl.equals("open") && !acl.equals("creator")) {
            throw new InvalidConfigException(ACL + ": '" + acl + "' is not an ACL mode (use open or creator)", ACL);
        }
        return acl.equals("creator");
    }

    private static boolean strictBool(String key, String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw new InvalidConfigException(key + ": '" + v + "' is not true or false", key);
        }
    }

    /**
     * {@value #QUORUM}.
     *
     * @return the ensemble, {@code host:port,...}
     */
    public String quorum() {
        return quorum;
    }

    /**
     * {@value #PATH_ROOT}, normalized: a leading slash, none at the end.
     *
     * @return the root znode
     */
    public String pathRoot() {
        return pathRoot;
    }

    /**
     * Where a cluster lives: {@code <path.root>/<cluster-id>}.
     *
     * @param clusterId the cluster id ({@link HaConfig#clusterId()})
     * @return the cluster's znode
     */
    public String clusterPath(String clusterId) {
        return pathRoot + "/" + clusterId;
    }

    /**
     * {@value #SESSION_TIMEOUT}.
     *
     * @return the session timeout
     */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /**
     * {@value #CONNECTION_TIMEOUT}.
     *
     * @return the connection timeout
     */
    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    /**
     * {@value #RETRY_WAIT}.
     *
     * @return the first wait of Curator's retry
     */
    public Duration retryWait() {
        return retryWait;
    }

    /**
     * {@value #MAX_RETRY_ATTEMPTS}.
     *
     * @return Curator's retries
     */
    public int maxRetryAttempts() {
        return maxRetryAttempts;
    }

    /**
     * {@value #ACL}: whether the znodes are created with the creator-only ACL.
     *
     * @return true for {@code creator}
     */
    public boolean creatorAcl() {
        return creatorAcl;
    }

    /**
     * {@value #DIGEST}: the digest credentials, if set (a copy).
     *
     * @return {@code user:password} as UTF-8 bytes, or empty
     */
    public Optional<byte[]> digest() {
        return digest.map(byte[]::clone);
    }

    /**
     * {@value #INLINE_LIMIT}.
     *
     * @return the largest record kept inline, in bytes
     */
    public int inlineLimit() {
        return inlineLimit;
    }

    /**
     * {@value #ENSEMBLE_TRACKER}: whether Curator follows the ensemble's own member list.
     *
     * @return whether the ensemble tracker is on
     */
    public boolean ensembleTracker() {
        return ensembleTracker;
    }

    /**
     * Builds {@link ZooKeeperOptions}. Setters check their own value (naming its key) and leave the builder as it was
     * when they refuse it; {@link #build()} checks the rest. Not thread-safe; {@code build()} copies.
     */
    public static final class Builder {
        private String quorum;
        private String pathRoot = "/hakit";
        private Duration sessionTimeout = Duration.ofSeconds(15);
        private Duration connectionTimeout = Duration.ofSeconds(15);
        private Duration retryWait = Duration.ofSeconds(5);
        private int maxRetryAttempts = 3;
        private boolean creatorAcl;
        private String digest;
        private int inlineLimit = MAX_INLINE;
        private boolean ensembleTracker = true;

        private Builder() {
        }

        /**
         * Applies the {@code high-availability.zookeeper.*} keys of {@code map}, in sorted key order.
         *
         * @param map configuration keys and values; other keys are ignored
         * @return this builder
         * @throws InvalidConfigException naming the first bad key, or an unknown key and the nearest valid one
         */
        public Builder options(Map<String, String> map) {
            return KEYS.apply(map, this);
        }

        /**
         * {@value ZooKeeperOptions#QUORUM}: the ensemble. Required.
         *
         * @param quorum {@code host:port,host:port,...} (a chroot after the last port is allowed); empty is refused by
         *     {@link #build()}
         * @return this builder
         * @throws InvalidConfigException if an entry is not host:port
         */
        public Builder quorum(String quorum) {
            String q = Objects.requireNonNull(quorum, QUORUM).trim();
            for (String hostPort : q.isEmpty() ? new String[0] : q.split(",")) {
                String hp = hostPort.trim();
                int colon = hp.lastIndexOf(':');
                if (hp.isEmpty() || (colon >= 0 && !hp.substring(colon + 1).matches("\\d{1,5}(/.*)?"))) {
                    throw new InvalidConfigException(QUORUM + ": '" + hostPort + "' is not host:port", QUORUM);
                }
            }
            this.quorum = q;
            return this;
        }

        /**
         * {@value ZooKeeperOptions#PATH_ROOT}: the root znode. Default {@code /hakit}.
         *
         * @param root a znode path outside {@code /zookeeper}; a leading slash is added, trailing ones dropped
         * @return this builder
         * @throws InvalidConfigException if it is not a valid znode path outside {@code /zookeeper}
         */
        public Builder pathRoot(String root) {
            String r = Objects.requireNonNull(root, PATH_ROOT).trim();
            if (!r.startsWith("/")) {
                r = "/" + r;
            }
            while (r.length() > 1 && r.endsWith("/")) {
                r = r.substring(0, r.length() - 1);
            }
            if (!r.matches("(/[A-Za-z0-9._-]+)+") || r.contains("/./") || r.contains("/../")
                    || r.endsWith("/.") || r.endsWith("/..") || r.startsWith("/zookeeper")) {
                throw new InvalidConfigException(PATH_ROOT + ": '" + r + "' is not a valid znode path outside "
                        + "/zookeeper", PATH_ROOT);
            }
            this.pathRoot = r;
            return this;
        }

        /**
         * {@value ZooKeeperOptions#SESSION_TIMEOUT}. Default 15 s.
         *
         * @param d the session timeout, 100 ms to 24 days
         * @return this builder
         * @throws InvalidConfigException if it is shorter than 100 ms or not below 24 days
         */
        public Builder sessionTimeout(Duration d) {
            timeout(SESSION_TIMEOUT, d);
            if (d.compareTo(Duration.ofMillis(100)) < 0) {
                throw new InvalidConfigException(SESSION_TIMEOUT + " must be at least 100 ms, was "
                        + ConfigParsing.format(d), SESSION_TIMEOUT);
            }
            this.sessionTimeout = d;
            return this;
        }

        /**
         * {@value ZooKeeperOptions#CONNECTION_TIMEOUT}. Default 15 s.
         *
         * @param d the connection timeout, positive, below 24 days
         * @return this builder
         * @throws InvalidConfigException if it is not positive or not below 24 days
         */
        public Builder connectionTimeout(Duration d) {
            this.connectionTimeout = timeout(CONNECTION_TIMEOUT, d);
            return this;
        }

        /**
         * {@value ZooKeeperOptions#RETRY_WAIT}. Default 5 s.
         *
         * @param d the first wait, positive, below 24 days
         * @return this builder
         * @throws InvalidConfigException if it is not positive or not below 24 days
         */
        public Builder retryWait(Duration d) {
            this.retryWait = timeout(RETRY_WAIT, d);
            return this;
        }

        /**
         * {@value ZooKeeperOptions#MAX_RETRY_ATTEMPTS}. Default 3.
         *
         * @param n the retries, 0 to 29
         * @return this builder
         * @throws InvalidConfigException if {@code n} is outside 0-29
         */
        public Builder maxRetryAttempts(int n) {
            if (n < 0 || n > 29) {
                throw new InvalidConfigException(MAX_RETRY_ATTEMPTS + " must be between 0 and 29, was " + n,
                        MAX_RETRY_ATTEMPTS);
            }
            this.maxRetryAttempts = n;
            return this;
        }

        /**
         * {@value ZooKeeperOptions#ACL}: {@code true} for {@code creator} (needs {@link #digest}), {@code false} for
         * {@code open}. Default open.
         *
         * @param creator whether only sessions with the digest may read and change the znodes
         * @return this builder
         */
        public Builder creatorAcl(boolean creator) {
            this.creatorAcl = creator;
            return this;
        }

        /**
         * {@value ZooKeeperOptions#DIGEST}: the credentials of this process's sessions.
         *
         * @param userPassword {@code user:password}
         * @return this builder
         * @throws InvalidConfigException if it is not {@code user:password}
         */
        public Builder digest(String userPassword) {
            if (userPassword == null || !userPassword.matches("[^:]+:.+")) {
                throw new InvalidConfigException(DIGEST + " must be user:password", DIGEST);
            }
            this.digest = userPassword;
            return this;
        }

        /**
         * {@value ZooKeeperOptions#INLINE_LIMIT}. Default 1,000,000 bytes.
         *
         * @param bytes the largest record kept inline, 1 KiB to 1,000,000 bytes
         * @return this builder
         * @throws InvalidConfigException if {@code bytes} is outside that range
         */
        public Builder inlineLimit(long bytes) {
            if (bytes < 1024 || bytes > MAX_INLINE) {
                throw new InvalidConfigException(INLINE_LIMIT + " must be between 1 KiB and " + MAX_INLINE
                        + " bytes (ZooKeeper's jute.maxbuffer is 1 MiB), was " + bytes, INLINE_LIMIT);
            }
            this.inlineLimit = (int) bytes;
            return this;
        }

        /**
         * {@value ZooKeeperOptions#ENSEMBLE_TRACKER}. Default true; see the key's hazard.
         *
         * @param on whether Curator follows the ensemble's own member list
         * @return this builder
         */
        public Builder ensembleTracker(boolean on) {
            this.ensembleTracker = on;
            return this;
        }

        /**
         * Checks the rules across options and returns an immutable copy.
         *
         * @return the validated options
         * @throws InvalidConfigException if the quorum is missing, or acl creator has no digest (naming both keys)
         */
        public ZooKeeperOptions build() {
            if (quorum == null || quorum.isEmpty()) {
                throw new InvalidConfigException(QUORUM + " must be set for high-availability.type=zookeeper "
                        + "(host:port,host:port,...)", QUORUM);
            }
            if (creatorAcl && digest == null) {
                throw new InvalidConfigException(ACL + "=creator needs " + DIGEST + " (user:password): without "
                        + "credentials the znodes would be readable by no one", ACL, DIGEST);
            }
            return new ZooKeeperOptions(this);
        }

        private static Duration timeout(String key, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new InvalidConfigException(key + " must be positive, was "
                        + (d == null ? null : ConfigParsing.format(d)), key);
            }
            if (d.compareTo(MAX_TIMEOUT) > 0) {
                throw new InvalidConfigException(key + " must be below 24 days (ZooKeeper counts int milliseconds), was "
                        + ConfigParsing.format(d), key);
            }
            return d;
        }
    }
}
