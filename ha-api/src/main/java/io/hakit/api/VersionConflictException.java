package io.hakit.api;

/**
 * A compare-and-set write was refused because the key's version was not the expected one. The write had no
 * effect; read the key again and retry if that is still right.
 */
public class VersionConflictException extends HaException {
    private static final long serialVersionUID = 1L;

    /** The key that was written. */
    private final String key;
    /** The version the writer expected. */
    private final long expectedVersion;

    /**
     * Creates the exception.
     *
     * @param key the key that was written
     * @param expectedVersion the version the writer expected, or {@link StateStore#NEW}
     * @param message the detail message
     */
    public VersionConflictException(String key, long expectedVersion, String message) {
        super(message);
        this.key = key;
        this.expectedVersion = expectedVersion;
    }

    /**
     * The key that was written.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * The version the writer expected ({@link StateStore#NEW} when it expected no value).
     *
     * @return the expected version
     */
    public long expectedVersion() {
        return expectedVersion;
    }
}
