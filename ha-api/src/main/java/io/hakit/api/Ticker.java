package io.hakit.api;

/**
 * A monotonic time source in nanoseconds, the one seam through which every HAKit service reads time.
 *
 * <p>Values are only meaningful as differences between two reads of the same ticker, like
 * {@link System#nanoTime()}. Leases, heartbeat timeouts and sliding windows are all measured with a ticker
 * from what this process observed, never by comparing another node's timestamp with the local clock.
 *
 * <p>Tests inject a manual ticker (for example {@code io.hakit.testkit.ManualTicker}) and advance it instead
 * of sleeping. Implementations must be thread-safe and must never go backwards.
 */
@FunctionalInterface
public interface Ticker {

    /**
     * Returns the current reading in nanoseconds; only differences between readings are meaningful.
     *
     * @return the current reading in nanoseconds
     */
    long read();

    /**
     * The system ticker, backed by {@link System#nanoTime()}.
     *
     * @return a ticker reading {@link System#nanoTime()}
     */
    static Ticker system() {
        return System::nanoTime;
    }
}
