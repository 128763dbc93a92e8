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
 * <p>Fencing: when {@code fenceEpoch > 0} the write is applied only if, atomically with it, this process holds the
 * election's leadership at exactly {@code fenceEpoch}, and the namespace has seen no higher fence epoch; otherwise
 * {@link io.hakit.api.LeadershipLostException}. {@code fenceEpoch == 0} means unfenced.
 *
 * <p>Failures: {@link io.hakit.api.VersionConflictException} (not applied),
 * {@link io.hakit.api.BackendUnavailableException} (not applied), {@link io.hakit.api.UnknownOutcomeException}
 * (may have been applied).
 */
public interface StoreDriver {

    Optional<Versioned> get(String key);

    /** Entries whose key starts with {@code prefix}, sorted by key. */
    List<Versioned> list(String prefix);

    /** @return the new version */
    long put(String key, byte[] record, long expectedVersion, long fenceEpoch);

    /** @return whether a value was deleted */
    boolean delete(String key, long expectedVersion, long fenceEpoch);

    /**
     * Reports changes under {@code prefix}, per key in the order they were applied, never concurrently (a PUT
     * carries the raw record). Changes may be coalesced to the latest value.
     */
    Subscription watch(String prefix, Consumer<io.hakit.api.StoreEvent> listener);

    /**
     * Removes what the backend keeps for the namespace itself (a parent znode, for example) if it holds no key; called
     * by the core after it deleted every key of the namespace. A key written since keeps it (not an error), and watches
     * of the namespace keep working. The default does nothing: for backends that keep no such container.
     *
     * @throws io.hakit.api.BackendUnavailableException if the backend cannot be reached
     */
    default void removeIfEmpty() {
    }
}
