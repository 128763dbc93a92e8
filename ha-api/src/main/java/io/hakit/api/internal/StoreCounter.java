package io.hakit.api.internal;

import io.hakit.api.CorruptValueException;
import io.hakit.api.Counter;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.api.VersionConflictException;
import io.hakit.api.Versioned;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/** A {@link Counter} on a state store: an 8-byte big-endian value, incremented by compare-and-set. */
final class StoreCounter implements Counter {

    /** Bound on compare-and-set attempts of one call under contention. */
    static final int MAX_ATTEMPTS = 10_000;

    private final StateStore store;
    private final String name;
    private final long initialValue;

    StoreCounter(StateStore store, String name, long initialValue) {
        this.store = store;
        this.name = Names.id("counter name", name);
        this.initialValue = initialValue;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long getAndIncrement() {
        return increment(null);
    }

    @Override
    public long getAndIncrement(LeaderSession session) {
        return increment(Objects.requireNonNull(session, "session"));
    }

    /** One increment, fenced by {@code session} unless it is null. */
    private long increment(LeaderSession session) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = store.get(name);
            long value = current.map(this::decode).orElse(initialValue);
            if (value == Long.MAX_VALUE) {
                throw new IllegalStateException("counter '" + name + "' reached Long.MAX_VALUE");
            }
            try {
                write(session, encode(value + 1), current.map(Versioned::version).orElse(StateStore.NEW));
                return value;
            } catch (VersionConflictException e) {
                Thread.onSpinWait();
            }
        }
        throw new VersionConflictException(name, StateStore.ANY, "counter '" + name + "': gave up after "
                + MAX_ATTEMPTS + " conflicting increments");
    }

    @Override
    public long get() {
        return store.get(name).map(this::decode).orElse(initialValue);
    }

    @Override
    public void set(long newValue) {
        setTo(null, newValue);
    }

    @Override
    public void set(LeaderSession session, long newValue) {
        setTo(Objects.requireNonNull(session, "session"), newValue);
    }

    @Override
    public boolean delete() {
        return store.delete(name, StateStore.ANY);
    }

    @Override
    public boolean delete(LeaderSession session) {
        return store.delete(Objects.requireNonNull(session, "session"), name, StateStore.ANY);
    }

    private void write(LeaderSession session, byte[] value, long expectedVersion) {
        if (session == null) {
            store.put(name, value, expectedVersion);
        } else {
            store.put(session, name, value, expectedVersion);
        }
    }

    /** Sets the value, fenced by {@code session} unless it is null. */
    private void setTo(LeaderSession session, long newValue) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = store.get(name);
            long value = current.map(this::decode).orElse(initialValue);
            if (newValue < value) {
                throw new IllegalArgumentException("counter '" + name + "' cannot go back from " + value + " to "
                        + newValue);
            }
            try {
                write(session, encode(newValue), current.map(Versioned::version).orElse(StateStore.NEW));
                return;
            } catch (VersionConflictException e) {
                Thread.onSpinWait();
            }
        }
        throw new VersionConflictException(name, StateStore.ANY, "counter '" + name + "': gave up after "
                + MAX_ATTEMPTS + " conflicting writes");
    }

    private long decode(Versioned v) {
        if (v.size() != Long.BYTES) {
            throw new CorruptValueException("counter '" + name + "' holds " + v.size() + " bytes, expected 8");
        }
        return ByteBuffer.wrap(v.value()).getLong();
    }

    private static byte[] encode(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }

    @Override
    public String toString() {
        return "Counter{" + name + "}";
    }
}
