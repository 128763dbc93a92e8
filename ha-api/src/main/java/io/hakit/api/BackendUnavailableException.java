package io.hakit.api;

/**
 * The backend could not be reached and the operation was definitely not applied (for example it was refused
 * before it was sent). Compare {@link UnknownOutcomeException}, where it may have been applied.
 */
public class BackendUnavailableException extends HaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the detail message
     */
    public BackendUnavailableException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message the detail message
     * @param cause the failure that caused it
     */
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
