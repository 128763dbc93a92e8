package io.hakit.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Replicated key/value state under one namespace: opaque byte values with versions, compare-and-set writes,
 * leader-fenced writes, list by prefix and watch.
 *
 * <p><b>Keys</b> are 1 to {@value #MAX_KEY_LENGTH} characters of {@code [A-Za-z0-9._-/]}, not starting or ending
 * with {@code /}, without {@code //} and without {@code .} or {@code ..} segments; anything else is refused with
 * {@link IllegalArgumentException} naming the key.
 *
 * <p><b>Large values.</b> A value above the backend's inline limit (ZooKeeper about 1 MiB, a ConfigMap 1 MiB in
 * total) is written to the {@link BlobStore} first and the store keeps a pointer with its SHA-256; a read verifies
 * the checksum. Values are bounded by {@code high-availability.store.max-value-size} (default 64 MiB).
 *
 * <p><b>Fencing.</b> The {@code LeaderSession} variants are leader-only writes: refused with
 * {@link LeadershipLostException} unless the session is the process's current leadership, and refused by the
 * backend, atomically with the write, when a higher epoch has been granted or seen. A stale leader's write never
 * lands.
 *
 * <p><b>Ambiguous outcomes.</b> When the backend fails after a write may have been applied, the call throws
 * {@link UnknownOutcomeException} and nothing is discarded (a blob written for the value stays). Read again to
 * find out.
 *
 * <p><b>Consistency.</b> Writes to one key are linearizable (compare-and-set). A {@link #get} or {@link #list}
 * sees every write that completed before it started, in any process (a new leader never reads an older value than
 * the old leader's last acknowledged write). Watches may deliver later than a read would see the change.
 *
 * <p>Thread-safe; every method may block on the backend for at most {@code high-availability.operation-timeout}.
 */
public interface StateStore {

    /** Expected version meaning "the key must not exist" (create). */
    long NEW = -1;
    /** Expected version meaning "whatever the current version is" (unconditional write or delete). */
    long ANY = -2;
    /** The longest key accepted. */
    int MAX_KEY_LENGTH = 512;

    /**
     * The namespace this store is under.
     *
     * @return the namespace
     */
    String namespace();

    /**
     * The key's value and version, or empty when it does not exist.
     *
     * @param key the key
     * @return the value and version, or empty
     * @throws IllegalArgumentException for a bad key
     */
    Optional<Versioned> get(String key);

    /**
     * Every entry whose key starts with {@code prefix} ("" for all), sorted by key.
     *
     * @param prefix the key prefix; "" for all keys
     * @return the matching entries, sorted by key; empty if none
     */
    List<Versioned> list(String prefix);

    /**
     * Writes {@code value} if the key's version is {@code expectedVersion} ({@link #NEW}: must not exist;
     * {@link #ANY}: unconditional).
     *
     * @param key the key
     * @param value the value, at most {@code high-availability.store.max-value-size} bytes
     * @param expectedVersion the version the key must have, {@link #NEW} or {@link #ANY}
     * @return the new version
     * @throws VersionConflictException if the version did not match (nothing written)
     * @throws IllegalArgumentException for a bad key, a negative version other than NEW/ANY or a value over the
     *     size limit (nothing written)
     * @throws UnknownOutcomeException if the write may or may not have been applied
     * @throws BackendUnavailableException if the backend is unreachable (nothing written)
     */
    long put(String key, byte[] value, long expectedVersion);

    /**
     * Leader-fenced {@link #put(String, byte[], long)}.
     *
     * @param session the leadership the write is made under
     * @param key the key
     * @param value the value, at most {@code high-availability.store.max-value-size} bytes
     * @param expectedVersion the version the key must have, {@link #NEW} or {@link #ANY}
     * @return the new version
     * @throws LeadershipLostException if {@code session} is not current or the backend has seen a higher epoch
     *     (nothing written)
     */
    long put(LeaderSession session, String key, byte[] value, long expectedVersion);

    /**
     * Deletes the key if its version is {@code expectedVersion} ({@link #ANY}: whatever it is).
     *
     * @param key the key
     * @param expectedVersion the version the key must have, or {@link #ANY}
     * @return whether a value was deleted ({@code false} if the key did not exist)
     * @throws VersionConflictException if the key exists with another version
     */
    boolean delete(String key, long expectedVersion);

    /**
     * Leader-fenced {@link #delete(String, long)}.
     *
     * @param session the leadership the write is made under
     * @param key the key
     * @param expectedVersion the version the key must have, or {@link #ANY}
     * @return whether a value was deleted
     * @throws LeadershipLostException if {@code session} is not current or the backend has seen a higher epoch
     */
    boolean delete(LeaderSession session, String key, long expectedVersion);

    /**
     * Watches every key starting with {@code prefix}; see {@link StoreListener} for ordering and threading. Changes
     * made before this call are not replayed: {@link #list(String)} first if you need the current state.
     *
     * @param prefix the key prefix; "" for all keys
     * @param listener receives the changes
     * @return the subscription; closing it ends the watch
     */
    Subscription watch(String prefix, StoreListener listener);

    /**
     * Deletes blobs of this namespace that no key points to any more (left by overwritten values or by writes whose
     * outcome was unknown). Call it periodically: a blob is deleted only once two calls (scans) of this store at least
     * {@code minAge} apart, as measured by this process's ticker, both found it unreferenced, and the pointers read
     * again just before the delete do not name it; a blob of a put of this process still under way is never deleted.
     * Age is never judged from a file's modification time, so the clocks of the hosts sharing a blob directory do not
     * matter. A put of any process writes its blob, then its pointer, and fails (deleting its blob, writing nothing)
     * if the blob took longer than {@code high-availability.operation-timeout} to write; so keep {@code minAge} well
     * above twice the operation timeout (and the backend's session timeout) when other processes write. A zero
     * {@code minAge} scans twice in one call: safe only when no other process writes the namespace.
     *
     * @param minAge how long a blob must have stayed unreferenced between two scans; zero or more
     * @return the number of blobs deleted
     * @throws IllegalArgumentException if {@code minAge} is negative
     */
    int collectGarbage(Duration minAge);
}
