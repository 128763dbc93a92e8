package io.hakit.kubernetes;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.support.ConfigKeys;
import io.hakit.api.support.ConfigParsing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validated, immutable options of {@code high-availability.type=kubernetes}, with Flink's key names where Flink
 * has one: the keys under {@code high-availability.kubernetes.} and three of Flink's {@code kubernetes.*} keys (the
 * rest of that namespace is Flink's own and ignored here). The backend reads them from
 * {@link HaConfig#backendOptions()} with {@link #of(HaConfig)}; {@link #builder()} and {@link #fromMap(Map)} build
 * them directly. An unknown {@code high-availability.kubernetes.*} key is refused, naming the nearest valid key.
 *
 * <p>The lease timings are {@link HaConfig}'s ({@link HaConfig.Builder#leaseDuration},
 * {@link HaConfig.Builder#renewDeadline}, {@link HaConfig.Builder#retryPeriod}, set there in Java): this class only
 * reads Flink's names for them, {@value #LEASE_DURATION}, {@value #RENEW_DEADLINE} and {@value #RETRY_PERIOD}, which
 * set them for the Kubernetes Lease over the configuration's.
 */
public final class KubernetesOptions {

    /**
     * {@value}: the Kubernetes namespace holding the Lease and the ConfigMaps. Default: the namespace of the
     * kubeconfig context (or of the pod's service account), else {@code default}. Hazard: processes of one cluster id
     * in different namespaces elect one leader each.
     */
    public static final String NAMESPACE = "kubernetes.namespace";
    /** {@value}: the kubeconfig context to use. Default: the current context. */
    public static final String CONTEXT = "kubernetes.context";
    /**
     * {@value}: the kubeconfig file. Default: {@code $KUBECONFIG}, then {@code ~/.kube/config}, then the pod's
     * service account (in-cluster).
     */
    public static final String CONFIG_FILE = "kubernetes.config.file";
    /**
     * {@value} (Flink's key): how long a Lease stays held without renewal, as other processes measure it from when
     * they saw it change. Default: {@value HaConfig#LEASE_DURATION} (15 s). Hazard: a crashed leader is replaced
     * only after this.
     */
    public static final String LEASE_DURATION = "high-availability.kubernetes.leader-election.lease-duration";
    /**
     * {@value} (Flink's key): a leader that could not renew for this long, measured from the send of its last
     * successful renewal, steps down. Default: {@value HaConfig#RENEW_DEADLINE} (10 s). Must be less than the lease
     * duration (by more than the clock-rate drift over a lease), or a new leader could be granted while the old one
     * still believes it leads.
     */
    public static final String RENEW_DEADLINE = "high-availability.kubernetes.leader-election.renew-deadline";
    /**
     * {@value} (Flink's key): the interval of renewals and acquisition attempts (followers add up to 20 % jitter).
     * Default: {@value HaConfig#RETRY_PERIOD} (2 s). Must be less than the renew deadline. Hazard: every process sends
     * one request per period; a released Lease is taken at once through the watch, not after a period.
     */
    public static final String RETRY_PERIOD = "high-availability.kubernetes.leader-election.retry-period";
    /**
     * {@value}: an owner reference put on every object HAKit creates, so that Kubernetes garbage-collects the HA data
     * with its owner, as {@code apiVersion/kind/name/uid} (for example {@code apps/v1/Deployment/flink/0f5c...}).
     * Default: none (the data stays until deleted; see {@link io.hakit.api.HaServices#closeAndDeleteAllData()}).
     * Hazard: deleting the
     * owner deletes the checkpoint pointers with it.
     */
    public static final String OWNER_REFERENCE = "high-availability.kubernetes.owner-reference";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** Where {@link #builder()} takes the lease timings from: HaConfig's defaults. */
    private static final HaConfig DEFAULT_TIMINGS = HaConfig.builder().nodeId("defaults").build();

    private static final ConfigKeys<Builder> KEYS = ConfigKeys.<Builder>owning("high-availability.kubernetes.")
            .text(NAMESPACE, ConfigOption.Type.STRING, "the context's, else default", "The namespace of the Lease "
                    + "and the ConfigMaps. Hazard: processes of one cluster id in different namespaces elect one "
                    + "leader each.", Builder::namespace)
            .text(CONTEXT, ConfigOption.Type.STRING, "the current context", "The kubeconfig context.",
                    Builder::context)
            .path(CONFIG_FILE, "$KUBECONFIG, ~/.kube/config, then in-cluster", "The kubeconfig file.",
                    Builder::configFile)
            .duration(LEASE_DURATION, "high-availability.lease-duration", "How long a Lease stays held without "
                    + "renewal, at least 1 s. Hazard: a crashed leader is replaced only after this.",
                    Builder::leaseDuration)
            .duration(RENEW_DEADLINE, "high-availability.renew-deadline", "A leader that could not renew for this "
                    + "long steps down; less than the lease duration.", Builder::renewDeadline)
            .duration(RETRY_PERIOD, "high-availability.retry-period", "The interval of renewals and acquisition "
                    + "attempts; less than the renew deadline.", Builder::retryPeriod)
            .text(OWNER_REFERENCE, ConfigOption.Type.STRING, "-", "apiVersion/kind/name/uid of an owner of every "
                    + "object HAKit creates. Hazard: deleting the owner deletes the checkpoint pointers with it.",
                    (b, v) -> b.owner(OwnerReference.parse(v)))
            .build();

    /** Every key of this class, with its type, default and hazard. */
    public static final List<ConfigOption> OPTIONS = KEYS.options();

    private final Optional<String> namespace;
    private final Optional<String> context;
    private final Optional<Path> configFile;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final Optional<OwnerReference> owner;

    private KubernetesOptions(Builder b) {
        this.namespace = Optional.ofNullable(b.namespace);
        this.context = Optional.ofNullable(b.context);
        this.configFile = Optional.ofNullable(b.configFile);
        this.leaseDuration = b.leaseDuration;
        this.renewDeadline = b.renewDeadline;
        this.retryPeriod = b.retryPeriod;
        this.owner = Optional.ofNullable(b.owner);
    }

    /**
     * A builder with every default; the lease timings are {@link HaConfig}'s defaults (15 s, 10 s, 2 s).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return builder(DEFAULT_TIMINGS);
    }

    /**
     * A builder with every default but the lease timings, which are {@code config}'s (until Flink's keys for them
     * are applied with {@link Builder#options(Map)}); its backend options are not read ({@link #of(HaConfig)} does).
     *
     * @param config the configuration whose lease timings the options take
     * @return a new builder
     */
    public static Builder builder(HaConfig config) {
        return new Builder(config);
    }

    /**
     * Reads this class's keys of {@code map} (see the class comment); other keys are left to their owners.
     *
     * @param map configuration keys and values; not changed
     * @return the validated options
     * @throws InvalidConfigException naming the key of a bad value, both keys of a bad pair of timings, or an unknown
     *     {@code high-availability.kubernetes.*} key and the nearest valid one
     */
    public static KubernetesOptions fromMap(Map<String, String> map) {
        return builder().options(map).build();
    }

    /**
     * Reads and validates the options of {@code config}: its backend options, with the lease timings defaulting to
     * the configuration's {@value HaConfig#LEASE_DURATION}, {@value HaConfig#RENEW_DEADLINE} and
     * {@value HaConfig#RETRY_PERIOD}.
     *
     * @param config the configuration
     * @return the validated options
     * @throws InvalidConfigException naming the key of a bad value, or both keys when the lease duration is not
     *     greater than the renew deadline or the renew deadline not greater than the retry period
     */
    public static KubernetesOptions of(HaConfig config) {
        return builder(config).options(config.backendOptions()).build();
    }

    /**
     * {@value #NAMESPACE}, if set.
     *
     * @return the namespace, or empty
     */
    public Optional<String> namespace() {
        return namespace;
    }

    /**
     * {@value #CONTEXT}, if set.
     *
     * @return the kubeconfig context, or empty
     */
    public Optional<String> context() {
        return context;
    }

    /**
     * {@value #CONFIG_FILE}, if set.
     *
     * @return the kubeconfig file, or empty
     */
    public Optional<Path> configFile() {
        return configFile;
    }

    /**
     * {@value #LEASE_DURATION}, else the configuration's {@value HaConfig#LEASE_DURATION}.
     *
     * @return the lease duration
     */
    public Duration leaseDuration() {
        return leaseDuration;
    }

    /**
     * {@value #RENEW_DEADLINE}, else the configuration's {@value HaConfig#RENEW_DEADLINE}.
     *
     * @return the renew deadline
     */
    public Duration renewDeadline() {
        return renewDeadline;
    }

    /**
     * {@value #RETRY_PERIOD}, else the configuration's {@value HaConfig#RETRY_PERIOD}.
     *
     * @return the retry period
     */
    public Duration retryPeriod() {
        return retryPeriod;
    }

    /**
     * {@value #OWNER_REFERENCE}, if set.
     *
     * @return the owner reference, or empty
     */
    public Optional<OwnerReference> owner() {
        return owner;
    }

    /**
     * Builds {@link KubernetesOptions}. Setters check their own value (naming its key) and leave the builder as it was
     * when they refuse it; {@link #build()} checks the lease timings against each other. The lease timings have no
     * setter here: they are {@link HaConfig}'s ({@link KubernetesOptions#builder(HaConfig)}), or Flink's keys for them
     * in {@link #options(Map)}. Not thread-safe.
     */
    public static final class Builder {
        private String namespace;
        private String context;
        private Path configFile;
        private Duration leaseDuration;
        private Duration renewDeadline;
        private Duration retryPeriod;
        private OwnerReference owner;

        /** A builder whose lease timings are {@code timings}' until Flink's keys set them. */
        private Builder(HaConfig timings) {
            this.leaseDuration = timings.leaseDuration();
            this.renewDeadline = timings.renewDeadline();
            this.retryPeriod = timings.retryPeriod();
        }

        /**
         * Applies this class's keys of {@code map}, in sorted key order.
         *
         * @param map configuration keys and values; other keys are ignored
         * @return this builder
         * @throws InvalidConfigException naming the first bad key, or an unknown key and the nearest valid one
         */
        public Builder options(Map<String, String> map) {
            return KEYS.apply(map, this);
        }

        /**
         * {@value KubernetesOptions#NAMESPACE}. Default: the kubeconfig context's (or the pod's), else
         * {@code default}.
         *
         * @param namespace a namespace name: 1-63 of {@code [a-z0-9-]}, starting and ending with a letter or digit
         * @return this builder
         * @throws InvalidConfigException if it is not a namespace name
         */
        public Builder namespace(String namespace) {
            String ns = Objects.requireNonNull(namespace, NAMESPACE).trim();
            if (!DNS_LABEL.matcher(ns).matches()) {
                throw new InvalidConfigException(NAMESPACE + " must be a Kubernetes namespace name (1-63 of "
                        + "[a-z0-9-], starting and ending with a letter or digit), was '" + ns + "'", NAMESPACE);
            }
            this.namespace = ns;
            return this;
        }

        /**
         * {@value KubernetesOptions#CONTEXT}. Default: the current context.
         *
         * @param context the kubeconfig context; blank means the current one
         * @return this builder
         */
        public Builder context(String context) {
            String c = Objects.requireNonNull(context, CONTEXT).trim();
            this.context = c.isEmpty() ? null : c;
            return this;
        }

        /**
         * {@value KubernetesOptions#CONFIG_FILE}. Default: {@code $KUBECONFIG}, {@code ~/.kube/config}, then the
         * pod's service account.
         *
         * @param file the kubeconfig file
         * @return this builder
         * @throws InvalidConfigException if it is not a readable file
         */
        public Builder configFile(Path file) {
            if (file == null || !Files.isReadable(file)) {
                throw new InvalidConfigException(CONFIG_FILE + ": '" + file + "' is not a readable file",
                        CONFIG_FILE);
            }
            this.configFile = file;
            return this;
        }

        // Flink's keys for the lease timings (KEYS); in Java the timings are set on HaConfig.Builder

        private Builder leaseDuration(Duration d) {
            this.leaseDuration = atLeastOneSecond(LEASE_DURATION, d);
            return this;
        }

        private Builder renewDeadline(Duration d) {
            this.renewDeadline = ConfigParsing.positive(RENEW_DEADLINE, d);
            return this;
        }

        private Builder retryPeriod(Duration d) {
            this.retryPeriod = ConfigParsing.positive(RETRY_PERIOD, d);
            return this;
        }

        /**
         * {@value KubernetesOptions#OWNER_REFERENCE}; see the key's hazard. Default none.
         *
         * @param owner the owner of every object HAKit creates
         * @return this builder
         */
        public Builder owner(OwnerReference owner) {
            this.owner = Objects.requireNonNull(owner, OWNER_REFERENCE);
            return this;
        }

        /**
         * Checks the lease timings against each other and returns an immutable copy.
         *
         * @return the validated options
         * @throws InvalidConfigException if the Lease would last less than 1 s (a Lease counts whole seconds), or
         *     naming both keys when the lease duration is not greater than the renew deadline, or the renew deadline
         *     not greater than the retry period
         */
        public KubernetesOptions build() {
            atLeastOneSecond(LEASE_DURATION, leaseDuration);
            ConfigParsing.leaseTimings(LEASE_DURATION, leaseDuration, RENEW_DEADLINE, renewDeadline, RETRY_PERIOD,
                    retryPeriod);
            return new KubernetesOptions(this);
        }

        private static Duration atLeastOneSecond(String key, Duration d) {
            if (d == null || d.toMillis() < 1000) {
                throw new InvalidConfigException(key + " must be at least 1 s (a Lease counts whole seconds), was "
                        + (d == null ? null : ConfigParsing.format(d)), key);
            }
            return d;
        }
    }

    /** An owner reference: {@code apiVersion/kind/name/uid}. */
    public static final class OwnerReference {
        private final String apiVersion;
        private final String kind;
        private final String name;
        private final String uid;

        private OwnerReference(String apiVersion, String kind, String name, String uid) {
            this.apiVersion = apiVersion;
            this.kind = kind;
            this.name = name;
            this.uid = uid;
        }

        /**
         * Parses {@code apiVersion/kind/name/uid} (the API version may hold a group: {@code apps/v1}).
         *
         * @param raw the reference
         * @return the owner reference
         * @throws InvalidConfigException naming {@value KubernetesOptions#OWNER_REFERENCE} if it has not those parts
         */
        public static OwnerReference parse(String raw) {
            String[] p = raw.trim().split("/");
            if (p.length < 4 || p.length > 5 || java.util.Arrays.stream(p).anyMatch(String::isEmpty)) {
                throw new InvalidConfigException(OWNER_REFERENCE + " must be apiVersion/kind/name/uid (for example "
                        + "apps/v1/Deployment/flink/0f5c2c1e-...), was '" + raw + "'", OWNER_REFERENCE);
            }
            int n = p.length;
            String apiVersion = n == 5 ? p[0] + "/" + p[1] : p[0];
            return new OwnerReference(apiVersion, p[n - 3], p[n - 2], p[n - 1]);
        }

        /**
         * The owner's API version.
         *
         * @return for example {@code apps/v1}
         */
        public String apiVersion() {
            return apiVersion;
        }

        /**
         * The owner's kind.
         *
         * @return for example {@code Deployment}
         */
        public String kind() {
            return kind;
        }

        /**
         * The owner's name.
         *
         * @return the name
         */
        public String name() {
            return name;
        }

        /**
         * The owner's uid.
         *
         * @return the uid
         */
        public String uid() {
            return uid;
        }
    }
}
