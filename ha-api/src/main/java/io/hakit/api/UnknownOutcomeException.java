package io.hakit.api;

/**
 * The outcome of a write is unknown: the backend failed or timed out after the request may have been applied.
 *
 * <p>As hashicorp/raft says of {@code Apply}, there is no way to know whether the write succeeded. HAKit never
 * discards anything on this exception (for example a large value's blob stays in the blob store). Read the key
 * again once the backend is reachable to learn what happened; an idempotent retry is safe with a compare-and-set.
 */
public class UnknownOutcomeException extends HaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with its cause.
     *
     * @param message the detail message
     * @param cause the failure that caused it
     */
    public UnknownOutcomeException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Creates the exception.
     *
     * @param message the detail message
     */
    public UnknownOutcomeException(String message) {
        super(message);
    }
}
