package io.hakit.api.spi;

import io.hakit.api.LeaderInformation;

/**
 * A backend's part of leader election for one process (after Flink's {@code LeaderElectionDriver} and client-go's
 * {@code resourcelock.Interface}). No timing policy here.
 *
 * <p>Contract:
 * <ul>
 *   <li>Each grant carries an epoch strictly greater than every epoch granted before in this election, to any
 *   process; two processes are never granted the same epoch, even after the backend's election object was deleted
 *   or recreated (the backend re-seeds its epochs above the highest fence its stores recorded).</li>
 *   <li>Leader information published under epoch {@code e} is never shown to retrievers once epoch {@code e} has
 *   ended (revoked, driver closed, session or lease lost). A backend with ephemeral records removes it; one without
 *   them (Kubernetes) may leave it in place and hide it by its epoch and lease.</li>
 *   <li>{@link #publishLeaderInformation} is fenced: it is applied only if, atomically with it, no higher epoch than
 *   {@code epoch} has been reported granted and the record's storage has seen no higher fence; otherwise it throws
 *   {@link io.hakit.api.LeadershipLostException}.</li>
 *   <li>A driver may own a renew loop (a lease-based backend must renew); it reads time only from the configured
 *   {@link io.hakit.api.Ticker}, measures expiry from what this process observed, and reports a revoke no later
 *   than its renew deadline.</li>
 *   <li>Listener calls may come from any thread but never concurrently and never after {@link #close()} returned.</li>
 * </ul>
 */
public interface ElectionDriver extends AutoCloseable {

    /**
     * Whether the backend currently considers this process the leader (best knowledge, may be stale).
     *
     * @return true if this process holds leadership as far as the driver knows
     */
    boolean hasLeadership();

    /**
     * Publishes a component's leader information under {@code epoch}.
     *
     * @param epoch the epoch this process was granted leadership at; the write is fenced by it
     * @param componentId the component whose leader information this is
     * @param info the leader information to publish
     * @throws io.hakit.api.LeadershipLostException if this process no longer leads at {@code epoch}
     * @throws io.hakit.api.UnknownOutcomeException if the write may or may not have been applied
     * @throws io.hakit.api.BackendUnavailableException if nothing was applied because the backend is unreachable
     */
    void publishLeaderInformation(long epoch, String componentId, LeaderInformation info);

    /**
     * Removes a component's leader information published under {@code epoch}; no-op if it is gone or newer.
     *
     * @param epoch the epoch the information was published under
     * @param componentId the component whose leader information to remove
     */
    void deleteLeaderInformation(long epoch, String componentId);

    /** Stops contending and releases leadership if held. Idempotent. */
    @Override
    void close();

    /** What the driver reports. */
    interface Listener {

        /**
         * This process was granted leadership at {@code epoch}.
         *
         * @param epoch the granted epoch, greater than every epoch granted before in this election
         */
        void onGrantLeadership(long epoch);

        /** This process no longer leads (released, lost, or taken over). */
        void onRevokeLeadership();

        /**
         * An error the driver cannot handle by itself.
         *
         * @param error what went wrong
         */
        void onError(Throwable error);
    }
}
