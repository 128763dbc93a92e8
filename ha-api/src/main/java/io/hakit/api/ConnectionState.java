package io.hakit.api;

/**
 * The state of a process's connection to its HA backend, the same for every backend (after Curator's
 * {@code ConnectionState}). Which states revoke leadership is decided by a {@link ConnectionStatePolicy}.
 */
public enum ConnectionState {
    /** The first successful connection. */
    CONNECTED,
    /**
     * The connection is interrupted; the backend may or may not still consider this process's session alive.
     * Another process may be granted leadership while this one is suspended once the session expires, so the
     * default policy revokes here.
     */
    SUSPENDED,
    /** The connection came back after {@link #SUSPENDED} and the session survived. */
    RECONNECTED,
    /**
     * The session is gone (expired, or the backend said so). Everything tied to it, leadership included, is lost;
     * every policy revokes here. The process contends again when it reconnects.
     */
    LOST;

    /**
     * Whether this state means the backend is reachable.
     *
     * @return {@code true} for {@link #CONNECTED} and {@link #RECONNECTED}
     */
    public boolean isConnected() {
        return this == CONNECTED || this == RECONNECTED;
    }
}
