package io.hakit.testkit;

import io.hakit.api.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that only moves when a test advances it. Thread-safe. */
public final class ManualTicker implements Ticker {

    private final AtomicLong nanos;

    public ManualTicker() {
        this(0);
    }

    public ManualTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    /** Moves time forward; a negative amount is refused (a ticker never goes backwards). */
    public ManualTicker advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a ticker never goes backwards: " + d);
        }
        nanos.addAndGet(d.toNanos());
        return this;
    }

    @Override
    public String toString() {
        return "ManualTicker{" + nanos.get() + " ns}";
    }
}
