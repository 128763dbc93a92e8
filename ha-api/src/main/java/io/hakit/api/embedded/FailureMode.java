package io.hakit.api.embedded;

/** How the embedded backend answers operations, for fault-injection in tests ({@link EmbeddedHaBackend#setFailureMode}). */
public enum FailureMode {
    /** Normal operation. */
    NONE,
    /** Every operation fails with {@link io.hakit.api.BackendUnavailableException}; nothing is applied. */
    UNAVAILABLE,
    /**
     * Writes are applied, then fail with {@link io.hakit.api.UnknownOutcomeException} (the ambiguous case: the caller
     * cannot tell); reads work.
     */
    UNKNOWN_OUTCOME,
    /**
     * Every operation blocks until the mode changes or the caller's {@code high-availability.operation-timeout}
     * runs out; then a write fails with {@link io.hakit.api.UnknownOutcomeException} and a read with
     * {@link io.hakit.api.BackendUnavailableException}, neither applied.
     */
    HANG
}
