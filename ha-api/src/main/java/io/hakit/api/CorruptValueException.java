package io.hakit.api;

/**
 * A stored value failed verification: a blob's checksum or length differs from its pointer, its blob is missing,
 * or a record is not in HAKit's format. Nothing was changed; the message names the key and the blob ref.
 */
public class CorruptValueException extends HaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the detail message
     */
    public CorruptValueException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message the detail message
     * @param cause the failure that caused it
     */
    public CorruptValueException(String message, Throwable cause) {
        super(message, cause);
    }
}
