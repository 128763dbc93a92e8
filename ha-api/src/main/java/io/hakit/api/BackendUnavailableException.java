package io.hakit.api;

/**
 * The backend could not be reached and the operation was definitely not applied (for example it was refused
 * before it was sent). Compare {@link UnknownOutcomeException}, where it may have been applied.
 */
public class BackendUnavailableException extends HaException {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
