package io.hakit.api.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * One process's connection to an HA backend: a factory of the small drivers the core services run on. Drivers
 * hold no timing policy; leases, confirmation, fencing checks before a call, connection policy and callbacks are
 * the core's. A driver's job is to make each call atomic and fenced in the backend.
 *
 * <p>Implementations are thread-safe.
 */
public interface HaBackend extends AutoCloseable {

    /**
     * Starts contending for this process's single election; the driver reports grants and revokes to
     * {@code listener}. Called again (after the previous driver was closed) when the process contends again, for
     * example after the connection was lost. Must not block on the network: contend in the background and report.
     *
     * @param listener receives this election's grants, revokes and errors
     * @return the started driver; closing it stops contending
     */
    ElectionDriver startElection(ElectionDriver.Listener listener);

    /**
     * Starts watching every component's leader information of the cluster (one watch for all components).
     *
     * @param listener receives each component's leader information and every change
     * @return the started driver; closing it ends the watch
     */
    RetrievalDriver startRetrieval(RetrievalDriver.Listener listener);

    /**
     * The key/value driver of one namespace (1-128 of {@code [A-Za-z0-9._-]}).
     *
     * @param namespace the store namespace, already validated by the core
     * @return the namespace's driver
     */
    StoreDriver store(String namespace);

    /**
     * The largest stored record (value plus HAKit's small header) the backend keeps inline; larger values go to
     * the blob store.
     *
     * @return the inline limit in bytes
     */
    int inlineLimit();

    /**
     * How long, at most, the backend may still consider this process's session alive after it reported
     * {@link io.hakit.api.ConnectionState#SUSPENDED}, counted from this call; the core calls it as it handles the
     * report, which may be a little after the backend made it, and a backend that knows when it made the report
     * subtracts the time since (for ZooKeeper about a third of the session timeout: the client reports the
     * disconnection two thirds of the timeout after its last contact). Err on the short side: the core must step down
     * before the backend can grant another process. With the {@code revoke-on-loss} policy the core keeps leadership
     * through a suspension no longer than the smaller of this and {@code high-availability.lease-duration}, and checks
     * it when it runs out even if that comes before the next {@code high-availability.retry-period}. Empty: no bound
     * known beyond the configured lease.
     *
     * @return the longest the session may still be alive after a suspension, or empty if unknown
     */
    default Optional<Duration> sessionLeaseAfterSuspend() {
        return Optional.empty();
    }

    /**
     * The store namespaces that hold data in the backend, for {@link io.hakit.api.HaServices#closeAndDeleteAllData()}.
     *
     * @return the names of the namespaces that hold data
     * @throws UnsupportedOperationException if the backend cannot list them (the default)
     */
    default java.util.Collection<String> namespaces() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot list its namespaces");
    }

    /**
     * Removes what the backend keeps for a namespace whose keys the core has deleted (a ZooKeeper parent node, a
     * Kubernetes ConfigMap). Not fenced. Default: nothing to remove.
     *
     * @param namespace the namespace whose keys the core deleted
     */
    default void dropNamespace(String namespace) {
    }

    /**
     * Deletes everything of the cluster id that is left after the core deleted every namespace: the election's and
     * the leader information's storage. Called with this process's election closed; other processes must be gone.
     *
     * @throws UnsupportedOperationException if the backend cannot (the default)
     */
    default void deleteClusterData() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot delete its cluster data");
    }

    /** Closes the connection; ephemeral state of this process (leadership, leader information) goes away. */
    @Override
    void close();
}
