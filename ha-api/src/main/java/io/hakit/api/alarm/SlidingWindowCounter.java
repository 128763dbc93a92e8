package io.hakit.api.alarm;

import io.hakit.api.Ticker;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Counts events within a sliding time window, measured with a {@link Ticker}: "how many restarts (or leadership
 * changes) in the last five minutes?".
 *
 * <p>An event recorded at ticker reading {@code t} counts while {@code now - t < window}; it leaves the window
 * when exactly {@code window} has passed. Memory is bounded: only the {@code maxTracked} most recent events are
 * kept, so {@link #count()} never exceeds {@code maxTracked}; a count equal to {@code maxTracked} means "at least
 * that many". To decide "more than N events in the window", track {@code N + 1} events.
 *
 * <p>Thread-safe; every method takes a short private lock and reads the ticker while holding it, so events are
 * recorded in ticker order.
 */
public final class SlidingWindowCounter {

    private final Duration window;
    private final long windowNanos;
    private final int maxTracked;
    private final Ticker ticker;

    /** Guarded by {@code this}: ring buffer of event timestamps, oldest at {@link #head}. */
    private final long[] timestamps;
    private int head;
    private int size;
    private long lastEventNanos;
    private boolean anyEvent;

    private SlidingWindowCounter(Duration window, int maxTracked, Ticker ticker) {
        this.window = window;
        long nanos;
        try {
            nanos = window.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE;
        }
        this.windowNanos = nanos;
        this.maxTracked = maxTracked;
        this.ticker = ticker;
        this.timestamps = new long[maxTracked];
    }

    /**
     * Creates a counter.
     *
     * @param window     how far back events count; must be positive
     * @param maxTracked how many of the most recent events are kept (and the largest count reported); at least 1.
     *                   Memory is 8 bytes per tracked event, allocated up front.
     * @param ticker     the time source
     * @return a new counter with no events
     * @throws NullPointerException     if {@code window} or {@code ticker} is null
     * @throws IllegalArgumentException if {@code window} is not positive or {@code maxTracked < 1}
     */
    public static SlidingWindowCounter create(Duration window, int maxTracked, Ticker ticker) {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(ticker, "ticker");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, was " + window);
        }
        if (maxTracked < 1) {
            throw new IllegalArgumentException("maxTracked must be >= 1, was " + maxTracked);
        }
        return new SlidingWindowCounter(window, maxTracked, ticker);
    }

    /**
     * Records one event now.
     *
     * @return the number of events in the window including this one, at most {@code maxTracked}
     */
    public synchronized int record() {
        return recordAt(ticker.read());
    }

    /** Records an event at ticker reading {@code now}; readings must not go backwards. */
    synchronized int recordAt(long now) {
        evict(now);
        if (size == maxTracked) {
            head = (head + 1) % maxTracked; // drop the oldest
            size--;
        }
        timestamps[(head + size) % maxTracked] = now;
        size++;
        lastEventNanos = now;
        anyEvent = true;
        return size;
    }

    /**
     * Returns the number of events in the window now, at most {@code maxTracked}.
     *
     * @return the number of events in the window, at most {@code maxTracked}
     */
    public synchronized int count() {
        return countAt(ticker.read());
    }

    synchronized int countAt(long now) {
        evict(now);
        return size;
    }

    /**
     * Returns the ticker reading of the most recent event ever recorded (even if it left the window).
     *
     * @return the ticker reading in nanoseconds, or empty if no event was recorded since creation or the last {@link
     *     #reset()}
     */
    public synchronized OptionalLong lastEventNanos() {
        return anyEvent ? OptionalLong.of(lastEventNanos) : OptionalLong.empty();
    }

    /** Forgets every event. */
    public synchronized void reset() {
        head = 0;
        size = 0;
        anyEvent = false;
    }

    /**
     * The window given at construction.
     *
     * @return the window, positive
     */
    public Duration window() {
        return window;
    }

    /**
     * The most events kept, given at construction.
     *
     * @return the most events kept, at least 1
     */
    public int maxTracked() {
        return maxTracked;
    }

    private void evict(long now) {
        while (size > 0 && now - timestamps[head] >= windowNanos) {
            head = (head + 1) % maxTracked;
            size--;
        }
    }

    @Override
    public synchronized String toString() {
        return "SlidingWindowCounter{window=" + window + ", maxTracked=" + maxTracked + ", tracked=" + size + '}';
    }
}
