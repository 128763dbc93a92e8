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

    public Versioned(String key, byte[] value, long version) {
        this.key = Objects.requireNonNull(key, "key");
        this.value = Objects.requireNonNull(value, "value").clone();
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
        this.version = version;
    }

    public String key() {
        return key;
    }

    /** A copy of the value. */
    public byte[] value() {
        return value.clone();
    }

    /** The value's length in bytes. */
    public int size() {
        return value.length;
    }

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
