package io.hakit.testkit;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;

/**
 * What a backend gives the contract suites: a cluster to which any number of processes can connect. Each
 * {@link #newProcess(HaConfig.Builder)} call is one process (its own {@link HaServices}, its own backend session).
 */
public interface TestCluster extends AutoCloseable {

    /**
     * Connects a new process. The suite passes a builder with the node id, storage directory and timeouts already
     * set; the cluster adds its backend type and options (for example the ZooKeeper quorum) and creates the
     * services.
     *
     * @param config the process's configuration without backend settings; the cluster may change the builder
     * @return the process's started services; the caller closes them (before {@link #close()})
     */
    HaServices newProcess(HaConfig.Builder config);

    /**
     * Ends {@code process}'s backend session as the backend would after a partition outlasting the session timeout
     * (for example ZooKeeper's session expiry), so that its leadership passes to another process. Returns
     * {@code false} if this backend cannot do that; suites then skip the tests that need it.
     *
     * @param process a process of this cluster, from {@link #newProcess(HaConfig.Builder)}
     * @return whether the session was expired; {@code false} (the default) if this backend cannot
     */
    default boolean expireSession(HaServices process) {
        return false;
    }

    /**
     * Cuts {@code process} off from the backend silently (its requests go unanswered, nothing is reset) until
     * {@link #heal(HaServices)}, as a network partition would.
     *
     * @param process a process of this cluster, from {@link #newProcess(HaConfig.Builder)}
     * @throws UnsupportedOperationException if this backend's test cluster cannot (the default)
     */
    default void partition(HaServices process) {
        throw new UnsupportedOperationException("this test cluster cannot partition a process");
    }

    /**
     * Ends {@code process}'s {@linkplain #partition(HaServices) partition}.
     *
     * @param process a process this cluster has partitioned
     * @throws UnsupportedOperationException if this backend's test cluster cannot partition (the default)
     */
    default void heal(HaServices process) {
        throw new UnsupportedOperationException("this test cluster cannot partition a process");
    }

    /**
     * Deletes the election's storage as an operator might (ZooKeeper: the {@code election} znode with its latch
     * nodes; Kubernetes: the Lease; embedded: the election and its counter), keeping what the backend's epochs are
     * kept above (ZooKeeper: the ensemble's zxids, which no deletion lowers; elsewhere the epoch floor). The leader
     * loses its leadership and every contender contends again. Suites use it to check that epochs keep increasing.
     *
     * @throws UnsupportedOperationException if this backend's test cluster cannot; suites then skip the test
     */
    default void deleteElection() {
        throw new UnsupportedOperationException("this test cluster cannot delete the election's storage");
    }

    /**
     * Loses every record of past epochs the election keeps, as a restore of the tree without them would; the store's
     * namespaces stay (embedded: the election's storage and the epoch floor are deleted; ZooKeeper, whose epochs are
     * zxids: the tree is copied into a fresh server, whose zxids are lower, and processes started afterwards use it).
     * Whatever epoch the backend grants next, a namespace must still refuse a fenced write below the highest fence it
     * accepted.
     *
     * @throws UnsupportedOperationException if this backend's test cluster cannot; suites then skip the test
     */
    default void deleteEpochHistory() {
        throw new UnsupportedOperationException("this test cluster cannot delete the epoch history");
    }

    /** Shuts the cluster down (servers, temp data). Processes are closed by the suites first. */
    @Override
    default void close() throws Exception {
    }
}
