package io.hakit.testkit.junit.internal;

/**
 * The servers of one backend (a ZooKeeper ensemble, an API server, or nothing for the embedded backend), started once
 * per test class and shared by its tests, each of which gets a {@linkplain #newCluster() cluster} of its own.
 */
public interface BackendServer extends AutoCloseable {

    /** What runs, for messages (addresses, the kind of server). */
    String describe();

    /** A fresh cluster for one test: its own cluster id (and Kubernetes namespace), no process yet. */
    ClusterControl newCluster();

    /**
     * Why a {@link io.hakit.testkit.ManualTicker} cannot drive this backend's time, or null if it can.
     *
     * @return the reason, or null
     */
    default String manualTickerRefusal() {
        return null;
    }

    /**
     * Whether {@code thread} may outlive a test's processes without being a leak: a thread of the servers themselves
     * (which start threads as clients connect and keep them while they run), or one the backend's client cannot end.
     *
     * @param thread a thread started during a test and still alive after it
     * @return true to leave it out of the leak check
     */
    default boolean outlivesProcesses(Thread thread) {
        return false;
    }

    /** Stops the servers. */
    @Override
    void close() throws Exception;
}
