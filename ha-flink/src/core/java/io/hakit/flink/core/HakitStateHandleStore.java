package io.hakit.flink.core;

import io.hakit.api.BackendUnavailableException;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.api.VersionConflictException;
import io.hakit.api.Versioned;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.persistence.IntegerResourceVersion;
import org.apache.flink.runtime.persistence.PossibleInconsistentStateException;
import org.apache.flink.runtime.persistence.RetrievableStateStorageHelper;
import org.apache.flink.runtime.persistence.StateHandleStore;
import org.apache.flink.runtime.state.RetrievableStateHandle;
import org.apache.flink.util.FlinkException;
import org.apache.flink.util.InstantiationUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Flink's {@link StateHandleStore} on a HAKit {@link StateStore}: the state goes to a file through Flink's
 * {@link RetrievableStateStorageHelper} ({@code FileSystemStateStorageHelper} under
 * {@code high-availability.storageDir}), and only the serialized handle (a pointer) is stored under the name.
 *
 * <p><b>Fenced.</b> Every write carries the leader session the store was created under ({@link HakitProcess}); after
 * that leadership ended every write is refused with a {@link FlinkException} whose cause is HAKit's
 * {@link LeadershipLostException}, nothing is written and the new state file is discarded. A store created while its
 * process did not lead refuses every write. Reads are not fenced.
 *
 * <p><b>Outcomes.</b> A write whose outcome is unknown ({@link UnknownOutcomeException}) throws
 * {@link PossibleInconsistentStateException} and discards nothing. {@link #releaseAndTryRemove} first marks the entry
 * as deleted (a marked entry is invisible to {@link #getAndLock} and {@link #getAllAndLock}), then discards the state,
 * then deletes the entry, so a failure in between leaves a marked entry that the next call completes, never a pointer
 * to a discarded file. There are no locks (as in Flink's Kubernetes store): only the leader writes, and fencing keeps a
 * deposed one out.
 *
 * <p>Thread-safe.
 *
 * @param <T> the type of the state kept in the files
 */
public final class HakitStateHandleStore<T extends Serializable>
        implements StateHandleStore<T, IntegerResourceVersion> {

    private static final Logger LOG = LoggerFactory.getLogger(HakitStateHandleStore.class);
    private static final byte FORMAT = 1;
    private static final byte LIVE = 0;
    private static final byte MARKED_FOR_DELETION = 1;
    private static final int MAX_ATTEMPTS = 16;

    private final StateStore store;
    private final RetrievableStateStorageHelper<T> storage;
    private final LeaderSession session;

    /**
     * A store on {@code store} writing its state through {@code storage}, fenced with {@code session} (empty: every
     * write is refused). {@link HakitProcess#stateHandleStore(String, String)} makes one bound to the process's
     * current leadership.
     *
     * @param store the HAKit namespace the entries (serialized handles) go to; every key in it is taken for
     *     one of this store's entries ({@link #clearEntries()} deletes them all)
     * @param storage writes each state to a file and returns the handle pointing to it
     * @param session the leadership every write is fenced with, for the store's whole life; empty: every write is
     *     refused
     * @throws NullPointerException if {@code store}, {@code storage} or {@code session} is null
     */
    public HakitStateHandleStore(StateStore store, RetrievableStateStorageHelper<T> storage,
            Optional<LeaderSession> session) {
        this.store = Objects.requireNonNull(store, "store");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.session = session.orElse(null);
    }

    /**
     * The leadership this store's writes are fenced with. A present session does not mean that it is still current:
     * once it ended, the backend refuses every write of this store.
     *
     * @return the session given at construction, or empty when the store refuses every write
     */
    public Optional<LeaderSession> session() {
        return Optional.ofNullable(session);
    }

    // ------------------------------------------------------------------ writes

    @Override
    public RetrievableStateHandle<T> addAndLock(String name, T state) throws Exception {
        Objects.requireNonNull(state, "state");
        LeaderSession s = checkSession(name);
        RetrievableStateHandle<T> handle = storage.store(state);
        boolean discard = true;
        try {
            store.put(s, name, record(LIVE, handle), StateStore.NEW);
            discard = false;
            return handle;
        } catch (VersionConflictException e) {
            throw new AlreadyExistException("state handle '" + name + "' already exists in " + store.namespace(), e);
        } catch (UnknownOutcomeException e) {
            discard = false; // it may have been stored: keep the state
            throw new PossibleInconsistentStateException("writing state handle '" + name + "' to "
                    + store.namespace() + " has an unknown outcome; the state is kept", e);
        } catch (LeadershipLostException e) {
            throw refused(name, e);
        } catch (BackendUnavailableException e) {
            throw new FlinkException("could not write state handle '" + name + "' to " + store.namespace()
                    + " (nothing written): " + e.getMessage(), e);
        } finally {
            if (discard) {
                discardQuietly(handle, name);
            }
        }
    }

    @Override
    public void replace(String name, IntegerResourceVersion version, T state) throws Exception {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(state, "state");
        LeaderSession s = checkSession(name);
        Optional<Versioned> current = store.get(name);
        if (current.isEmpty() || isMarked(current.get())) {
            throw new NotExistException("state handle '" + name + "' does not exist in " + store.namespace());
        }
        RetrievableStateHandle<T> old = handle(current.get());
        RetrievableStateHandle<T> handle = storage.store(state);
        boolean discardNew = true;
        try {
            store.put(s, name, record(LIVE, handle), version.getValue());
            discardNew = false;
        } catch (VersionConflictException e) {
            if (store.get(name).isEmpty()) {
                throw new NotExistException("state handle '" + name + "' was removed meanwhile", e);
            }
            throw new FlinkException("state handle '" + name + "' is not at version " + version.getValue()
                    + " any more (changed by another writer)", e);
        } catch (UnknownOutcomeException e) {
            discardNew = false;
            throw new PossibleInconsistentStateException("replacing state handle '" + name + "' in "
                    + store.namespace() + " has an unknown outcome; both states are kept", e);
        } catch (LeadershipLostException e) {
            throw refused(name, e);
        } catch (BackendUnavailableException e) {
            throw new FlinkException("could not replace state handle '" + name + "' (nothing written): "
                    + e.getMessage(), e);
        } finally {
            if (discardNew) {
                discardQuietly(handle, name);
            }
        }
        discardQuietly(old, name);
    }

    @Override
    public boolean releaseAndTryRemove(String name) throws Exception {
        LeaderSession s = checkSession(name);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = store.get(name);
            if (current.isEmpty()) {
                return true;
            }
            Versioned v = current.get();
            try {
                if (!isMarked(v)) {
                    store.put(s, name, withFlag(v.value(), MARKED_FOR_DELETION), v.version());
                }
                RetrievableStateHandle<T> handle = handle(v);
                handle.discardState();
                store.delete(s, name, StateStore.ANY);
                return true;
            } catch (VersionConflictException e) {
                LOG.debug("state handle '{}' changed while being removed; trying again", name);
            } catch (UnknownOutcomeException e) {
                throw new PossibleInconsistentStateException("removing state handle '" + name
                        + "' has an unknown outcome; calling again completes it", e);
            } catch (LeadershipLostException e) {
                throw refused(name, e);
            }
        }
        throw new FlinkException("state handle '" + name + "' kept changing while being removed");
    }

    @Override
    public void clearEntries() throws Exception {
        LeaderSession s = checkSession("*");
        for (Versioned v : store.list("")) {
            try {
                store.delete(s, v.key(), StateStore.ANY);
            } catch (LeadershipLostException e) {
                throw refused(v.key(), e);
            }
        }
    }

    /** No locks: only the leader writes, fenced. */
    @Override
    public void release(String name) {
    }

    /** No locks: only the leader writes, fenced. */
    @Override
    public void releaseAll() {
    }

    // ------------------------------------------------------------------ reads

    @Override
    public IntegerResourceVersion exists(String name) {
        Optional<Versioned> v = store.get(name);
        if (v.isEmpty() || isMarked(v.get())) {
            return IntegerResourceVersion.notExisting();
        }
        return IntegerResourceVersion.valueOf((int) v.get().version());
    }

    @Override
    public RetrievableStateHandle<T> getAndLock(String name) throws Exception {
        Optional<Versioned> v = store.get(name);
        if (v.isEmpty() || isMarked(v.get())) {
            throw new NotExistException("state handle '" + name + "' does not exist in " + store.namespace());
        }
        return handle(v.get());
    }

    @Override
    public List<Tuple2<RetrievableStateHandle<T>, String>> getAllAndLock() {
        List<Tuple2<RetrievableStateHandle<T>, String>> out = new ArrayList<>();
        for (Versioned v : store.list("")) {
            if (isMarked(v)) {
                continue;
            }
            try {
                out.add(Tuple2.of(handle(v), v.key()));
            } catch (IOException | RuntimeException e) {
                // as Flink's ZooKeeper store does: a corrupted entry is left out, loudly
                LOG.warn("state handle '{}' of {} is corrupted; ignoring it", v.key(), store.namespace(), e);
            }
        }
        return out;
    }

    @Override
    public Collection<String> getAllHandles() {
        List<String> names = new ArrayList<>();
        for (Versioned v : store.list("")) {
            names.add(v.key());
        }
        return names;
    }

    // ------------------------------------------------------------------ helpers

    private LeaderSession checkSession(String name) throws FlinkException {
        if (session == null) {
            throw new FlinkException("write of state handle '" + name + "' to " + store.namespace()
                    + " refused: this store was created while its JobManager did not lead",
                    new LeadershipLostException("no leadership"));
        }
        return session;
    }

    private FlinkException refused(String name, LeadershipLostException e) {
        return new FlinkException("write of state handle '" + name + "' to " + store.namespace() + " refused: the "
                + "leadership at epoch " + session.epoch() + " it was created under is gone (nothing written)", e);
    }

    private byte[] record(byte flag, RetrievableStateHandle<T> handle) throws IOException {
        byte[] body = InstantiationUtil.serializeObject(handle);
        byte[] r = new byte[body.length + 2];
        r[0] = FORMAT;
        r[1] = flag;
        System.arraycopy(body, 0, r, 2, body.length);
        return r;
    }

    private static byte[] withFlag(byte[] record, byte flag) {
        byte[] r = record.clone();
        r[1] = flag;
        return r;
    }

    private static boolean isMarked(Versioned v) {
        byte[] r = v.value();
        return r.length >= 2 && r[0] == FORMAT && r[1] == MARKED_FOR_DELETION;
    }

    private RetrievableStateHandle<T> handle(Versioned v) throws IOException {
        byte[] r = v.value();
        if (r.length < 2 || r[0] != FORMAT) {
            throw new IOException("state handle '" + v.key() + "' of " + store.namespace()
                    + " is not in HAKit's format");
        }
        try {
            return InstantiationUtil.deserializeObject(Arrays.copyOfRange(r, 2, r.length),
                    Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IOException("could not deserialize state handle '" + v.key() + "'", e);
        }
    }

    private void discardQuietly(RetrievableStateHandle<T> handle, String name) {
        try {
            handle.discardState();
        } catch (Exception e) {
            LOG.warn("could not discard the state of handle '{}' in {}", name, store.namespace(), e);
        }
    }

    @Override
    public String toString() {
        return "HakitStateHandleStore{" + store.namespace() + ", epoch="
                + (session == null ? "none" : String.valueOf(session.epoch())) + "}";
    }
}
