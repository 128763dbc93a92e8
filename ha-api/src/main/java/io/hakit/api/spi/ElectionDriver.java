package io.hakit.api.spi;

import io.hakit.api.LeaderInformation;

/**
 * A backend's part of leader election for one process (after Flink's {@code LeaderElectionDriver} and client-go's
 * {@code resourcelock.Interface}). No timing policy here.
 *
 * <p>Contract:
 * <ul>
 *   <li>Each grant carries an epoch strictly greater than every epoch granted before in this election, to any
 *   process; two processes are never granted the same epoch.</li>
 *   <li>Leader information published under epoch {@code e} is removed by the backend when epoch {@code e} ends
 *   (revoked, driver closed, session lost).</li>
 *   <li>{@link #publishLeaderInformation} is fenced: it is applied only if, atomically with it, this process still
 *   holds leadership at exactly {@code epoch}; otherwise it throws {@link io.hakit.api.LeadershipLostException}.</li>
 *   <li>Listener calls may come from any thread but never concurrently and never after {@link #close()} returned.</li>
 * </ul>
 */
public interface ElectionDriver extends AutoCloseable {

    /** Whether the backend currently considers this process the leader (best knowledge, may be stale). */
    boolean hasLeadership();

    /**
     * Publishes a component's leader information under {@code epoch}.
     *
     * @throws io.hakit.api.LeadershipLostException if this process no longer leads at {@code epoch}
     * @throws io.hakit.api.UnknownOutcomeException if the write may or may not have been applied
     * @throws io.hakit.api.BackendUnavailableException if nothing was applied because the backend is unreachable
     */
    void publishLeaderInformation(long epoch, String componentId, LeaderInformation info);

    /** Removes a component's leader information published under {@code epoch}; no-op if it is gone or newer. */
    void deleteLeaderInformation(long epoch, String componentId);

    /** Stops contending and releases leadership if held. Idempotent. */
    @Override
    void close();

    /** What the driver reports. */
    interface Listener {

        /** This process was granted leadership at {@code epoch}. */
        void onGrantLeadership(long epoch);

        /** This process no longer leads (released, lost, or taken over). */
        void onRevokeLeadership();

        /** An error the driver cannot handle by itself. */
        void onError(Throwable error);
    }
}
