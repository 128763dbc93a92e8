package io.hakit.api;

import org.slf4j.LoggerFactory;

/**
 * A component that wants to lead: it is granted and revoked leadership by a {@link LeaderElection}.
 *
 * <p><b>Threading contract.</b> Every call is made on the services' serial event executor: never two calls at
 * once for one contender, always in the order the events happened, never while HAKit holds a lock. Calls must
 * not block for long: they delay every other HA callback of the process. It is possible for leadership to change
 * behind the scenes while a call runs (as Curator's {@code LeaderLatchListener} warns): a grant may already be
 * stale when it arrives. That is safe because every leader-only action takes the session and is refused when the
 * session is no longer current.
 *
 * <p>{@link #revokeLeadership()} is always delivered when the election is closed, even to a contender that never
 * led (client-go's {@code OnStoppedLeading}), so cleanup can live in one place.
 */
public interface LeaderContender {

    /**
     * This contender now leads its component for {@code session}. Confirm with
     * {@link LeaderElection#confirmLeadership(LeaderSession, String)} to publish the address to retrievers.
     *
     * @param session the granted leadership; every leader-only action takes it
     */
    void grantLeadership(LeaderSession session);

    /**
     * Leadership is gone (revoked, lost with the connection, or the election was closed). Stop every leader-only
     * action at once; actions taking the old session are refused from now on.
     */
    void revokeLeadership();

    /**
     * An error the election could not handle. The default logs it.
     *
     * @param error what went wrong
     */
    default void handleError(Throwable error) {
        LoggerFactory.getLogger(LeaderContender.class).error("Leader election error for {}", this, error);
    }
}
