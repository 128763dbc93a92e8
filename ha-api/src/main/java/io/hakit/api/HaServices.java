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
     * @param config the validated configuration
     * @return the started services
     * @throws InvalidConfigException naming {@code high-availability.type} if no backend of that type is on the
     *     class path (the message names the Maven artifact to add), or naming the key of a bad backend option
     */
    static HaServices create(HaConfig config) {
        return Backends.createServices(config);
    }

    /**
     * {@link #create(HaConfig)} from Flink-style keys ({@link HaConfig#fromMap(Map)}).
     *
     * @param config configuration keys and values, as {@link HaConfig#fromMap(Map)} reads them
     * @return the started services
     * @throws InvalidConfigException naming the key of the first invalid value, or as {@link #create(HaConfig)}
     */
    static HaServices create(Map<String, String> config) {
        return create(HaConfig.fromMap(config));
    }

    /**
     * The configuration these services run with.
     *
     * @return the configuration
     */
    HaConfig config();

    /**
     * The election of one component in this process (1-128 of {@code [A-Za-z0-9._-]}).
     *
     * @param componentId the component id
     * @return the component's election, not started yet
     * @throws IllegalStateException if an election for this component is already open in this process
     */
    LeaderElection leaderElection(String componentId);

    /**
     * Watches who leads {@code componentId} anywhere in the cluster. The listener first gets the current view,
     * then every change; {@link LeaderInformation#empty()} when no leader is confirmed.
     *
     * @param componentId the component id
     * @param listener receives the component's leader information
     * @return the subscription; closing it ends the watch
     */
    Subscription watchLeader(String componentId, LeaderRetrievalListener listener);

    /**
     * The state store of one namespace (1-128 of {@code [A-Za-z0-9._-]}); cheap, may be called repeatedly.
     *
     * @param namespace the namespace
     * @return the namespace's store
     */
    StateStore stateStore(String namespace);

    /**
     * A shared counter that starts at 1 (Flink's first checkpoint id).
     *
     * @param name the counter's name, its key in the counters namespace
     * @return the counter
     */
    Counter counter(String name);

    /**
     * A shared counter that starts at {@code initialValue} if it does not exist yet.
     *
     * @param name the counter's name, its key in the counters namespace
     * @param initialValue the value a new counter starts at; ignored if the counter exists
     * @return the counter
     */
    Counter counter(String name, long initialValue);

    /**
     * Deletes every key of {@code namespace} (and the blobs of its large values), then whatever the backend keeps for
     * the namespace itself (a ZooKeeper parent znode, a Kubernetes ConfigMap). For data whose owner is gone for good,
     * such as a finished job's state (Flink's per-job clean-up); watches of the namespace see the deletes. Unfenced:
     * prefer {@link #deleteNamespace(LeaderSession, String)} when a leader deletes.
     *
     * <p>Hazard: a key written concurrently may survive (it is not an error); the namespace can be used again
     * afterwards.
     *
     * @param namespace the namespace to delete
     * @return the number of keys deleted
     * @throws IllegalArgumentException for a bad namespace name
     * @throws UnknownOutcomeException if a delete may or may not have been applied; call again
     * @throws BackendUnavailableException if the backend cannot be reached (some keys may be deleted already)
     */
    int deleteNamespace(String namespace);

    /**
     * Leader-fenced {@link #deleteNamespace(String)}: every delete is fenced by {@code session}.
     *
     * @param session the leadership the deletes are made under
     * @param namespace the namespace to delete
     * @return the number of keys deleted
     * @throws LeadershipLostException if {@code session} is not current or the backend has seen a higher epoch (the
     *     keys deleted before that stay deleted)
     */
    int deleteNamespace(LeaderSession session, String namespace);

    /**
     * The current connection state to the backend.
     *
     * @return the connection state
     */
    ConnectionState connectionState();

    /**
     * Registers a connection state listener; see {@link ConnectionStateListener} for threading.
     *
     * @param listener the listener
     * @return the subscription; closing it removes the listener
     */
    Subscription addConnectionStateListener(ConnectionStateListener listener);

    /**
     * The alarms of this process (backend unavailable, leadership flapping, and whatever the application raises).
     *
     * @return this process's alarm registry
     */
    AlarmRegistry alarms();

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
