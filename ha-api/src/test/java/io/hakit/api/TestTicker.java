package io.hakit.api;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A manual ticker for ha-api's own tests. */
public final class TestTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long read() {
        return nanos.get();
    }

    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }
}
