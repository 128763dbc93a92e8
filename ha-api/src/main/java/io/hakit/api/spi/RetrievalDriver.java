package io.hakit.api.spi;

import io.hakit.api.LeaderInformation;

/**
 * A backend's watch of the leader information of every component of the cluster: one watch per process, however
 * many components are retrieved. Reports each component's current information on start, then every change.
 */
public interface RetrievalDriver extends AutoCloseable {

    /** Ends the watch; no listener call follows once it returned. */
    @Override
    void close();

    /** What the driver reports; calls never concurrent. */
    interface Listener {

        /**
         * The component's leader information changed ({@link LeaderInformation#empty()} when removed).
         *
         * @param componentId the component whose leader information changed
         * @param info its current leader information
         */
        void onLeaderInformationChange(String componentId, LeaderInformation info);

        /**
         * An error the driver cannot handle by itself.
         *
         * @param error what went wrong
         */
        void onError(Throwable error);
    }
}
