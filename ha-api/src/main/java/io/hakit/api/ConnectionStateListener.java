package io.hakit.api;

/**
 * Told about changes of the process's connection to its backend.
 *
 * <p>Threading: called on the services' serial event executor, one call at a time, in the order the states
 * occurred, never while HAKit holds a lock. It must not block: it delays every other HA callback of the process.
 * The state may already have changed again by the time the call runs.
 */
@FunctionalInterface
public interface ConnectionStateListener {
    /**
     * The connection entered a new state.
     *
     * @param newState the state entered
     */
    void stateChanged(ConnectionState newState);
}
