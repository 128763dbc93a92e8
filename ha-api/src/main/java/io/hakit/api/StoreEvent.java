package io.hakit.api;

import java.util.Objects;
import java.util.Optional;

/** A change seen by a state-store watch: a put (with the new value and version) or a delete. Immutable. */
public final class StoreEvent {

    /** What happened to the key. */
    public enum Type {
        /** The key was created or written; the event carries the new value. */
        PUT,
        /** The key was deleted. */
        DELETE
    }

    private final Type type;
    private final String key;
    private final Versioned value;

    private StoreEvent(Type type, String key, Versioned value) {
        this.type = type;
        this.key = key;
        this.value = value;
    }

    /**
     * A put of {@code value.key()}.
     *
     * @param value the new value with its key and version
     * @return the event
     */
    public static StoreEvent put(Versioned value) {
        return new StoreEvent(Type.PUT, value.key(), value);
    }

    /**
     * A delete of {@code key}.
     *
     * @param key the deleted key
     * @return the event
     * @throws NullPointerException if {@code key} is null
     */
    public static StoreEvent delete(String key) {
        return new StoreEvent(Type.DELETE, Objects.requireNonNull(key, "key"), null);
    }

    /**
     * What happened to the key.
     *
     * @return {@link Type#PUT} or {@link Type#DELETE}
     */
    public Type type() {
        return type;
    }

    /**
     * The key that changed.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * The new value for a {@link Type#PUT}; empty for a delete.
     *
     * @return the new value and version, or empty
     */
    public Optional<Versioned> value() {
        return Optional.ofNullable(value);
    }

    @Override
    public String toString() {
        return type == Type.PUT ? "PUT " + key + "@" + value.version() : "DELETE " + key;
    }
}
