package io.hakit.api;

import java.util.Objects;
import java.util.Optional;

/** A change seen by a state-store watch: a put (with the new value and version) or a delete. Immutable. */
public final class StoreEvent {

    /** What happened to the key. */
    public enum Type { PUT, DELETE }

    private final Type type;
    private final String key;
    private final Versioned value;

    private StoreEvent(Type type, String key, Versioned value) {
        this.type = type;
        this.key = key;
        this.value = value;
    }

    public static StoreEvent put(Versioned value) {
        return new StoreEvent(Type.PUT, value.key(), value);
    }

    public static StoreEvent delete(String key) {
        return new StoreEvent(Type.DELETE, Objects.requireNonNull(key, "key"), null);
    }

    public Type type() {
        return type;
    }

    public String key() {
        return key;
    }

    /** The new value for a {@link Type#PUT}; empty for a delete. */
    public Optional<Versioned> value() {
        return Optional.ofNullable(value);
    }

    @Override
    public String toString() {
        return type == Type.PUT ? "PUT " + key + "@" + value.version() : "DELETE " + key;
    }
}
