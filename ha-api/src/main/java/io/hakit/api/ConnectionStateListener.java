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
    void stateChanged(ConnectionState newState);
}
