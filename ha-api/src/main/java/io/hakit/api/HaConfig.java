package io.hakit.api;

import io.hakit.api.internal.Backends;
import io.hakit.api.support.ConfigKeys;
import io.hakit.api.support.ConfigParsing;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/**
 * The validated, immutable configuration of one process's {@link HaServices}.
 *
 * <p>Build it with {@link #builder()} or from Flink-style keys with {@link #fromMap(Map)}. Every option's Javadoc
 * on the {@link Builder} gives its key, its default and its hazard; {@link #OPTIONS} lists the keys. The
 * {@code high-availability.*} namespace is this class's, but for one namespace per backend,
 * {@code high-availability.<type>.} (for example {@code high-availability.zookeeper.quorum}): those keys are kept in
 * {@link #backendOptions()} for the backend, whose options class checks them when it connects, and so are Flink's
 * {@code kubernetes.*} keys (for example {@code kubernetes.namespace}), which the Kubernetes backend reads. Any other
 * {@code high-availability.*} key is refused, naming the nearest valid key of this class and of every backend on the
 * class path.
 */
public final class HaConfig {

    /** Backend type: {@code embedded} (default), {@code zookeeper}, {@code kubernetes}. */
    public static final String TYPE = "high-availability.type";
    /** Cluster id, the root of everything this cluster stores (Flink's key). */
    public static final String CLUSTER_ID = "high-availability.cluster-id";
    /** This process's id among the participants. */
    public static final String NODE_ID = "high-availability.node-id";
    /** Directory of the default blob store (Flink's key). */
    public static final String STORAGE_DIR = "high-availability.storageDir";
    /** How long a lease lasts without renewal. */
    public static final String LEASE_DURATION = "high-availability.lease-duration";
    /** How long a leader keeps trying to renew before it gives up. */
    public static final String RENEW_DEADLINE = "high-availability.renew-deadline";
    /** Interval between attempts to acquire or renew. */
    public static final String RETRY_PERIOD = "high-availability.retry-period";
    /** Upper bound of every blocking backend call. */
    public static final String OPERATION_TIMEOUT = "high-availability.operation-timeout";
    /** {@code revoke-on-suspend} (default) or {@code revoke-on-loss}. */
    public static final String CONNECTION_STATE_POLICY = "high-availability.connection-state-policy";
    /** Largest state-store value accepted. */
    public static final String MAX_VALUE_SIZE = "high-availability.store.max-value-size";
    /** Leadership changes within the flapping window that raise LEADERSHIP_FLAPPING. */
    public static final String FLAPPING_MAX_CHANGES = "high-availability.alarm.flapping.max-changes";
    /** The sliding window of the flapping alarm. */
    public static final String FLAPPING_WINDOW = "high-availability.alarm.flapping.window";

    /**
     * Flink's {@code high-availability.zookeeper.client.tolerate-suspended-connections}: {@code true} selects
     * {@link ConnectionStatePolicy#REVOKE_ON_LOSS}, {@code false} {@link ConnectionStatePolicy#REVOKE_ON_SUSPEND}; it
     * overrides {@value #CONNECTION_STATE_POLICY} because map keys are applied in sorted order.
     */
    public static final String ZOOKEEPER_TOLERATE_SUSPENDED =
            "high-availability.zookeeper.client.tolerate-suspended-connections";

    /** Flink's Kubernetes keys ({@code kubernetes.namespace}, ...) are kept as backend options too. */
    private static final String KUBERNETES_PREFIX = "kubernetes.";
    private static final String PREFIX = "high-availability.";

