package io.hakit.api;

import org.slf4j.LoggerFactory;

/**
 * Told who leads a component.
 *
 * <p><b>Threading contract.</b> Called on the services' serial event executor, one call at a time and in order for
 * one listener, never while HAKit holds a lock; it must not block. The first call, soon after registration, gives
 * the current view. A value can be stale by the time it is read: the leader may already have changed.
 */
public interface LeaderRetrievalListener {

    /**
     * The component's confirmed leader, or {@link LeaderInformation#empty()} when none is confirmed.
     *
     * @param leaderInformation the component's current leader information
     */
    void notifyLeaderAddress(LeaderInformation leaderInformation);

    /**
     * An error in retrieval. The default logs it.
     *
     * @param error what went wrong
     */
    default void handleError(Throwable error) {
        LoggerFactory.getLogger(LeaderRetrievalListener.class).error("Leader retrieval error for {}", this, error);
    }
}
