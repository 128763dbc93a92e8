package io.hakit.api;

import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.internal.Backends;

import java.util.Map;

/**
 * One process's HA services: leader election, leader retrieval, state stores and counters on one backend
 * connection. Create one per process with {@link #create(HaConfig)}; close it on shutdown.
 *
 * <p>All components of the process share one election (as in Flink 1.15+) and one retrieval watch: a thousand
 * components cost no thread and no watch each. Every callback of these services (contenders, retrieval listeners,
 * store watches, connection listeners) runs on one serial event executor, never concurrently, never while HAKit
 * holds a lock.
 *
 * <p>Thread-safe.
 */
public interface HaServices extends AutoCloseable {

    /**
     * Connects to the backend named by {@code high-availability.type}, found with {@link java.util.ServiceLoader}.
     *
     * @throws InvalidConfigException naming {@code high-availability.type} if no backend of that type is on the
     *     class path (the message names the Maven artifact to add), or naming the key of a bad backend option
     */
    static HaServices create(HaConfig config) {
        return Backends.createServices(config);
    }

    /** {@link #create(HaConfig)} from Flink-style keys ({@link HaConfig#fromMap(Map)}). */
    static HaServices create(Map<String, String> config) {
        return create(HaConfig.fromMap(config));
    }

    /** The configuration these services run with. */
    HaConfig config();

    /**
     * The election of one component in this process (1-128 of {@code [A-Za-z0-9._-]}).
     *
     * @throws IllegalStateException if an election for this component is already open in this process
     */
    LeaderElection leaderElection(String componentId);

    /**
     * Watches who leads {@code componentId} anywhere in the cluster. The listener first gets the current view,
     * then every change; {@link LeaderInformation#empty()} when no leader is confirmed.
     */
    Subscription watchLeader(String componentId, LeaderRetrievalListener listener);

    /** The state store of one namespace (1-128 of {@code [A-Za-z0-9._-]}); cheap, may be called repeatedly. */
    StateStore stateStore(String namespace);

    /** A shared counter that starts at 1 (Flink's first checkpoint id). */
    Counter counter(String name);

    /** A shared counter that starts at {@code initialValue} if it does not exist yet. */
    Counter counter(String name, long initialValue);

    /** The current connection state to the backend. */
    ConnectionState connectionState();

    /** Registers a connection state listener; see {@link ConnectionStateListener} for threading. */
    Subscription addConnectionStateListener(ConnectionStateListener listener);

    /** The alarms of this process (backend unavailable, leadership flapping, and whatever the application raises). */
    AlarmRegistry alarms();

    /**
     * Deletes one state-store namespace: every key (unfenced, as {@link StateStore#delete(String, long)} with
     * {@link StateStore#ANY}), every blob of the namespace, and what the backend keeps for it (Kubernetes: its
     * ConfigMap). Flink's per-job clean-up. Watches of the namespace see the deletes.
     *
     * <p>Hazard: not fenced; call it only when the namespace's owner (a finished job) is gone for good. A writer that
     * still runs re-creates what it writes.
     *
     * @throws UnknownOutcomeException or {@link BackendUnavailableException} if it could not finish; call it again
     */
    void deleteNamespace(String namespace);

    /**
     * Closes these services (revokes delivered, as {@link #close()}), then deletes everything the cluster id stores:
     * every namespace with its blobs, the leader information and the election's storage. Flink's
     * {@code closeWithCleanupAllData}, for a cluster that is shut down for good.
     *
     * <p>Hazard: every other process of the cluster must be stopped first; one still running re-creates what it writes,
     * and with the election's storage gone its epochs may start again at 1.
     *
     * @throws UnsupportedOperationException if the backend cannot delete its data (the services are closed anyway)
     */
    void closeAndDeleteAllData();

    /**
     * Closes every election (revoke is delivered to each contender, even those that never led), every watch and the
     * backend connection; the process gives up leadership. Idempotent.
     */
    @Override
    void close();
}
