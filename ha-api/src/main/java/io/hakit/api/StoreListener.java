package io.hakit.api;

/**
 * Told about changes under a watched prefix.
 *
 * <p><b>Threading contract.</b> Called on the services' serial event executor, one call at a time; the events of
 * one key arrive in the order they were applied. A backend may coalesce rapid puts of one key (a watch then sees
 * the latest value, never an older value after a newer one). Must not block.
 */
@FunctionalInterface
public interface StoreListener {
    /**
     * A key under the watched prefix changed.
     *
     * @param event the change
     */
    void onEvent(StoreEvent event);
}
