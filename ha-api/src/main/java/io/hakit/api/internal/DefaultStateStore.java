package io.hakit.api.internal;

import io.hakit.api.support.EventExecutor;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.BlobStore;
import io.hakit.api.CorruptValueException;
import io.hakit.api.HaConfig;
import io.hakit.api.HaObserver;
import io.hakit.api.HaObserver.StoreOperation;
import io.hakit.api.HaObserver.StoreOutcome;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.StoreEvent;
import io.hakit.api.StoreListener;
import io.hakit.api.Subscription;
import io.hakit.api.Ticker;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.api.VersionConflictException;
import io.hakit.api.Versioned;
import io.hakit.api.spi.NamespaceFullException;
import io.hakit.api.spi.StoreDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The core state store: key checks, record format, blobs, fencing's local half, and watch dispatch. Each public
 * operation is reported to the {@link HaObserver} when there is one; without one, it reads no ticker and allocates
 * nothing for it.
 */
final class DefaultStateStore implements StateStore {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultStateStore.class);
    private static final int MAX_DELETE_ATTEMPTS = 16;

    private final String namespace;
    private final StoreDriver driver;
    private final BlobStore blobs;
    private final int inlineLimit;
    private final int maxValueSize;
    private final EventExecutor events;
    private final Consumer<LeaderSession> fenceCheck;
    private final Ticker ticker;
    private final long operationTimeoutNanos;
    private final HaObserver observer;
    private final boolean observed;

    /** The blobs of this process's puts whose pointer write has not ended yet: the collector never deletes them. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /**
     * Puts of this process between the start of their blob write and the entry of the blob in {@link #inFlight}: while
     * there is one, a blob the collector listed may be its blob, so the collector deletes nothing.
     */
    private final AtomicInteger blobWrites = new AtomicInteger();
    private final Object gcLock = new Object();
    // unreferenced blobs -> ticker reading of the first scan of the run that found them so
    @GuardedBy("gcLock")
    private final Map<String, Long> unreferencedSince = new HashMap<>();

    DefaultStateStore(String namespace, StoreDriver driver, BlobStore blobs, int inlineLimit, int maxValueSize,
            EventExecutor events, Consumer<LeaderSession> fenceCheck, Ticker ticker, long operationTimeoutNanos,
            HaObserver observer) {
        this.namespace = namespace;
        this.driver = driver;
        this.blobs = blobs;
        this.inlineLimit = inlineLimit;
        this.maxValueSize = maxValueSize;
        this.events = events;
        this.fenceCheck = fenceCheck;
        this.ticker = ticker;
        this.operationTimeoutNanos = operationTimeoutNanos;
        this.observer = observer;
        this.observed = observer != HaObserver.NONE;
    }

    @Override
    public String namespace() {
        return namespace;
    }

    @Override
    public Optional<Versioned> get(String key) {
        if (!observed) {
            return doGet(key);
        }
        return observed(StoreOperation.GET, () -> doGet(key));
    }

    private Optional<Versioned> doGet(String key) {
        Names.key(key);
        return driver.get(key).map(this::decode);
    }

    @Override
    public List<Versioned> list(String prefix) {
        if (!observed) {
            return doList(prefix);
        }
        return observed(StoreOperation.LIST, () -> doList(prefix));
    }

    private List<Versioned> doList(String prefix) {
        Names.prefix(prefix);
        List<Versioned> out = new ArrayList<>();
        for (Versioned raw : driver.list(prefix)) {
            out.add(decode(raw));
        }
        return out;
    }

    @Override
    public long put(String key, byte[] value, long expectedVersion) {
        return put(null, key, value, expectedVersion, false);
    }

    @Override
    public long put(LeaderSession session, String key, byte[] value, long expectedVersion) {
        return put(session, key, value, expectedVersion, true);
    }

    private long put(LeaderSession session, String key, byte[] value, long expectedVersion, boolean fenced) {
        if (!observed) {
            return fencedPut(session, key, value, expectedVersion, fenced);
        }
        return observed(StoreOperation.PUT, () -> fencedPut(session, key, value, expectedVersion, fenced));
    }

    private long fencedPut(LeaderSession session, String key, byte[] value, long expectedVersion, boolean fenced) {
        if (!fenced) {
            return doPut(key, value, expectedVersion, 0);
        }
        fenceCheck.accept(session);
        return doPut(key, value, expectedVersion, session.epoch());
    }

    /**
     * Runs {@code operation} and reports it, timed on the ticker, with its outcome; only with an observer (without
     * one the callers run the operation directly: no ticker read, no lambda).
     */
    private <T> T observed(StoreOperation operation, java.util.function.Supplier<T> call) {
        long start = ticker.read();
        try {
            T result = call.get();
            observe(operation, StoreOutcome.SUCCESS, start);
            return result;
        } catch (RuntimeException e) {
            observe(operation, StoreOutcome.of(e), start);
            throw e;
        }
    }

    /** Reports an operation that started at ticker reading {@code start}; only with an observer. */
    private void observe(StoreOperation operation, StoreOutcome outcome, long start) {
        long took = ticker.read() - start;
        try {
            observer.storeOperation(namespace, operation, outcome, took);
        } catch (RuntimeException e) {
            LOG.error("store {}: observer threw from storeOperation", namespace, e);
        }
    }

    private long doPut(String key, byte[] value, long expectedVersion, long fence) {
        Names.key(key);
        Objects.requireNonNull(value, "value");
        Names.expectedVersion(expectedVersion);
        if (value.length > maxValueSize) {
            throw new IllegalArgumentException("value of key '" + key + "' is " + value.length
                    + " bytes, above high-availability.store.max-value-size (" + maxValueSize + " bytes)");
        }
        if (value.length + 1 <= inlineLimit) {
            try {
                return driver.put(key, Records.inline(value), expectedVersion, fence);
            } catch (NamespaceFullException e) {
                // the namespace as a whole is at the backend's limit (nothing written): keep only a pointer inline
                LOG.debug("store {}: {}; writing key '{}' to the blob store", namespace, e.getMessage(), key);
            }
        }
        String ref;
        long start = ticker.read();
        blobWrites.incrementAndGet();
        try {
            ref = blobs.put(namespace, value);
            inFlight.add(ref); // before the count goes down: the collector reads the count, then the set
            if (observed) {
                try {
                    observer.blobWritten(namespace, value.length);
                } catch (RuntimeException e) {
                    LOG.error("store {}: observer threw from blobWritten", namespace, e);
                }
            }
        } catch (IOException e) {
            throw new BackendUnavailableException("could not write the blob of key '" + key + "' (" + value.length
                    + " bytes) to the blob store: " + e.getMessage(), e);
        } finally {
            blobWrites.decrementAndGet();
        }
        try {
            return putPointer(key, value, ref, start, expectedVersion, fence);
        } finally {
            inFlight.remove(ref);
        }
    }

    /**
     * Writes the pointer to {@code ref}, unless the blob took longer than the operation timeout to write: a collector
     * in another process judges a blob's age from when it first saw it, so the time from a blob's appearance to its
     * pointer must stay bounded (by the operation timeout, twice: the blob write and the pointer write).
     */
    private long putPointer(String key, byte[] value, String ref, long start, long expectedVersion, long fence) {
        long took = ticker.read() - start;
        if (took > operationTimeoutNanos) {
            deleteBlobQuietly(ref);
            throw new BackendUnavailableException("the blob of key '" + key + "' (" + value.length + " bytes) took "
                    + TimeUnit.NANOSECONDS.toMillis(took) + " ms to write, longer than " + HaConfig.OPERATION_TIMEOUT
                    + " (" + TimeUnit.NANOSECONDS.toMillis(operationTimeoutNanos) + " ms); it was deleted and nothing "
                    + "was written, as a garbage collector may already count it as unreferenced");
        }
        byte[] pointer = Records.pointer(new Records.Pointer(Records.sha256(value), value.length, ref));
        try {
            return driver.put(key, pointer, expectedVersion, fence);
        } catch (UnknownOutcomeException e) {
            throw new UnknownOutcomeException("write of key '" + key + "' has an unknown outcome; its blob " + ref
                    + " is kept: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // refused before or by the backend (conflict, fence, a version the backend cannot hold): nothing points at
            // the blob
            deleteBlobQuietly(ref);
            throw e;
        }
    }

    @Override
    public boolean delete(String key, long expectedVersion) {
        return delete(null, key, expectedVersion, false);
    }

    @Override
    public boolean delete(LeaderSession session, String key, long expectedVersion) {
        return delete(session, key, expectedVersion, true);
    }

    private boolean delete(LeaderSession session, String key, long expectedVersion, boolean fenced) {
        if (!observed) {
            return fencedDelete(session, key, expectedVersion, fenced);
        }
        return observed(StoreOperation.DELETE, () -> fencedDelete(session, key, expectedVersion, fenced));
    }

    private boolean fencedDelete(LeaderSession session, String key, long expectedVersion, boolean fenced) {
        if (!fenced) {
            return doDelete(key, expectedVersion, 0);
        }
        fenceCheck.accept(session);
        return doDelete(key, expectedVersion, session.epoch());
    }

    private boolean doDelete(String key, long expectedVersion, long fence) {
        Names.key(key);
        Names.expectedVersion(expectedVersion);
        if (expectedVersion == NEW) {
            throw new IllegalArgumentException("delete of key '" + key + "' cannot expect StateStore.NEW");
        }
        for (int attempt = 0; attempt < MAX_DELETE_ATTEMPTS; attempt++) {
            Optional<Versioned> raw = driver.get(key);
            if (raw.isEmpty()) {
                if (expectedVersion == ANY) {
                    return false;
                }
                // let the backend answer (it may say conflict or not-found consistently)
                return driver.delete(key, expectedVersion, fence);
            }
            long version = expectedVersion == ANY ? raw.get().version() : expectedVersion;
            boolean deleted;
            try {
                deleted = driver.delete(key, version, fence);
            } catch (VersionConflictException e) {
                if (expectedVersion == ANY) {
                    continue;
                }
                throw e;
            }
            if (deleted && raw.get().version() == version) {
                byte[] record = raw.get().value();
                if (Records.isPointer(record)) {
                    deleteBlobQuietly(Records.parsePointer(key, record).ref);
                }
            }
            return deleted;
        }
        throw new VersionConflictException(key, expectedVersion, "delete of key '" + key + "' lost the race "
                + MAX_DELETE_ATTEMPTS + " times to concurrent writers");
    }

    /**
     * Deletes every key (fenced by {@code session} unless it is null) with its blob, then the namespace's remaining
     * blobs and the backend's container of it. Implements {@code HaServices.deleteNamespace}.
     */
    int deleteAll(LeaderSession session) {
        long fence = 0;
        if (session != null) {
            fenceCheck.accept(session);
            fence = session.epoch();
        }
        int deleted = 0;
        for (Versioned raw : driver.list("")) {
            if (doDelete(raw.key(), ANY, fence)) {
                deleted++;
            }
        }
        try {
            blobs.deleteNamespace(namespace);
        } catch (IOException e) {
            throw new BackendUnavailableException("could not delete the blobs of namespace " + namespace + ": "
                    + e.getMessage(), e);
        }
        return deleted;
    }

    @Override
    public Subscription watch(String prefix, StoreListener listener) {
        Names.prefix(prefix);
        Objects.requireNonNull(listener, "listener");
        Cancellable handle = new Cancellable();
        handle.inner = driver.watch(prefix, raw -> {
            StoreEvent decoded;
            try {
                decoded = raw.type() == StoreEvent.Type.DELETE ? raw : StoreEvent.put(decode(raw.value().get()));
            } catch (RuntimeException e) {
                LOG.warn("store {}: could not decode the change of key '{}'", namespace, raw.key(), e);
                return;
            }
            events.execute(() -> {
                if (handle.cancelled) {
                    return;
                }
                try {
                    listener.onEvent(decoded);
                } catch (RuntimeException e) {
                    LOG.error("store {}: watch listener threw", namespace, e);
                }
            });
        });
        return handle;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Age is measured on this process's ticker, never from a file's modification time (another host's clock): each
     * call scans (blobs first, then pointers, so that a pointer written after its blob was listed is seen), and a blob
     * is deleted only once two scans at least {@code minAge} apart found it unreferenced, the pointers read again just
     * before the delete do not name it, and no put of this process is still writing its pointer. A zero
     * {@code minAge} scans twice in one call.
     */
    @Override
    public int collectGarbage(Duration minAge) {
        Objects.requireNonNull(minAge, "minAge");
        if (minAge.isNegative()) {
            throw new IllegalArgumentException("minAge must not be negative, was " + minAge);
        }
        synchronized (gcLock) {
            int deleted = scanAndCollect(minAge.toNanos());
            if (minAge.isZero()) {
                deleted += scanAndCollect(0);
            }
            return deleted;
        }
    }

    @GuardedBy("gcLock")
    private int scanAndCollect(long minAgeNanos) {
        long now = ticker.read();
        List<String> listed;
        try {
            listed = blobs.list(namespace);
        } catch (IOException e) {
            throw new BackendUnavailableException("could not list the blobs of namespace " + namespace, e);
        }
        Set<String> referenced = referencedBlobs();
        unreferencedSince.keySet().retainAll(new HashSet<>(listed));
        List<String> due = new ArrayList<>();
        for (String ref : listed) {
            if (referenced.contains(ref) || inFlight.contains(ref)) {
                unreferencedSince.remove(ref);
                continue;
            }
            Long since = unreferencedSince.putIfAbsent(ref, now);
            if (since != null && now - since >= minAgeNanos) {
                due.add(ref);
            }
        }
        if (due.isEmpty() || blobWrites.get() > 0) {
            return 0; // a blob listed may be that of a put of ours not yet in inFlight: decide at the next scan
        }
        Set<String> again = referencedBlobs();
        int deleted = 0;
        for (String ref : due) {
            if (!again.contains(ref) && !inFlight.contains(ref)) {
                deleteBlobQuietly(ref);
                unreferencedSince.remove(ref);
                deleted++;
            }
        }
        return deleted;
    }

    /** The refs the namespace's pointers name. */
    private Set<String> referencedBlobs() {
        Set<String> referenced = new HashSet<>();
        for (Versioned raw : driver.list("")) {
            byte[] record = raw.value();
            if (Records.isPointer(record)) {
                referenced.add(Records.parsePointer(raw.key(), record).ref);
            }
        }
        return referenced;
    }

    private Versioned decode(Versioned raw) {
        byte[] record = raw.value();
        if (!Records.isPointer(record)) {
            return new Versioned(raw.key(), Records.inlineValue(raw.key(), record), raw.version());
        }
        Records.Pointer p = Records.parsePointer(raw.key(), record);
        byte[] data;
        try {
            data = blobs.get(p.ref);
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new CorruptValueException("blob " + p.ref + " of key '" + raw.key() + "' is missing", e);
        } catch (IOException e) {
            throw new BackendUnavailableException("could not read blob " + p.ref + " of key '" + raw.key() + "'", e);
        }
        if (data.length != p.length || !Records.sha256(data).equals(p.sha256)) {
            throw new CorruptValueException("blob " + p.ref + " of key '" + raw.key() + "' fails verification: "
                    + data.length + " bytes with a different checksum, expected " + p.length + " bytes, sha256 "
                    + p.sha256);
        }
        if (observed) {
            try {
                observer.blobRead(namespace, data.length);
            } catch (RuntimeException e) {
                LOG.error("store {}: observer threw from blobRead", namespace, e);
            }
        }
        return new Versioned(raw.key(), data, raw.version());
    }

    private void deleteBlobQuietly(String ref) {
        try {
            blobs.delete(ref);
        } catch (IOException | RuntimeException e) {
            LOG.warn("store {}: could not delete blob {} (collectGarbage will retry)", namespace, ref, e);
        }
    }

    private static final class Cancellable implements Subscription {
        volatile Subscription inner;
        volatile boolean cancelled;

        @Override
        public void close() {
            cancelled = true;
            Subscription s = inner;
            if (s != null) {
                s.close();
            }
        }
    }
}
