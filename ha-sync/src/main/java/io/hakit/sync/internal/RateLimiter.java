package io.hakit.sync.internal;

import io.hakit.api.Ticker;

import java.util.concurrent.TimeUnit;

/**
 * {@code sync.bandwidth-limit}: paces file data to a byte rate. Each call reserves the time its bytes take at the rate
 * and first waits until the bytes before them have had theirs; idle time is not saved up (no burst after a pause).
 * Not thread-safe: the source's round thread is its only user.
 */
public final class RateLimiter implements Source.Throttle {

    /** Waits; {@link #SLEEP} in production, a recorder in tests. */
    public interface Sleeper {
        Sleeper SLEEP = TimeUnit.NANOSECONDS::sleep;

        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final long bytesPerSecond;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private long next;

    public RateLimiter(long bytesPerSecond, Ticker ticker, Sleeper sleeper) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive, was " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.next = ticker.read();
    }

    @Override
    public void acquire(long bytes) throws InterruptedException {
        long now = ticker.read();
        long start = next - now > 0 ? next : now;
        next = start + (long) (bytes * 1e9 / bytesPerSecond);
        long wait = start - now;
        if (wait > 0) {
            sleeper.sleepNanos(wait);
        }
    }
}
