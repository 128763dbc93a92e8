package io.hakit.api;

/** Base class of every unchecked exception HAKit throws for an HA-specific condition. */
public class HaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HaException(String message) {
        super(message);
    }

    public HaException(String message, Throwable cause) {
        super(message, cause);
    }
}
