package io.hakit.api.spi;

import io.hakit.api.Subscription;
import io.hakit.api.Versioned;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A backend's key/value store of one namespace. Values are opaque records (the core adds a small header and
 * handles blobs). Keys are already validated by the core.
 *
 * <p>Versions: a created key has version 0; every write increases it. {@code expectedVersion} is a version,
 * {@link io.hakit.api.StateStore#NEW} or {@link io.hakit.api.StateStore#ANY}.
 *
 * <p>Fencing: when {@code fenceEpoch > 0} the write is applied only if, atomically with it, no epoch higher than
 * {@code fenceEpoch} has been reported granted in the election, and the namespace has seen no higher fence epoch;
 * the namespace then records {@code fenceEpoch} as the highest fence it accepted. Otherwise
 * {@link io.hakit.api.LeadershipLostException}. {@code fenceEpoch == 0} means unfenced. (The core checks first that
 * the writer's session is its process's current one.)
 *
 * <p>Size: a backend whose namespace has a total size limit (a Kubernetes ConfigMap: 1 MiB) throws
 * {@link NamespaceFullException} for a write that would exceed it, having changed nothing; the core then offloads
 * the value to the blob store.
 *
 * <p>Failures: {@link io.hakit.api.VersionConflictException} (not applied),
 * {@link io.hakit.api.BackendUnavailableException} (not applied), {@link io.hakit.api.UnknownOutcomeException}
 * (may have been applied).
 */
public interface StoreDriver {

    /**
     * Reads one key.
     *
     * @param key the key
     * @return the key's current record and version, or empty if the key does not exist
     */
    Optional<Versioned> get(String key);

    /**
     * Entries whose key starts with {@code prefix}, sorted by key.
     *
     * @param prefix the key prefix; empty for all entries
     * @return the matching entries, sorted by key
     */
    List<Versioned> list(String prefix);

    /**
     * Writes a record, if the key's version is {@code expectedVersion} and the fence holds.
     *
     * @param key the key
     * @param record the record to store
     * @param expectedVersion the version the key must have, {@link io.hakit.api.StateStore#NEW} or
     *     {@link io.hakit.api.StateStore#ANY}
     * @param fenceEpoch the writer's epoch, or 0 for an unfenced write
     * @return the new version
     * @throws NamespaceFullException if the write would exceed the namespace's size limit
     */
    long put(String key, byte[] record, long expectedVersion, long fenceEpoch);

    /**
     * Deletes a key, if its version is {@code expectedVersion} and the fence holds.
     *
     * @param key the key
     * @param expectedVersion the version the key must have, or {@link io.hakit.api.StateStore#ANY}
     * @param fenceEpoch the writer's epoch, or 0 for an unfenced delete
     * @return whether a value was deleted
     */
    boolean delete(String key, long expectedVersion, long fenceEpoch);

    /**
     * Reports changes under {@code prefix}, per key in the order they were applied, never concurrently (a PUT
     * carries the raw record). Changes may be coalesced to the latest value.
     *
     * @param prefix the key prefix to watch; empty for all keys
     * @param listener receives the changes
     * @return the subscription; closing it stops the reports
     */
    Subscription watch(String prefix, Consumer<io.hakit.api.StoreEvent> listener);
}
