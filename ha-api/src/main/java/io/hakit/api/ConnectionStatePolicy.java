package io.hakit.api;

/**
 * Decides which connection states revoke leadership (after Curator's {@code ConnectionStateErrorPolicy}).
 *
 * <p>{@link ConnectionState#LOST} always revokes whatever a policy says.
 */
@FunctionalInterface
public interface ConnectionStatePolicy {

    /**
     * Revoke as soon as the connection is {@link ConnectionState#SUSPENDED} (the default, the safe choice). A
     * short network blip costs a failover, but a leader never acts while it cannot tell whether another was granted.
     */
    ConnectionStatePolicy REVOKE_ON_SUSPEND = state -> state == ConnectionState.SUSPENDED
            || state == ConnectionState.LOST;

    /**
     * Keep leadership through {@link ConnectionState#SUSPENDED} while the lease, measured locally from the moment
     * the connection was suspended, has not run out ({@code high-availability.lease-duration}); revoke when it runs
     * out or on {@link ConnectionState#LOST}. Fewer failovers on flaky networks.
     *
     * <p><b>Hazard:</b> between the backend granting another process and this one's local lease running out, two
     * processes believe they lead. Fenced writes stay safe (the store refuses the older epoch), but unfenced side
     * effects do not. Use it only when every leader-only action is fenced.
     */
    ConnectionStatePolicy REVOKE_ON_LOSS = state -> state == ConnectionState.LOST;

    /**
     * Whether entering {@code state} revokes leadership at once.
     *
     * @param state the state the connection entered
     * @return {@code true} if leadership is revoked on entering it
     */
    boolean revokesOn(ConnectionState state);
}
