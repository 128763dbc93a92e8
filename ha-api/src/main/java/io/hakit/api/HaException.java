package io.hakit.api;

/** Base class of every unchecked exception HAKit throws for an HA-specific condition. */
public class HaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the detail message
     */
    public HaException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message the detail message
     * @param cause the failure that caused it
     */
    public HaException(String message, Throwable cause) {
        super(message, cause);
    }
}
