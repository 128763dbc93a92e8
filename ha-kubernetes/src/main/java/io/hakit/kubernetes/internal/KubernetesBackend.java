package io.hakit.kubernetes.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.HaConfig;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StoreEvent;
import io.hakit.api.Subscription;
import io.hakit.api.Ticker;
import io.hakit.api.Versioned;
import io.hakit.api.support.EventExecutor;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.ElectionDriver;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.RetrievalDriver;
import io.hakit.api.spi.StoreDriver;
import io.hakit.kubernetes.KubernetesOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One process's connection to the Kubernetes API server: the fabric8 client, the two shared informers (the Lease by
 * name; the cluster's labelled ConfigMaps), the drivers. Retrieval and every store watch fan out from the informers:
 * one watch per kind per process, whatever the number of components or watches. fabric8's informers resume a dropped
 * watch from the last resourceVersion and relist on 410 Gone; the fan-out diffs each ConfigMap against the last
 * version it saw, so a relist reports exactly what changed meanwhile.
 *
 * <p>Threads: one driver thread (requests of the elector and the release), one timer thread (renew deadline, lease
 * expiry of the retrieval view, the connection probe; it never sends a request), fabric8's informer threads.
 */
public final class KubernetesBackend implements HaBackend {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesBackend.class);
    /** The largest record kept inline; larger values go to the blob store (a ConfigMap holds 1 MiB in total). */
    static final int INLINE_LIMIT = 128 * 1024;

    final HaConfig config;
    final KubernetesOptions options;
    final Ticker ticker;
    final Kube kube;
    final String leaseName;
    final String clusterLabel;
    final ConfigMapStore leaders;
    private final Optional<OwnerReference> owner;
    private final ScheduledThreadPoolExecutor driverThread;
    private final ScheduledThreadPoolExecutor timerThread;
    private SharedIndexInformer<Lease> leaseInformer;
    private SharedIndexInformer<ConfigMap> configMapInformer;

    private final Object lock = new Object();
    @GuardedBy("lock")
    private LeaseElector elector;
    @GuardedBy("lock")
    private final Map<String, Map<String, Naming.Entry>> seen = new HashMap<>();
    @GuardedBy("lock")
    private final Map<String, LeaderInformation> leaderRecords = new TreeMap<>();
    @GuardedBy("lock")
    private final Map<RetrievalView, Map<String, LeaderInformation>> shown = new HashMap<>();
    @GuardedBy("lock")
    private String viewLeaseVersion;
    @GuardedBy("lock")
    private long viewLeaseSeenAt;
    @GuardedBy("lock")
    private Lease viewLease;
    @GuardedBy("lock")
    private ScheduledFuture<?> viewExpiry;
    @GuardedBy("lock")
    private boolean closed;
    private final List<StoreWatch> storeWatches = new CopyOnWriteArrayList<>();

    private KubernetesBackend(HaConfig config, KubernetesOptions options, KubernetesClient client, String namespace,
            BackendEvents events) {
        this.config = config;
        this.options = options;
        this.ticker = config.ticker();
        this.kube = new Kube(client, namespace, events, ticker, config.nodeId());
        this.leaseName = Naming.leaseName(config.clusterId());
        this.clusterLabel = Naming.clusterLabel(config.clusterId());
        this.leaders = new ConfigMapStore(this, "leaders", Naming.leadersName(config.clusterId()),
                Naming.KIND_LEADERS);
        this.owner = options.owner().map(o -> new OwnerReferenceBuilder().withApiVersion(o.apiVersion())
                .withKind(o.kind()).withName(o.name()).withUid(o.uid()).build());
        this.driverThread = new ScheduledThreadPoolExecutor(1, EventExecutor.daemon("hakit-k8s-" + config.nodeId()));
        this.driverThread.setRemoveOnCancelPolicy(true);
        // on close, the queued release runs; the next scheduled step does not
        this.driverThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.timerThread = new ScheduledThreadPoolExecutor(1,
                EventExecutor.daemon("hakit-k8s-timer-" + config.nodeId()));
        this.timerThread.setRemoveOnCancelPolicy(true);
    }

    /**
     * The fabric8 configuration for {@code options}: the kubeconfig file if set, else {@code $KUBECONFIG},
     * {@code ~/.kube/config} or the pod's service account; fabric8's request retries off (HAKit bounds and
     * classifies every request itself), every request bounded by {@code high-availability.operation-timeout}.
     */
    public static Config clientConfig(HaConfig config, KubernetesOptions options) {
        Config base;
        try {
            if (options.configFile().isPresent()) {
                base = Config.fromKubeconfig(options.context().orElse(null),
                        options.configFile().get().toFile());
            } else {
                base = Config.autoConfigure(options.context().orElse(null));
            }
        } catch (RuntimeException e) {
            throw new io.hakit.api.InvalidConfigException("could not read the Kubernetes client configuration ("
                    + KubernetesOptions.CONFIG_FILE + ", " + KubernetesOptions.CONTEXT + "): " + e.getMessage(),
                    KubernetesOptions.CONFIG_FILE);
        }
        return tune(base, config);
    }

    /** Applies HAKit's timeouts and retry policy to a fabric8 configuration. */
    public static Config tune(Config base, HaConfig config) {
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, config.operationTimeout().toMillis());
        return new ConfigBuilder(base)
                .withRequestTimeout(timeoutMs)
                .withConnectionTimeout(timeoutMs)
                .withRequestRetryBackoffLimit(0)
                .withHttp2Disable(true)
                .withWatchReconnectInterval(200)
                .withWatchReconnectLimit(-1)
                .build();
    }

    /**
     * Connects: builds the client on the JDK's HTTP client, starts both informers and waits (bounded by the
     * operation timeout) until they have listed.
     *
     * @throws BackendUnavailableException if the API server cannot be reached in time
     */
    public static KubernetesBackend connect(HaConfig config, KubernetesOptions options, Config clientConfig,
            BackendEvents events) {
        KubernetesClient client = new KubernetesClientBuilder().withConfig(clientConfig)
                .withHttpClientFactory(new JdkHttpClientFactory()).build();
        String ns = options.namespace().orElse(clientConfig.getNamespace() == null ? "default"
                : clientConfig.getNamespace());
        KubernetesBackend b = new KubernetesBackend(config, options, client, ns, events);
        try {
            // a first list that hangs (seen on the mock server under load) is given up and started afresh, twice
            for (int attempt = 1; ; attempt++) {
                try {
                    b.startInformers();
                    break;
                } catch (BackendUnavailableException e) {
                    b.stopInformers();
                    if (attempt == 3) {
                        throw e;
                    }
                    LOG.warn("{}: {}; trying again", config.nodeId(), e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        long period = options.retryPeriod().toNanos();
        b.timerThread.scheduleWithFixedDelay(b::probe, period, period, TimeUnit.NANOSECONDS);
        return b;
    }

    private void stopInformers() {
        for (SharedIndexInformer<?> i : Arrays.asList(leaseInformer, configMapInformer)) {
            if (i != null) {
                try {
                    i.stop();
                } catch (RuntimeException ex) {
                    LOG.debug("stopping an informer failed", ex);
                }
            }
        }
    }

    private void startInformers() {
        long timeout = config.operationTimeout().toMillis();
        leaseInformer = kube.client.resources(Lease.class).inNamespace(kube.namespace).withName(leaseName)
                .runnableInformer(0);
        leaseInformer.addEventHandler(new ResourceEventHandler<Lease>() {
            @Override
            public void onAdd(Lease obj) {
                onLease(obj);
            }

            @Override
            public void onUpdate(Lease oldObj, Lease newObj) {
                onLease(newObj);
            }

            @Override
            public void onDelete(Lease obj, boolean deletedFinalStateUnknown) {
                onLease(null);
            }
        });
        configMapInformer = kube.client.configMaps().inNamespace(kube.namespace)
                .withLabel(Naming.LABEL_CLUSTER, clusterLabel).runnableInformer(0);
        configMapInformer.addEventHandler(new ResourceEventHandler<ConfigMap>() {
            @Override
            public void onAdd(ConfigMap obj) {
                onConfigMap(obj.getMetadata().getName(), obj);
            }

            @Override
            public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
                onConfigMap(newObj.getMetadata().getName(), newObj);
            }

            @Override
            public void onDelete(ConfigMap obj, boolean deletedFinalStateUnknown) {
                onConfigMap(obj.getMetadata().getName(), null);
            }
        });
        try {
            leaseInformer.start().toCompletableFuture().get(timeout, TimeUnit.MILLISECONDS);
            configMapInformer.start().toCompletableFuture().get(timeout, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            throw new BackendUnavailableException("could not list and watch the Lease and ConfigMaps of cluster '"
                    + config.clusterId() + "' in Kubernetes namespace " + kube.namespace + " at "
                    + kube.client.getConfiguration().getMasterUrl() + " within " + HaConfig.OPERATION_TIMEOUT + ": "
                    + cause, cause);
        }
    }

    // ------------------------------------------------------------------ HaBackend

    @Override
    public ElectionDriver startElection(ElectionDriver.Listener listener) {
        LeaseElector e = new LeaseElector(this, listener);
        synchronized (lock) {
            checkOpen();
            elector = e;
        }
        e.start();
        return e;
    }

    @Override
    public RetrievalDriver startRetrieval(RetrievalDriver.Listener listener) {
        RetrievalView v = new RetrievalView(listener);
        synchronized (lock) {
            checkOpen();
            shown.put(v, new HashMap<>());
            refreshViewLocked();
        }
        return v;
    }

    @Override
    public StoreDriver store(String namespace) {
        return new ConfigMapStore(this, namespace, Naming.storeName(config.clusterId(), namespace),
                Naming.KIND_STORE);
    }

    @Override
    public int inlineLimit() {
        return INLINE_LIMIT;
    }

    /**
     * How much longer this process's leadership can be trusted after a reported suspension: the renew deadline after
     * the send of the last successful renewal (other processes wait the longer lease duration from when they saw
     * that renewal); zero when it does not lead.
     */
    @Override
    public Optional<Duration> sessionLeaseAfterSuspend() {
        LeaseElector e;
        synchronized (lock) {
            e = elector;
        }
        long sent = e == null ? Long.MIN_VALUE : e.lastRenewSend();
        if (sent == Long.MIN_VALUE) {
            return Optional.of(Duration.ZERO);
        }
        long left = options.renewDeadline().toNanos() - (ticker.read() - sent);
        return Optional.of(Duration.ofNanos(Math.max(0, left)));
    }

    @Override
    public void close() {
        LeaseElector e;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            e = elector;
            if (viewExpiry != null) {
                viewExpiry.cancel(false);
            }
        }
        // the informers first: a closing process needs no more events (and its own release's event need not reach it)
        stopInformers();
        if (e != null) {
            e.close();
        }
        // let the release run before the client goes
        driverThread.shutdown();
        try {
            driverThread.awaitTermination(config.operationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        driverThread.shutdownNow();
        timerThread.shutdownNow();
        kube.client.close();
    }

    @GuardedBy("lock")
    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Kubernetes backend of " + config.nodeId() + " is closed");
        }
    }

    // ------------------------------------------------------------------ data lifecycle

    @Override
    public List<String> namespaces() {
        List<String> out = new ArrayList<>();
        for (ConfigMap cm : kube.listConfigMaps(clusterLabel)) {
            Map<String, String> a = cm.getMetadata().getAnnotations();
            if (Naming.KIND_STORE.equals(cm.getMetadata().getLabels().get(Naming.LABEL_KIND)) && a != null
                    && config.clusterId().equals(a.get(Naming.ANNOTATION_CLUSTER))
                    && a.get(Naming.ANNOTATION_NAMESPACE) != null) {
                out.add(a.get(Naming.ANNOTATION_NAMESPACE));
            }
        }
        return out;
    }

    /** Deletes the namespace's ConfigMap (the core deleted its keys first; a store keeps no other state). */
    @Override
    public void dropNamespace(String namespace) {
        String name = Naming.storeName(config.clusterId(), namespace);
        try {
            kube.write("delete ConfigMap " + name, () -> kube.client.configMaps().inNamespace(kube.namespace)
                    .withName(name).delete());
        } catch (Kube.Conflict e) {
            // already gone
        }
    }

    /**
     * Deletes every object of this cluster id: its ConfigMaps (listed by label, deleted one by one: the Role needs no
     * deletecollection) and the Lease. Stops nothing that still runs; a process still running re-creates what it
     * writes (its epochs start above nothing then: call it only when the cluster is gone).
     */
    @Override
    public void deleteClusterData() {
        for (ConfigMap cm : kube.listConfigMaps(clusterLabel)) {
            String name = cm.getMetadata().getName();
            kube.write("delete ConfigMap " + name, () -> kube.client.configMaps().inNamespace(kube.namespace)
                    .withName(name).delete());
        }
        kube.write("delete Lease " + leaseName, () -> kube.client.resources(Lease.class).inNamespace(kube.namespace)
                .withName(leaseName).delete());
    }

    // ------------------------------------------------------------------ helpers for drivers

    void runAsync(Runnable task) {
        if (!driverThread.isShutdown()) {
            try {
                driverThread.execute(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.error("{}: Kubernetes driver task failed", config.nodeId(), e);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                LOG.debug("{}: driver thread is shut down", config.nodeId());
            }
        }
    }

    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        try {
            return driverThread.isShutdown() ? null
                    : driverThread.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null;
        }
    }

    void scheduleTimer(Runnable task, long delayNanos) {
        try {
            if (!timerThread.isShutdown()) {
                timerThread.schedule(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.error("{}: Kubernetes timer task failed", config.nodeId(), e);
                    }
                }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    Map<String, String> labels(String kind) {
        Map<String, String> l = new HashMap<>();
        l.put(Naming.LABEL_MANAGED_BY, "hakit");
        l.put(Naming.LABEL_CLUSTER, clusterLabel);
        l.put(Naming.LABEL_KIND, kind);
        return l;
    }

    Optional<OwnerReference> owner() {
        return owner;
    }

    /** The highest fence recorded in the cluster's ConfigMaps (the epoch floor when the Lease was lost); 0 if none. */
    long highestFence() {
        return kube.listConfigMaps(clusterLabel).stream().mapToLong(ConfigMapStore::fence).max().orElse(0);
    }

    /**
     * Reads the Lease and throws unless this process's current elector holds it at exactly {@code epoch}.
     *
     * @throws LeadershipLostException otherwise
     */
    void checkLeaseHeld(long epoch, String what) {
        LeaseElector e;
        synchronized (lock) {
            e = elector;
        }
        Lease lease = kube.getLease(leaseName).orElse(null);
        String holder = LeaseElector.holder(lease);
        OptionalLong leaseEpoch = LeaseElector.epochOf(lease);
        if (e == null || !e.identity.equals(holder) || leaseEpoch.orElse(-1) != epoch) {
            throw new LeadershipLostException(what + " at epoch " + epoch + " refused: the Lease is held by "
                    + holder + " at epoch " + (leaseEpoch.isPresent() ? leaseEpoch.getAsLong() : "none")
                    + ", not by this process at that epoch");
        }
    }

    /**
     * Every retry period: LOST after the deadline; while the connection is in doubt, a cheap read (its answer reports
     * RECONNECTED); and the retrieval view's lease check.
     */
    private void probe() {
        try {
            probeOnce();
        } catch (RuntimeException e) {
            LOG.warn("{}: periodic check failed", config.nodeId(), e); // never let it end the periodic task
        }
    }

    private void probeOnce() {
        kube.checkLost(options.renewDeadline().toNanos());
        synchronized (lock) {
            refreshViewLocked(); // also every retry period: the expiry is read from the ticker, not only from a timer
        }
        if (!kube.state().isConnected()) {
            runAsync(() -> {
                try {
                    kube.getLease(leaseName);
                } catch (RuntimeException e) {
                    LOG.debug("{}: probe failed: {}", config.nodeId(), e.getMessage());
                }
            });
        }
    }

    /** Requests sent so far (for tests and benchmarks). */
    public long requestCount() {
        return kube.requests.get();
    }

    /** The Kubernetes namespace in use. */
    public String kubernetesNamespace() {
        return kube.namespace;
    }

    /** The fabric8 client (for tests and tools). */
    public KubernetesClient client() {
        return kube.client;
    }

    // ------------------------------------------------------------------ leader records

    static byte[] leaderRecord(LeaderInformation info) {
        return ("hakit-leader-v1\n" + info.epoch() + "\n" + info.sessionId().orElseThrow() + "\n"
                + info.address().orElseThrow()).getBytes(StandardCharsets.UTF_8);
    }

    static Optional<LeaderInformation> parseLeader(byte[] record) {
        if (record == null || record.length > 8192) {
            return Optional.empty();
        }
        String[] p = new String(record, StandardCharsets.UTF_8).split("\n", 4);
        if (p.length != 4 || !p[0].equals("hakit-leader-v1")) {
            return Optional.empty();
        }
        try {
            long epoch = Long.parseLong(p[1]);
            return epoch > 0 && !p[3].isEmpty()
                    ? Optional.of(LeaderInformation.known(UUID.fromString(p[2]), epoch, p[3])) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ informer fan-out

    private void onLease(Lease lease) {
        LeaseElector e;
        synchronized (lock) {
            String v = lease == null ? null : lease.getMetadata().getResourceVersion();
            if (!Objects.equals(v, viewLeaseVersion)) {
                viewLeaseVersion = v;
                viewLeaseSeenAt = ticker.read();
            }
            viewLease = lease;
            refreshViewLocked();
            e = elector;
        }
        if (e != null) {
            e.seen(lease); // an observation; released or deleted: contend now, not after a retry period
        }
    }

    private void onConfigMap(String name, ConfigMap cm) {
        Map<String, Naming.Entry> now = new HashMap<>();
        if (cm != null) {
            try {
                now = ConfigMapStore.entries(cm);
            } catch (RuntimeException e) {
                LOG.warn("{}: ConfigMap {} has entries not in HAKit's format: {}", config.nodeId(), name,
                        e.getMessage());
                return;
            }
        }
        Map<String, Naming.Entry> before;
        synchronized (lock) {
            before = cm == null ? seen.remove(name) : seen.put(name, now);
            if (name.equals(leaders.objectName)) {
                leaderRecords.clear();
                now.forEach((component, entry) -> parseLeader(entry.record)
                        .ifPresent(info -> leaderRecords.put(component, info)));
                refreshViewLocked();
                return;
            }
        }
        if (before == null) {
            before = Map.of();
        }
        TreeSet<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(now.keySet());
        List<StoreEvent> changes = new ArrayList<>();
        for (String key : keys) {
            Naming.Entry o = before.get(key);
            Naming.Entry n = now.get(key);
            if (n == null) {
                changes.add(StoreEvent.delete(key));
            } else if (o == null || o.version != n.version || !Arrays.equals(o.record, n.record)) {
                changes.add(StoreEvent.put(new Versioned(key, n.record, n.version)));
            }
        }
        for (StoreWatch w : storeWatches) {
            if (!w.objectName.equals(name)) {
                continue;
            }
            for (StoreEvent ev : changes) {
                if (ev.key().startsWith(w.prefix) && !w.closed) {
                    w.listener.accept(ev);
                }
            }
        }
    }

    Subscription watchStore(String objectName, String prefix, Consumer<StoreEvent> listener) {
        StoreWatch w = new StoreWatch(objectName, prefix, listener);
        synchronized (lock) {
            checkOpen();
            storeWatches.add(w);
        }
        return () -> {
            w.closed = true;
            storeWatches.remove(w);
        };
    }

    /**
     * Recomputes what every retrieval shows: a component's record only while its epoch is the Lease's epoch, the
     * Lease has a holder, and this process has not seen the Lease go unchanged for its duration (measured on the
     * ticker from when this process saw it change). A crashed leader leaves its records; they disappear from view
     * when its lease runs out here.
     */
    @GuardedBy("lock")
    private void refreshViewLocked() {
        if (closed) {
            return;
        }
        long leaseEpoch = LeaseElector.epochOf(viewLease).orElse(-1);
        boolean live = LeaseElector.holder(viewLease) != null;
        long duration = 0;
        if (live) {
            Integer s = viewLease.getSpec().getLeaseDurationSeconds();
            duration = s == null ? options.leaseDuration().toNanos() : TimeUnit.SECONDS.toNanos(s);
            long left = duration - (ticker.read() - viewLeaseSeenAt);
            if (left <= 0) {
                live = false;
            } else {
                if (viewExpiry != null) {
                    viewExpiry.cancel(false);
                }
                try {
                    viewExpiry = timerThread.schedule(() -> {
                        synchronized (lock) {
                            refreshViewLocked();
                        }
                    }, left + 1_000_000, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    viewExpiry = null; // closing
                }
            }
        }
        Map<String, LeaderInformation> visible = new HashMap<>();
        if (live) {
            leaderRecords.forEach((component, info) -> {
                if (info.epoch() == leaseEpoch) {
                    visible.put(component, info);
                }
            });
        }
        for (Map.Entry<RetrievalView, Map<String, LeaderInformation>> e : shown.entrySet()) {
            Map<String, LeaderInformation> before = e.getValue();
            TreeSet<String> components = new TreeSet<>(before.keySet());
            components.addAll(visible.keySet());
            for (String c : components) {
                LeaderInformation now = visible.getOrDefault(c, LeaderInformation.empty());
                LeaderInformation was = before.getOrDefault(c, LeaderInformation.empty());
                if (!now.equals(was)) {
                    e.getKey().listener.onLeaderInformationChange(c, now);
                }
            }
            e.setValue(new HashMap<>(visible));
        }
    }

    private final class RetrievalView implements RetrievalDriver {
        final RetrievalDriver.Listener listener;

        RetrievalView(RetrievalDriver.Listener listener) {
            this.listener = listener;
        }

        @Override
        public void close() {
            synchronized (lock) {
                shown.remove(this);
            }
        }
    }

    private static final class StoreWatch {
        final String objectName;
        final String prefix;
        final Consumer<StoreEvent> listener;
        volatile boolean closed;

        StoreWatch(String objectName, String prefix, Consumer<StoreEvent> listener) {
            this.objectName = objectName;
            this.prefix = prefix;
            this.listener = listener;
        }
    }
}
