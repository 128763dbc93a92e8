package io.hakit.kubernetes;

import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.support.ConfigParsing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The options of {@code high-availability.type=kubernetes}, read from {@link HaConfig#backendOptions()}: Flink's key
 * names where Flink has one. Immutable; {@link #of(HaConfig)} validates every key and names the bad one.
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

    private final Optional<String> namespace;
    private final Optional<String> context;
    private final Optional<Path> configFile;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final Optional<OwnerReference> owner;

    private KubernetesOptions(Optional<String> namespace, Optional<String> context, Optional<Path> configFile,
            Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, Optional<OwnerReference> owner) {
        this.namespace = namespace;
        this.context = context;
        this.configFile = configFile;
        this.leaseDuration = leaseDuration;
        this.renewDeadline = renewDeadline;
        this.retryPeriod = retryPeriod;
        this.owner = owner;
    }

    /**
     * Reads and validates the options of {@code config}.
     *
     * @throws InvalidConfigException naming the key of a bad value, or both keys when the lease duration is not
     *     greater than the renew deadline or the renew deadline not greater than the retry period
     */
    public static KubernetesOptions of(HaConfig config) {
        Optional<String> ns = config.backendOption(NAMESPACE).map(String::trim);
        if (ns.isPresent() && !DNS_LABEL.matcher(ns.get()).matches()) {
            throw new InvalidConfigException(NAMESPACE + " must be a Kubernetes namespace name (1-63 of [a-z0-9-], "
                    + "starting and ending with a letter or digit), was '" + ns.get() + "'", NAMESPACE);
        }
        Optional<String> ctx = config.backendOption(CONTEXT).map(String::trim).filter(s -> !s.isEmpty());
        Optional<Path> file = config.backendOption(CONFIG_FILE).map(String::trim).map(Paths::get);
        if (file.isPresent() && !Files.isReadable(file.get())) {
            throw new InvalidConfigException(CONFIG_FILE + ": '" + file.get() + "' is not a readable file",
                    CONFIG_FILE);
        }
        Duration lease = config.backendOption(LEASE_DURATION).map(v -> ConfigParsing.duration(LEASE_DURATION, v))
                .orElse(config.leaseDuration());
        Duration renew = config.backendOption(RENEW_DEADLINE).map(v -> ConfigParsing.duration(RENEW_DEADLINE, v))
                .orElse(config.renewDeadline());
        Duration retry = config.backendOption(RETRY_PERIOD).map(v -> ConfigParsing.duration(RETRY_PERIOD, v))
                .orElse(config.retryPeriod());
        if (lease.toMillis() < 1000) {
            throw new InvalidConfigException(LEASE_DURATION + " must be at least 1 s (a Lease counts whole seconds), "
                    + "was " + ConfigParsing.format(lease), LEASE_DURATION);
        }
        if (renew.isZero() || renew.isNegative() || retry.isZero() || retry.isNegative()) {
            throw new InvalidConfigException(RENEW_DEADLINE + " and " + RETRY_PERIOD + " must be positive",
                    RENEW_DEADLINE, RETRY_PERIOD);
        }
        if (lease.compareTo(renew) <= 0) {
            throw new InvalidConfigException(LEASE_DURATION + " (" + ConfigParsing.format(lease)
                    + ") must be greater than " + RENEW_DEADLINE + " (" + ConfigParsing.format(renew)
                    + "), or a new leader could be granted while the old one still renews", LEASE_DURATION,
                    RENEW_DEADLINE);
        }
        if (renew.compareTo(retry) <= 0) {
            throw new InvalidConfigException(RENEW_DEADLINE + " (" + ConfigParsing.format(renew)
                    + ") must be greater than " + RETRY_PERIOD + " (" + ConfigParsing.format(retry)
                    + "), or the leader would give up before its first retry", RENEW_DEADLINE, RETRY_PERIOD);
        }
        Optional<OwnerReference> owner = config.backendOption(OWNER_REFERENCE).map(OwnerReference::parse);
        return new KubernetesOptions(ns, ctx, file, lease, renew, retry, owner);
    }

    /** The namespace option, if set. */
    public Optional<String> namespace() {
        return namespace;
    }

    /** The kubeconfig context option, if set. */
    public Optional<String> context() {
        return context;
    }

    /** The kubeconfig file option, if set. */
    public Optional<Path> configFile() {
        return configFile;
    }

    public Duration leaseDuration() {
        return leaseDuration;
    }

    public Duration renewDeadline() {
        return renewDeadline;
    }

    public Duration retryPeriod() {
        return retryPeriod;
    }

    /** The owner reference option, if set. */
    public Optional<OwnerReference> owner() {
        return owner;
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

        static OwnerReference parse(String raw) {
            String[] p = raw.trim().split("/");
            if (p.length < 4 || p.length > 5 || java.util.Arrays.stream(p).anyMatch(String::isEmpty)) {
                throw new InvalidConfigException(OWNER_REFERENCE + " must be apiVersion/kind/name/uid (for example "
                        + "apps/v1/Deployment/flink/0f5c2c1e-...), was '" + raw + "'", OWNER_REFERENCE);
            }
            int n = p.length;
            String apiVersion = n == 5 ? p[0] + "/" + p[1] : p[0];
            return new OwnerReference(apiVersion, p[n - 3], p[n - 2], p[n - 1]);
        }

        public String apiVersion() {
            return apiVersion;
        }

        public String kind() {
            return kind;
        }

        public String name() {
            return name;
        }

        public String uid() {
            return uid;
        }
    }
}