    private static final ConfigKeys<Builder> KEYS = ConfigKeys.<Builder>owning(PREFIX)
            .text(TYPE, ConfigOption.Type.CHOICE, "embedded", "The backend: embedded (in-process, one JVM only), "
                    + "zookeeper or kubernetes (add its module).", Builder::type)
            .text(CLUSTER_ID, ConfigOption.Type.STRING, "default", "1-128 of [A-Za-z0-9._-] (slashes around it are "
                    + "dropped); the root of everything the cluster stores. Hazard: two clusters must never share it.",
                    (b, v) -> b.clusterId(Builder.stripSlashes(v)))
            .text(NODE_ID, ConfigOption.Type.STRING, "host name, pid and a random suffix", "1-128 of "
                    + "[A-Za-z0-9._-]; this process's id among the participants.", Builder::nodeId)
            .text(STORAGE_DIR, ConfigOption.Type.PATH, "<java.io.tmpdir>/hakit/<cluster-id>/blobs", "Directory of the "
                    + "default blob store for large values (file:// or a path; s3://, hdfs://, ... need a blob store "
                    + "for that file system). Hazard: the default is local and may be wiped at reboot.",
                    Builder::storageDirOption)
            .duration(LEASE_DURATION, "15 s", "How long leadership survives without renewal; greater than the renew "
                    + "deadline. Hazard: a crashed leader blocks failover this long.", Builder::leaseDuration)
            .duration(RENEW_DEADLINE, "10 s", "How long a leader retries renewing before it steps down; greater than "
                    + "the retry period.", Builder::renewDeadline)
            .duration(RETRY_PERIOD, "2 s", "Interval between acquire and renew attempts.", Builder::retryPeriod)
            .duration(OPERATION_TIMEOUT, "10 s", "The longest any blocking call waits for the backend.",
                    Builder::operationTimeout)
            .text(CONNECTION_STATE_POLICY, ConfigOption.Type.CHOICE, "revoke-on-suspend", "revoke-on-suspend or "
                    + "revoke-on-loss: which connection states revoke leadership.",
                    (b, v) -> b.connectionStatePolicy(Builder.policy(v)))
            .size(MAX_VALUE_SIZE, "64 mb", "Largest state-store value, 1 byte to 1 gb.", Builder::maxValueSize)
            .integer(FLAPPING_MAX_CHANGES, "5", "Grants within the flapping window still tolerated before "
                    + "LEADERSHIP_FLAPPING.", (b, n) -> b.flappingAlarm(n, b.flappingWindow))
            .duration(FLAPPING_WINDOW, "5 min", "The sliding window of the flapping alarm.",
                    (b, d) -> b.flappingAlarm(b.flappingMaxChanges, d))
            .text(ZOOKEEPER_TOLERATE_SUSPENDED, ConfigOption.Type.BOOLEAN, "-", "Flink's switch: true selects "
                    + "revoke-on-loss, false revoke-on-suspend, over connection-state-policy.",
                    (b, v) -> b.connectionStatePolicy(Builder.tolerateSuspended(v)))
            .build();

    /** Every key of this class (the backends' are on their options classes), with its type, default and hazard. */
    public static final List<ConfigOption> OPTIONS = KEYS.options();
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    /** A URI of a file system other than the local one ({@code s3://}, {@code hdfs://}, ...). */
    private static final Pattern NON_LOCAL_URI = Pattern.compile("(?!file:)[A-Za-z][A-Za-z0-9+.-]*://");
    private static final long MAX_VALUE_SIZE_LIMIT = 1L << 30;

    private final String type;
    private final String clusterId;
    private final String nodeId;
    private final Path storageDir;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final Duration operationTimeout;
    private final ConnectionStatePolicy connectionStatePolicy;
    private final int maxValueSize;
    private final int flappingMaxChanges;
    private final Duration flappingWindow;
    private final Executor eventExecutor;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Clock clock;
    private final BlobStore blobStore;
    private final HaObserver observer;
    private final String storageDirUri;
    private final Map<String, String> backendOptions;

