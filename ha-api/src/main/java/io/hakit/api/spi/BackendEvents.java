package io.hakit.api.spi;

import io.hakit.api.ConnectionState;

/**
 * The core service's side of a backend connection. A backend calls it from any thread; the core re-dispatches on
 * its serial executor, so calls are cheap and never block.
 */
public interface BackendEvents {

    /**
     * The connection to the backend changed state. Repeats of the same state are ignored.
     *
     * @param state the connection's new state
     */
    void connectionStateChanged(ConnectionState state);
}
