package io.hakit.api;

/**
 * A compare-and-set write was refused because the key's version was not the expected one. The write had no
 * effect; read the key again and retry if that is still right.
 */
public class VersionConflictException extends HaException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final long expectedVersion;

    public VersionConflictException(String key, long expectedVersion, String message) {
        super(message);
        this.key = key;
        this.expectedVersion = expectedVersion;
    }

    /** The key that was written. */
    public String key() {
        return key;
    }

    /** The version the writer expected ({@link StateStore#NEW} when it expected no value). */
    public long expectedVersion() {
        return expectedVersion;
    }
}
