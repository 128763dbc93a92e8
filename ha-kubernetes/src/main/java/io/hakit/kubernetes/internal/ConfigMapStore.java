package io.hakit.kubernetes.internal;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.HaConfig;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.StoreEvent;
import io.hakit.api.Subscription;
import io.hakit.api.VersionConflictException;
import io.hakit.api.Versioned;
import io.hakit.api.support.ConfigParsing;
import io.hakit.api.spi.NamespaceFullException;
import io.hakit.api.spi.StoreDriver;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One store namespace in one ConfigMap (also used for the cluster's leader information). Every key is a
 * {@code binaryData} entry carrying its own version; annotation {@value Naming#FENCE} is the highest fence epoch the
 * namespace has accepted.
 *
 * <p>Every write is one {@code update} carrying the resourceVersion read just before (or a {@code create}), so the
 * API server applies it only to the state it was computed from; a 409 re-reads and computes again (the version check
 * then decides). A fenced write at epoch {@code e} is applied only to a ConfigMap whose fence is exactly {@code e}:
 * <ul>
 *   <li>fence higher: refused ({@link LeadershipLostException});
 *   <li>fence lower or no ConfigMap (a namespace created after the leader sealed the others): first claimed (an
 *   update that sets fence := e and changes no entry), then the Lease is read to check that it still has epoch
 *   {@code e} and this process's holder, then the write proceeds. A later leader lists the ConfigMaps only after it
 *   holds the Lease, so it sees the claim and raises the fence before it is told it leads; a claim after that finds
 *   the Lease moved on.
 * </ul>
 * Reads go to the API server, never to a cache. Before an update the ConfigMap's total size (Kubernetes' 1 MiB limit)
 * is checked; over it, {@link NamespaceFullException} and nothing is sent.
 */
final class ConfigMapStore implements StoreDriver {

    /** Kubernetes' limit of a ConfigMap's data: 1 MiB (data plus binaryData, keys and values). */
    static final int CONFIGMAP_LIMIT = 1024 * 1024;
    /** Room kept below the limit for annotations and entry-name slack. */
    static final int SIZE_MARGIN = 8 * 1024;

    private final KubernetesBackend backend;
    private final String namespace;
    final String objectName;
    private final String kind;
    /**
     * The ConfigMap as last read or written here: the first attempt of a write is computed from it (the usual
     * read-then-write then costs one request less); the update is conditional on its resourceVersion, so a stale
     * copy only costs a 409 and a fresh read. Never used to answer a read.
     */
    private volatile ConfigMap lastRead;

    ConfigMapStore(KubernetesBackend backend, String namespace, String objectName, String kind) {
        this.backend = backend;
        this.namespace = namespace;
        this.objectName = objectName;
        this.kind = kind;
    }

    // ------------------------------------------------------------------ reads

    @Override
    public Optional<Versioned> get(String key) {
        return read().map(cm -> entries(cm).get(key)).map(e -> new Versioned(e.key, e.record, e.version));
    }

    @Override
    public List<Versioned> list(String prefix) {
        List<Versioned> out = new ArrayList<>();
        read().ifPresent(cm -> entries(cm).values().stream().filter(e -> e.key.startsWith(prefix))
                .sorted(Comparator.comparing(e -> e.key))
                .forEach(e -> out.add(new Versioned(e.key, e.record, e.version))));
        return out;
    }

    private Optional<ConfigMap> read() {
        Optional<ConfigMap> cm = backend.kube.getConfigMap(objectName);
        cm.ifPresent(this::checkOwnership);
        lastRead = cm.orElse(null);
        return cm;
    }

    /** The entries of a ConfigMap of this backend, by key. */
    static Map<String, Naming.Entry> entries(ConfigMap cm) {
        Map<String, Naming.Entry> out = new HashMap<>();
        if (cm.getBinaryData() != null) {
            for (Map.Entry<String, String> e : cm.getBinaryData().entrySet()) {
                Naming.Entry entry = Naming.parseEntry(e.getKey(), Base64.getDecoder().decode(e.getValue()));
                out.put(entry.key, entry);
            }
        }
        return out;
    }

    static long fence(ConfigMap cm) {
        if (cm == null || cm.getMetadata().getAnnotations() == null) {
            return 0;
        }
        return Naming.parseEpoch(cm.getMetadata().getAnnotations().get(Naming.FENCE)).orElse(0);
    }

    private void checkOwnership(ConfigMap cm) {
        Map<String, String> a = cm.getMetadata().getAnnotations();
        String cluster = a == null ? null : a.get(Naming.ANNOTATION_CLUSTER);
        String ns = a == null ? null : a.get(Naming.ANNOTATION_NAMESPACE);
        if (!backend.config.clusterId().equals(cluster) || !namespace.equals(ns)) {
            throw new IllegalStateException("ConfigMap " + objectName + " in Kubernetes namespace "
                    + backend.kube.namespace + " belongs to cluster '" + cluster + "' namespace '" + ns
                    + "', not to cluster '" + backend.config.clusterId() + "' namespace '" + namespace
                    + "' (two ids map to one object name: choose another " + HaConfig.CLUSTER_ID + " or namespace)");
        }
    }

    // ------------------------------------------------------------------ writes

    @Override
    public long put(String key, byte[] record, long expectedVersion, long fenceEpoch) {
        long[] result = new long[1];
        mutate("put of key '" + key + "'", fenceEpoch, entries -> {
            Naming.Entry old = entries.get(key);
            if (expectedVersion == StateStore.NEW ? old != null
                    : expectedVersion != StateStore.ANY && (old == null || old.version != expectedVersion)) {
                throw new VersionConflictException(key, expectedVersion, "put of key '" + key + "' expected version "
                        + versionText(expectedVersion) + ", found " + (old == null ? "no value" : "version "
                        + old.version) + " in namespace " + namespace);
            }
            long version = old == null ? 0 : old.version + 1;
            result[0] = version;
            return Map.of(Naming.entryName(key), Optional.of(Naming.entry(key, version, record)));
        });
        return result[0];
    }

    @Override
    public boolean delete(String key, long expectedVersion, long fenceEpoch) {
        boolean[] deleted = new boolean[1];
        mutate("delete of key '" + key + "'", fenceEpoch, entries -> {
            Naming.Entry old = entries.get(key);
            if (old == null) {
                if (expectedVersion != StateStore.ANY) {
                    throw new VersionConflictException(key, expectedVersion, "delete of key '" + key
                            + "' expected version " + expectedVersion + ", found no value in namespace " + namespace);
                }
                deleted[0] = false;
                return null;
            }
            if (expectedVersion != StateStore.ANY && old.version != expectedVersion) {
                throw new VersionConflictException(key, expectedVersion, "delete of key '" + key + "' expected version "
                        + expectedVersion + ", found version " + old.version + " in namespace " + namespace);
            }
            deleted[0] = true;
            return Map.of(Naming.entryName(key), Optional.empty());
        });
        return deleted[0];
    }

    private static String versionText(long v) {
        return v == StateStore.NEW ? "NEW (absent)" : String.valueOf(v);
    }

    /** Computes the entry changes from the current entries; null: nothing to write. */
    interface Change {
        Map<String, Optional<byte[]>> apply(Map<String, Naming.Entry> entries);
    }

    /**
     * Reads the ConfigMap, checks the fence, computes {@code change} and writes it conditionally on the version read;
     * on a 409 it starts over, within {@code high-availability.operation-timeout}.
     */
    void mutate(String what, long fenceEpoch, Change change) {
        long deadline = System.nanoTime() + backend.config.operationTimeout().toNanos();
        String full = what + " in namespace " + namespace;
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0 && System.nanoTime() - deadline > 0) {
                throw new BackendUnavailableException(full + ": still conflicting with other writers after "
                        + attempt + " attempts within " + HaConfig.OPERATION_TIMEOUT + " ("
                        + ConfigParsing.format(backend.config.operationTimeout()) + "); nothing was written");
            }
            ConfigMap remembered = lastRead;
            ConfigMap cm = attempt == 0 && remembered != null ? remembered : read().orElse(null);
            if (fenceEpoch > 0) {
                long fence = fence(cm);
                if (fence > fenceEpoch) {
                    throw new LeadershipLostException(full + " at epoch " + fenceEpoch + " refused: the namespace "
                            + "has accepted epoch " + fence + " (a newer leader)");
                }
                if (fence < fenceEpoch) {
                    try {
                        claim(cm, fenceEpoch);
                    } catch (Kube.Conflict e) {
                        continue;
                    }
                    backend.checkLeaseHeld(fenceEpoch, full);
                    continue;
                }
            }
            Map<String, Optional<byte[]>> changes = change.apply(cm == null ? Map.of() : entries(cm));
            if (changes == null) {
                return;
            }
            ConfigMap next = cm == null ? newConfigMap(0) : copy(cm);
            Map<String, String> data = next.getBinaryData() == null ? new HashMap<>()
                    : new HashMap<>(next.getBinaryData());
            changes.forEach((name, value) -> {
                if (value.isPresent()) {
                    data.put(name, Base64.getEncoder().encodeToString(value.get()));
                } else {
                    data.remove(name);
                }
            });
            next.setBinaryData(data);
            long size = size(next);
            if (size > CONFIGMAP_LIMIT - SIZE_MARGIN) {
                throw new NamespaceFullException(full + " would make ConfigMap " + objectName + " " + size
                        + " bytes, above Kubernetes' limit of " + CONFIGMAP_LIMIT + " bytes less a margin of "
                        + SIZE_MARGIN + "; nothing was written");
            }
            try {
                if (cm == null) {
                    lastRead = backend.kube.write("create ConfigMap " + objectName + " (" + full + ")",
                            () -> backend.kube.client.configMaps().inNamespace(backend.kube.namespace)
                                    .resource(next).create());
                } else {
                    lastRead = backend.kube.write("update ConfigMap " + objectName + " (" + full + ")",
                            () -> backend.kube.client.configMaps().inNamespace(backend.kube.namespace)
                                    .resource(next).update());
                }
                return;
            } catch (Kube.Conflict e) {
                // someone else wrote the ConfigMap since we read it: compute again from its new state
            } catch (Kube.Refused e) {
                throw new IllegalArgumentException(full + ": " + e.getMessage() + "; nothing was written", e);
            }
        }
    }

    /** Raises the fence of the ConfigMap (or creates it) to {@code epoch}, changing no entry. */
    private void claim(ConfigMap cm, long epoch) {
        if (cm == null) {
            ConfigMap fresh = newConfigMap(epoch);
            try {
                lastRead = backend.kube.write("create ConfigMap " + objectName + " (claim at epoch " + epoch + ")",
                        () -> backend.kube.client.configMaps().inNamespace(backend.kube.namespace).resource(fresh)
                                .create());
            } catch (Kube.Refused e) {
                throw new IllegalStateException("create ConfigMap " + objectName + ": " + e.getMessage(), e);
            }
        } else {
            lastRead = raiseFence(backend, cm, epoch);
        }
    }

    /** Remembers {@code cm} as this namespace's latest known version (see {@link #lastRead}). */
    void remember(ConfigMap cm) {
        lastRead = cm;
    }

    /**
     * Creates the ConfigMap, empty, with fence {@code epoch}.
     *
     * @throws Kube.Conflict if it exists
     */
    void create(long epoch) {
        claim(null, epoch);
    }

    /** A version-checked update setting the fence annotation of {@code cm} to {@code epoch}. */
    static ConfigMap raiseFence(KubernetesBackend backend, ConfigMap cm, long epoch) {
        ConfigMap next = copy(cm);
        Map<String, String> a = new HashMap<>(next.getMetadata().getAnnotations() == null ? Map.of()
                : next.getMetadata().getAnnotations());
        a.put(Naming.FENCE, Long.toString(epoch));
        next.getMetadata().setAnnotations(a);
        try {
            return backend.kube.write("seal ConfigMap " + cm.getMetadata().getName() + " at epoch " + epoch,
                    () -> backend.kube.client.configMaps().inNamespace(backend.kube.namespace).resource(next)
                            .update());
        } catch (Kube.Refused e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private ConfigMap newConfigMap(long fence) {
        Map<String, String> annotations = new HashMap<>();
        annotations.put(Naming.ANNOTATION_CLUSTER, backend.config.clusterId());
        annotations.put(Naming.ANNOTATION_NAMESPACE, namespace);
        if (fence > 0) {
            annotations.put(Naming.FENCE, Long.toString(fence));
        }
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(objectName)
                .withNamespace(backend.kube.namespace).withLabels(backend.labels(kind)).withAnnotations(annotations)
                .endMetadata().withBinaryData(new HashMap<>()).build();
        backend.owner().ifPresent(o -> cm.getMetadata().setOwnerReferences(List.of(o)));
        return cm;
    }

    private static ConfigMap copy(ConfigMap cm) {
        return new ConfigMapBuilder(cm).build();
    }

    /** The size Kubernetes counts against the limit: keys and decoded values of data and binaryData. */
    static long size(ConfigMap cm) {
        long n = 0;
        if (cm.getData() != null) {
            for (Map.Entry<String, String> e : cm.getData().entrySet()) {
                n += e.getKey().length() + e.getValue().length();
            }
        }
        if (cm.getBinaryData() != null) {
            for (Map.Entry<String, String> e : cm.getBinaryData().entrySet()) {
                n += e.getKey().length() + (e.getValue().length() / 4L) * 3;
            }
        }
        return n;
    }

    @Override
    public Subscription watch(String prefix, Consumer<StoreEvent> listener) {
        return backend.watchStore(objectName, prefix, listener);
    }
}
