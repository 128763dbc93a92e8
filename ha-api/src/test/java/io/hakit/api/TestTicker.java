package io.hakit.api;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A manual ticker for ha-api's own tests: it only moves when told to. (ha-testkit has {@code ManualTicker} for
 * users, but ha-testkit depends on ha-api.)
 */
public final class TestTicker implements Ticker {

    private final AtomicLong nanos;

    public TestTicker() {
        this(1_234_567_890_123L);
    }

    public TestTicker(long start) {
        this.nanos = new AtomicLong(start);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    public TestTicker advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        return this;
    }

    public TestTicker advanceMillis(long millis) {
        return advance(Duration.ofMillis(millis));
    }

    public TestTicker advanceNanos(long n) {
        nanos.addAndGet(n);
        return this;
    }
}
