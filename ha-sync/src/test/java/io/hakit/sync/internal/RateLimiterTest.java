package io.hakit.sync.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<Long> sleeps = new ArrayList<>();
    private final RateLimiter limiter = new RateLimiter(1 << 20, now::get, n -> {
        sleeps.add(n);
        now.addAndGet(n); // sleeping moves the clock
    });

    @Test
    void paceIsTheRateOnceTheFirstBytesHaveHadTheirTime() throws Exception {
        limiter.acquire(512 * 1024); // goes at once, reserves 0.5 s
        limiter.acquire(512 * 1024); // waits for the first half MiB's 0.5 s
        limiter.acquire(1 << 20);    // waits for the second's
        assertThat(sleeps).containsExactly(500_000_000L, 500_000_000L);
        // 2 MiB took 1 s of waiting plus the last 1 s reservation: 1 MiB/s
    }

    @Test
    void idleTimeIsNotSavedUpForABurst() throws Exception {
        limiter.acquire(1 << 20);
        now.addAndGet(10_000_000_000L); // 10 s idle
        limiter.acquire(1 << 20);
        limiter.acquire(1 << 20);
        assertThat(sleeps).containsExactly(1_000_000_000L);
    }

    @Test
    void aRateMustBePositive() {
        assertThatThrownBy(() -> new RateLimiter(0, now::get, n -> { })).hasMessageContaining("positive");
    }
}
