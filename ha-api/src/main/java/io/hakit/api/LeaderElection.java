package io.hakit.api;

import java.util.Optional;

/**
 * The election of one component (for example "dispatcher", "resourcemanager" or a job id) in one process.
 *
 * <p>All components of a process share one underlying election (as Flink 1.15+ does): the process is leader for
 * every started component or for none, with one {@link LeaderSession} whose epoch strictly increases across the
 * whole history of the election. Each component confirms and publishes its own address.
 *
 * <p>Thread-safe. Get one from {@link HaServices#leaderElection(String)}.
 */
public interface LeaderElection extends AutoCloseable {

    /**
     * The component id this election is for.
     *
     * @return the component id
     */
    String componentId();

    /**
     * Registers the contender and starts contending. The contender is granted when the process holds leadership,
     * at once if it already does.
     *
     * @param contender the contender to grant and revoke leadership
     * @throws IllegalStateException if already started or closed
     */
    void startLeaderElection(LeaderContender contender);

    /**
     * Publishes {@code address} as this component's leader for {@code session}; retrievers then see it.
     *
     * <p>A stale session (revoked, superseded, or never granted) has no effect and returns {@code false}: nothing
     * is published. The backend fences the write too, so a session that went stale while the call was under way
     * publishes nothing either.
     *
     * @param session the session the contender was granted
     * @param address the address to publish, for example a URL of the leader's endpoint
     * @return whether the address was published for this (still current) session
     * @throws BackendUnavailableException if the backend cannot be reached (nothing published)
     * @throws UnknownOutcomeException if the backend failed after the write may have been applied
     */
    boolean confirmLeadership(LeaderSession session, String address);

    /**
     * Whether {@code session} is this component's current, unrevoked leadership. A local check, no backend call.
     *
     * @param session the session to check
     * @return whether the session is current
     */
    boolean hasLeadership(LeaderSession session);

    /**
     * The current session if this component is granted and not revoked.
     *
     * @return the current session, or empty if this component does not lead
     */
    Optional<LeaderSession> currentSession();

    /**
     * Stops contending for this component. {@link LeaderContender#revokeLeadership()} is delivered (even if it never
     * led) before this method returns, unless it is called from the event executor itself, then it runs before the
     * next event. When the last component of the process closes, the process gives up leadership in the backend,
     * and another process can be granted. Idempotent.
     */
    @Override
    void close();
}