    private HaConfig(Builder b) {
        this.type = b.type;
        this.clusterId = b.clusterId;
        this.nodeId = b.nodeId != null ? b.nodeId : defaultNodeId();
        this.storageDir = b.storageDir != null ? b.storageDir
                : Paths.get(System.getProperty("java.io.tmpdir"), "hakit", b.clusterId, "blobs");
        this.leaseDuration = b.leaseDuration;
        this.renewDeadline = b.renewDeadline;
        this.retryPeriod = b.retryPeriod;
        this.operationTimeout = b.operationTimeout;
        this.connectionStatePolicy = b.connectionStatePolicy;
        this.maxValueSize = (int) b.maxValueSize;
        this.flappingMaxChanges = b.flappingMaxChanges;
        this.flappingWindow = b.flappingWindow;
        this.eventExecutor = b.eventExecutor;
        this.ticker = b.ticker;
        this.scheduler = b.scheduler;
        this.clock = b.clock;
        this.blobStore = b.blobStore;
        this.observer = b.observer;
        this.storageDirUri = b.storageDirUri;
        this.backendOptions = Collections.unmodifiableMap(new TreeMap<>(b.backendOptions));
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
     * The default configuration: embedded backend, cluster "default".
     *
     * @return the default configuration, with a generated node id
     */
    public static HaConfig defaults() {
        return builder().build();
    }

    /**
     * Builds a configuration from Flink-style keys: {@code builder().options(map).build()}. Keys outside
     * {@code high-availability.} and {@code kubernetes.} are ignored; keys under a backend's namespace
     * ({@code high-availability.<type>.}) and under {@code kubernetes.} go to {@link #backendOptions()}; any other
     * {@code high-availability.} key must be one of {@link #OPTIONS}.
     *
     * @param map configuration keys and values; not changed
     * @return the validated configuration
     * @throws InvalidConfigException naming the key of the first invalid value, or an unknown key and the nearest
     *     valid one
     */
    public static HaConfig fromMap(Map<String, String> map) {
        return builder().options(map).build();
    }

    /**
     * {@value #TYPE}: the backend type, lower case.
     *
     * @return the backend type
     */
    public String type() {
        return type;
    }

    /**
     * {@value #CLUSTER_ID}: the root of everything this cluster stores.
     *
     * @return the cluster id
     */
    public String clusterId() {
        return clusterId;
    }

    /**
     * {@value #NODE_ID}: this process's id; generated from host name, pid and a random suffix if not set.
     *
     * @return the node id
     */
    public String nodeId() {
        return nodeId;
    }

    /**
     * {@value #STORAGE_DIR}: the directory of the default blob store.
     *
     * @return the blob directory
     */
    public Path storageDir() {
        return storageDir;
    }

    /**
     * {@value #LEASE_DURATION}: how long leadership survives without successful renewal.
     *
     * @return the lease duration
     */
    public Duration leaseDuration() {
        return leaseDuration;
    }

    /**
     * {@value #RENEW_DEADLINE}: how long a leader retries renewing before it steps down.
     *
     * @return the renew deadline
     */
    public Duration renewDeadline() {
        return renewDeadline;
    }

    /**
     * {@value #RETRY_PERIOD}: the interval between acquire and renew attempts.
     *
     * @return the retry period
     */
    public Duration retryPeriod() {
        return retryPeriod;
    }

    /**
     * {@value #OPERATION_TIMEOUT}: the longest any blocking call waits for the backend.
     *
     * @return the operation timeout
     */
    public Duration operationTimeout() {
        return operationTimeout;
    }

    /**
     * {@value #CONNECTION_STATE_POLICY}: which connection states revoke leadership.
     *
     * @return the connection state policy
     */
    public ConnectionStatePolicy connectionStatePolicy() {
        return connectionStatePolicy;
    }

    /**
     * {@value #MAX_VALUE_SIZE}: the largest state-store value accepted.
     *
     * @return the largest value in bytes, 1 byte to 1 GiB
     */
    public int maxValueSize() {
        return maxValueSize;
    }

    /**
     * {@value #FLAPPING_MAX_CHANGES}: the leadership grants within the flapping window that are still tolerated.
     *
     * @return the tolerated grants, at least 1
     */
    public int flappingMaxChanges() {
        return flappingMaxChanges;
    }

    /**
     * {@value #FLAPPING_WINDOW}: the sliding window of the flapping alarm.
     *
     * @return the flapping window
     */
    public Duration flappingWindow() {
        return flappingWindow;
    }

    /**
     * The injected serial event executor, or empty for the services' own single thread.
     *
     * @return the injected executor, or empty
     */
    public Optional<Executor> eventExecutor() {
        return Optional.ofNullable(eventExecutor);
    }

    /**
     * The monotonic time source of every timeout and window.
     *
     * @return the ticker
     */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * The injected timer seam, or empty for the services' own timer thread.
     *
     * @return the injected scheduler, or empty
     */
    public Optional<Scheduler> scheduler() {
        return Optional.ofNullable(scheduler);
    }

    /**
     * The wall clock, used only for timestamps shown to people (alarms).
     *
     * @return the wall clock
     */
    public Clock clock() {
        return clock;
    }

    /**
     * The injected blob store, or empty for a directory store at {@link #storageDir()}.
     *
     * @return the injected blob store, or empty
     */
    public Optional<BlobStore> blobStore() {
        return Optional.ofNullable(blobStore);
    }

    /**
     * What observes the services for metrics; {@link HaObserver#NONE} unless one was set.
     *
     * @return the observer
     */
    public HaObserver observer() {
        return observer;
    }

    /**
     * The keys under the backends' namespaces ({@code high-availability.<type>.}) and under {@code kubernetes.}, for
     * the backend (sorted, unmodifiable).
     *
     * @return the backend options by key; empty if none
     */
    public Map<String, String> backendOptions() {
        return backendOptions;
    }

    /**
     * A backend option, or empty.
     *
     * @param key the option's key
     * @return the option's value, or empty if it is not set
     */
    public Optional<String> backendOption(String key) {
        return Optional.ofNullable(backendOptions.get(key));
    }

    /**
     * A builder initialised with this configuration.
     *
     * @return a new builder with this configuration's values
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.type = type;
        b.clusterId = clusterId;
        b.nodeId = nodeId;
        b.storageDir = storageDir;
        b.leaseDuration = leaseDuration;
        b.renewDeadline = renewDeadline;
        b.retryPeriod = retryPeriod;
        b.operationTimeout = operationTimeout;
        b.connectionStatePolicy = connectionStatePolicy;
        b.maxValueSize = maxValueSize;
        b.flappingMaxChanges = flappingMaxChanges;
        b.flappingWindow = flappingWindow;
        b.eventExecutor = eventExecutor;
        b.ticker = ticker;
        b.scheduler = scheduler;
        b.clock = clock;
        b.blobStore = blobStore;
        b.observer = observer;
        b.storageDirUri = storageDirUri;
        b.backendOptions.putAll(backendOptions);
        return b;
    }

    @Override
    public String toString() {
        return "HaConfig{" + TYPE + "=" + type + ", " + CLUSTER_ID + "=" + clusterId + ", " + NODE_ID + "=" + nodeId
                + ", " + LEASE_DURATION + "=" + ConfigParsing.format(leaseDuration) + ", " + RENEW_DEADLINE + "="
                + ConfigParsing.format(renewDeadline) + ", " + RETRY_PERIOD + "=" + ConfigParsing.format(retryPeriod)
                + ", " + OPERATION_TIMEOUT + "=" + ConfigParsing.format(operationTimeout) + ", backendOptions="
                + backendOptions.keySet() + "}";
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "host";
        }
        String pid = String.valueOf(ManagementFactory.getRuntimeMXBean().getPid());
        String raw = host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 8);
        String clean = raw.replaceAll("[^A-Za-z0-9._-]", "_");
        return clean.length() > 128 ? clean.substring(clean.length() - 128) : clean;
    }

    /**
     * Builds a {@link HaConfig}. Setters check their own argument at once; {@link #build()} checks the cross-field
     * rules and names both fields. Not thread-safe; {@code build()} copies, so the builder can be reused.
     */
    public static final class Builder {
        private String type = "embedded";
        private String clusterId = "default";
        private String nodeId;
        private Path storageDir;
        private Duration leaseDuration = Duration.ofSeconds(15);
        private Duration renewDeadline = Duration.ofSeconds(10);
        private Duration retryPeriod = Duration.ofSeconds(2);
        private Duration operationTimeout = Duration.ofSeconds(10);
        private ConnectionStatePolicy connectionStatePolicy = ConnectionStatePolicy.REVOKE_ON_SUSPEND;
        private long maxValueSize = 64L << 20;
        private int flappingMaxChanges = 5;
        private Duration flappingWindow = Duration.ofMinutes(5);
        private Executor eventExecutor;
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler;
        private Clock clock = Clock.systemUTC();
        private BlobStore blobStore;
        private HaObserver observer = HaObserver.NONE;
        // a storageDir of a file system other than the local one (s3://, hdfs://): only with an injected blob store
        private String storageDirUri;
        private final Map<String, String> backendOptions = new TreeMap<>();

        private Builder() {
        }

        /**
         * {@value HaConfig#TYPE}: the backend, found with {@link java.util.ServiceLoader} at
         * {@link HaServices#create(HaConfig)}. Default {@code embedded} (in-process: every participant must live in
         * this JVM; it gives no HA across machines).
         *
         * @param type the backend type; trimmed and lower-cased
         * @return this builder
         * @throws InvalidConfigException if {@code type} is empty
         * @throws NullPointerException if {@code type} is null
         */
        public Builder type(String type) {
            String t = Objects.requireNonNull(type, TYPE).trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) {
                throw new InvalidConfigException(TYPE + " must not be empty", TYPE);
            }
            this.type = t;
            return this;
        }

        /**
         * {@value HaConfig#CLUSTER_ID}: everything the cluster stores lives under it; processes of one cluster must
         * share it, and two clusters must never. Default {@code default}. 1-128 of {@code [A-Za-z0-9._-]}.
         *
         * @param clusterId the cluster id
         * @return this builder
         * @throws InvalidConfigException if {@code clusterId} is null or not 1-128 of {@code [A-Za-z0-9._-]}
         */
        public Builder clusterId(String clusterId) {
            this.clusterId = checkId(CLUSTER_ID, clusterId);
            return this;
        }

        /**
         * {@value HaConfig#NODE_ID}: this process's id, shown in leader records and alarms. Default: host name, pid
         * and a random suffix. Hazard: two live processes with the same id look like one to some backends.
         *
         * @param nodeId the node id, 1-128 of {@code [A-Za-z0-9._-]}
         * @return this builder
         * @throws InvalidConfigException if {@code nodeId} is null or not 1-128 of {@code [A-Za-z0-9._-]}
         */
        public Builder nodeId(String nodeId) {
            this.nodeId = checkId(NODE_ID, nodeId);
            return this;
        }

        /**
         * {@value HaConfig#STORAGE_DIR}: directory of the default blob store for large values. Default
         * {@code java.io.tmpdir/hakit/<cluster-id>/blobs}. Hazard: the default is local and may be wiped at reboot;
         * processes on different hosts need a shared directory.
         *
         * @param storageDir the blob directory, local or on shared storage
         * @return this builder
         * @throws NullPointerException if {@code storageDir} is null
         */
        public Builder storageDir(Path storageDir) {
            this.storageDir = Objects.requireNonNull(storageDir, STORAGE_DIR);
            this.storageDirUri = null;
            return this;
        }

        /**
         * {@value HaConfig#LEASE_DURATION}: how long leadership survives without successful renewal; with
         * {@link ConnectionStatePolicy#REVOKE_ON_LOSS}, how long a suspended leader keeps leading. Default 15 s.
         * Must be greater than {@value HaConfig#RENEW_DEADLINE}. Hazard: a crashed leader blocks failover this long
         * on lease-based backends.
         *
         * @param d the lease duration, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder leaseDuration(Duration d) {
            this.leaseDuration = ConfigParsing.positive(LEASE_DURATION, d);
            return this;
        }

        /**
         * {@value HaConfig#RENEW_DEADLINE}: how long a leader retries renewing before it steps down. Default 10 s.
         * Must be less than the lease duration, so the leader steps down before another can acquire.
         *
         * @param d the renew deadline, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder renewDeadline(Duration d) {
            this.renewDeadline = ConfigParsing.positive(RENEW_DEADLINE, d);
            return this;
        }

        /**
         * {@value HaConfig#RETRY_PERIOD}: interval between acquire/renew attempts. Default 2 s. Less than the renew
         *     deadline.
         *
         * @param d the retry period, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder retryPeriod(Duration d) {
            this.retryPeriod = ConfigParsing.positive(RETRY_PERIOD, d);
            return this;
        }

        /**
         * {@value HaConfig#OPERATION_TIMEOUT}: the longest any blocking call waits for the backend; a write still
         * unanswered then throws {@link UnknownOutcomeException}. Default 10 s.
         *
         * @param d the operation timeout, positive
         * @return this builder
         * @throws InvalidConfigException if {@code d} is null, zero or negative
         */
        public Builder operationTimeout(Duration d) {
            this.operationTimeout = ConfigParsing.positive(OPERATION_TIMEOUT, d);
            return this;
        }

        /**
         * {@value HaConfig#CONNECTION_STATE_POLICY}: which connection states revoke leadership. Default
         * {@link ConnectionStatePolicy#REVOKE_ON_SUSPEND}; see {@link ConnectionStatePolicy#REVOKE_ON_LOSS} for its
         * hazard.
         *
         * @param policy the policy
         * @return this builder
         * @throws NullPointerException if {@code policy} is null
         */
        public Builder connectionStatePolicy(ConnectionStatePolicy policy) {
            this.connectionStatePolicy = Objects.requireNonNull(policy, CONNECTION_STATE_POLICY);
            return this;
        }

        /**
         * {@value HaConfig#MAX_VALUE_SIZE}: largest state-store value, 1 byte to 1 GiB. Default 64 MiB.
         *
         * @param bytes the largest value in bytes
         * @return this builder
         * @throws InvalidConfigException if {@code bytes} is not between 1 and 1 GiB
         */
        public Builder maxValueSize(long bytes) {
            if (bytes < 1 || bytes > MAX_VALUE_SIZE_LIMIT) {
                throw new InvalidConfigException(MAX_VALUE_SIZE + " must be between 1 byte and 1 GiB, was " + bytes,
                        MAX_VALUE_SIZE);
            }
            this.maxValueSize = bytes;
            return this;
        }

        /**
         * {@value HaConfig#FLAPPING_MAX_CHANGES} and {@value HaConfig#FLAPPING_WINDOW}: LEADERSHIP_FLAPPING is
         * raised when this process is granted leadership more than {@code maxChanges} times within {@code window}.
         * Defaults 5 in 5 min.
         *
         * @param maxChanges the grants within the window that are still tolerated, at least 1
         * @param window the sliding window, positive
         * @return this builder
         * @throws InvalidConfigException if {@code maxChanges < 1}, or {@code window} is null, zero or negative
         */
        public Builder flappingAlarm(int maxChanges, Duration window) {
            if (maxChanges < 1) {
                throw new InvalidConfigException(FLAPPING_MAX_CHANGES + " must be at least 1, was " + maxChanges,
                        FLAPPING_MAX_CHANGES);
            }
            this.flappingMaxChanges = maxChanges;
            this.flappingWindow = ConfigParsing.positive(FLAPPING_WINDOW, window);
            return this;
        }

        /**
         * The executor every callback of the services runs on. It must run tasks one at a time in submission order
         * (a single thread, or a serializing wrapper); the services do not shut it down. Default: a daemon thread
         * of their own. Hazard: a concurrent executor breaks the ordering guarantees of every listener.
         *
         * @param executor a serial executor; not shut down by the services
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder eventExecutor(Executor executor) {
            this.eventExecutor = Objects.requireNonNull(executor, "eventExecutor");
            return this;
        }

        /**
         * The monotonic time source of every timeout and window. Default {@link Ticker#system()}. For tests.
         *
         * @param ticker the time source
         * @return this builder
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Where the services set their timers (lease checks while suspended, retries, the periodic alarm evaluation).
         * Default: a daemon timer thread of the services' own, on real time. For tests: inject the same source as
         * {@link #ticker(Ticker)} (a {@code ManualTicker} is both) so that advancing time fires the timers due. Hazard:
         * see {@link Scheduler}.
         *
         * @param scheduler the timer seam; not closed by the services
         * @return this builder
         * @throws NullPointerException if {@code scheduler} is null
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * The wall clock, used only for timestamps shown to people (alarms). Default UTC system clock.
         *
         * @param clock the wall clock
         * @return this builder
         * @throws NullPointerException if {@code clock} is null
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The blob store for large values. Default: a directory store at {@value HaConfig#STORAGE_DIR}. Required when
         * {@value HaConfig#STORAGE_DIR} names another file system ({@code s3://}, {@code hdfs://}): {@link #build()}
         * refuses that without one.
         *
         * @param blobStore the blob store
         * @return this builder
         * @throws NullPointerException if {@code blobStore} is null
         */
        public Builder blobStore(BlobStore blobStore) {
            this.blobStore = Objects.requireNonNull(blobStore, "blobStore");
            return this;
        }

        /**
         * What observes the services for metrics (grants, revokes, confirmations, store operations); see
         * {@link HaObserver} for when and on which thread it is called. Default {@link HaObserver#NONE}, which costs
         * nothing. Hazard: an observer that blocks or is slow delays every store operation and leadership change.
         *
         * @param observer the observer, e.g. {@code io.hakit.micrometer.HaServicesMetrics}
         * @return this builder
         * @throws NullPointerException if {@code observer} is null
         */
        public Builder observer(HaObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /**
         * Sets one key as {@link #options(Map)} does: a backend option (a key under a backend's namespace
         * {@code high-availability.<type>.}, or under {@code kubernetes.}), or a key of {@link HaConfig#OPTIONS}.
         *
         * @param key the key, under {@code high-availability.} or {@code kubernetes.}
         * @param value the value, as it would appear in a configuration file
         * @return this builder
         * @throws NullPointerException if {@code key} or {@code value} is null
         * @throws InvalidConfigException if {@code key} is under neither prefix or unknown, or its value is invalid
         */
        public Builder backendOption(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value of " + key);
            if (!key.startsWith(PREFIX) && !key.startsWith(KUBERNETES_PREFIX)) {
                throw new InvalidConfigException("backend option " + key + " must start with " + PREFIX + " or "
                        + KUBERNETES_PREFIX, key);
            }
            return options(Map.of(key, value));
        }

        /**
         * Applies Flink-style keys (see {@link HaConfig#fromMap(Map)}): keys of {@link HaConfig#OPTIONS} set their
         * option, keys under a backend's namespace ({@code high-availability.<type>.}) and under {@code kubernetes.}
         * become backend options, other keys outside {@code high-availability.} are ignored.
         *
         * @param map configuration keys and values, applied in sorted key order; not changed
         * @return this builder
         * @throws InvalidConfigException naming the key of the first invalid value, or an unknown
         *     {@code high-availability.} key and the nearest valid key (of this class or of a backend on the class
         *     path); an unknown key is refused before anything is set
         */
        public Builder options(Map<String, String> map) {
            Map<String, String> own = new TreeMap<>();
            Map<String, String> backend = new TreeMap<>();
            for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
                String key = e.getKey();
                if (key.startsWith(KUBERNETES_PREFIX)) {
                    if (e.getValue() != null) {
                        backend.put(key, e.getValue());
                    }
                } else if (KEYS.find(key).isPresent()) {
                    own.put(key, e.getValue());
                } else if (KEYS.owns(key)) {
                    if (!Backends.ownsKey(key)) {
                        List<ConfigOption> known = new ArrayList<>(OPTIONS);
                        known.addAll(Backends.options());
                        throw ConfigKeys.unknown(key, known);
                    }
                    if (e.getValue() == null) {
                        throw new InvalidConfigException(key + " has no value", key);
                    }
                    backend.put(key, e.getValue());
                }
            }
            KEYS.apply(own, this);
            backendOptions.putAll(backend);
            return this;
        }

        private void storageDirOption(String value) {
            if (NON_LOCAL_URI.matcher(value).lookingAt()) {
                // s3://, hdfs://, ...: not a java.nio path; valid only with a blob store for it (build())
                storageDirUri = value;
            } else {
                storageDir(ConfigParsing.path(STORAGE_DIR, value.replaceFirst("^file://", "")));
            }
        }

        private static ConnectionStatePolicy tolerateSuspended(String value) {
            // Flink's switch; strictly true or false, as Flink reads it
            String v = value.toLowerCase(Locale.ROOT);
            if (!v.equals("true") && !v.equals("false")) {
                throw new InvalidConfigException(ZOOKEEPER_TOLERATE_SUSPENDED + ": '" + value
                        + "' is not true or false", ZOOKEEPER_TOLERATE_SUSPENDED);
            }
            return v.equals("true") ? ConnectionStatePolicy.REVOKE_ON_LOSS : ConnectionStatePolicy.REVOKE_ON_SUSPEND;
        }

        /**
         * Checks the cross-field rules and returns an immutable copy.
         *
         * @return the validated configuration
         * @throws InvalidConfigException if {@value HaConfig#LEASE_DURATION} is not greater than
         *     {@value HaConfig#RENEW_DEADLINE}, or {@value HaConfig#RENEW_DEADLINE} not greater than
         *     {@value HaConfig#RETRY_PERIOD} (the message names both fields)
         */
        public HaConfig build() {
            if (storageDirUri != null && blobStore == null) {
                throw new InvalidConfigException(STORAGE_DIR + "=" + storageDirUri + " is not a local directory, and "
                        + "the default blob store needs one: set a local path, or supply a blob store for that file "
                        + "system with blobStore(...) (io.hakit:ha-flink supplies one on Flink's file systems)",
                        STORAGE_DIR, "blobStore");
            }
            ConfigParsing.leaseTimings(LEASE_DURATION, leaseDuration, RENEW_DEADLINE, renewDeadline, RETRY_PERIOD,
                    retryPeriod);
            return new HaConfig(this);
        }

        private static ConnectionStatePolicy policy(String value) {
            switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "revoke-on-suspend":
                    return ConnectionStatePolicy.REVOKE_ON_SUSPEND;
                case "revoke-on-loss":
                    return ConnectionStatePolicy.REVOKE_ON_LOSS;
                default:
                    throw new InvalidConfigException(CONNECTION_STATE_POLICY + ": '" + value
                            + "' is not a policy (use revoke-on-suspend or revoke-on-loss)", CONNECTION_STATE_POLICY);
            }
        }

        private static String stripSlashes(String value) {
            String v = value.trim();
            while (v.startsWith("/")) {
                v = v.substring(1);
            }
            while (v.endsWith("/")) {
                v = v.substring(0, v.length() - 1);
            }
            return v;
        }

        private static String checkId(String key, String value) {
            if (value == null || !ID.matcher(value).matches()) {
                throw new InvalidConfigException(key + " must be 1-128 characters of [A-Za-z0-9._-], was '" + value
                        + "'", key);
            }
            return value;
        }
    }
}
