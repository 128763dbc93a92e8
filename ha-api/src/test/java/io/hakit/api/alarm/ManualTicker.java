package io.hakit.api.alarm;

import io.hakit.api.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A test ticker that only moves when told to. */
final class ManualTicker implements Ticker {

    private final AtomicLong nanos;

    ManualTicker() {
        this(1_234_567_890_123L);
    }

    ManualTicker(long start) {
        this.nanos = new AtomicLong(start);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    ManualTicker advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        return this;
    }

    ManualTicker advanceMillis(long millis) {
        return advance(Duration.ofMillis(millis));
    }

    ManualTicker advanceNanos(long n) {
        nanos.addAndGet(n);
        return this;
    }
}
