package io.hakit.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * A state-store value with its key and version. Versions start at 0 on create and increase by at least one with
 * every write of the key. Immutable: {@link #value()} returns a copy.
 */
public final class Versioned {

    private final String key;
    private final byte[] value;
    private final long version;

    /**
     * Creates a versioned value; {@code value} is copied.
     *
     * @param key the key
     * @param value the value
     * @param version the version, 0 or more
     * @throws NullPointerException if {@code key} or {@code value} is null
     * @throws IllegalArgumentException if {@code version < 0}
     */
    public Versioned(String key, byte[] value, long version) {
        this.key = Objects.requireNonNull(key, "key");
        this.value = Objects.requireNonNull(value, "value").clone();
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
        this.version = version;
    }

    /**
     * The key.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * A copy of the value.
     *
     * @return a new array with the value's bytes
     */
    public byte[] value() {
        return value.clone();
    }

    /**
     * The value's length in bytes.
     *
     * @return the length in bytes
     */
    public int size() {
        return value.length;
    }

    /**
     * The version: 0 on create, higher with every write of the key.
     *
     * @return the version, 0 or more
     */
    public long version() {
        return version;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Versioned)) {
            return false;
        }
        Versioned that = (Versioned) o;
        return version == that.version && key.equals(that.key) && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, version) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Versioned{key=" + key + ", version=" + version + ", size=" + value.length + "}";
    }
}
