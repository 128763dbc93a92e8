package io.hakit.api.alarm;

import io.hakit.api.TestTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlidingWindowCounterTest {

    private final TestTicker ticker = new TestTicker();

    @Test
    void countsEventsInsideTheWindow() {
        SlidingWindowCounter c = SlidingWindowCounter.create(Duration.ofMinutes(5), 10, ticker);
        assertThat(c.count()).isZero();
        assertThat(c.lastEventNanos()).isEmpty();

        assertThat(c.record()).isEqualTo(1);
        ticker.advance(Duration.ofMinutes(2));
        assertThat(c.record()).isEqualTo(2);
        ticker.advance(Duration.ofMinutes(2));
        assertThat(c.record()).isEqualTo(3);
        assertThat(c.lastEventNanos()).hasValue(ticker.read());

        ticker.advance(Duration.ofMinutes(1).minusNanos(1)); // the first event is 5 min - 1 ns old
        assertThat(c.count()).isEqualTo(3);
        ticker.advanceNanos(1); // exactly 5 min old: out
        assertThat(c.count()).isEqualTo(2);
        ticker.advance(Duration.ofMinutes(10));
        assertThat(c.count()).isZero();
        assertThat(c.lastEventNanos()).as("kept after leaving the window").isPresent();
    }

    @Test
    void keepsAtMostMaxTrackedEvents() {
        SlidingWindowCounter c = SlidingWindowCounter.create(Duration.ofHours(1), 4, ticker);
        for (int i = 0; i < 100; i++) {
            ticker.advance(Duration.ofSeconds(1));
            assertThat(c.record()).isEqualTo(Math.min(i + 1, 4));
        }
        assertThat(c.count()).isEqualTo(4);
        // The kept events are the newest: they leave the window 1 h after the 97th..100th event.
        ticker.advance(Duration.ofHours(1).minusSeconds(3));
        assertThat(c.count()).isEqualTo(3);
    }

    @Test
    void resetForgetsEverything() {
        SlidingWindowCounter c = SlidingWindowCounter.create(Duration.ofMinutes(1), 3, ticker);
        c.record();
        c.record();
        c.reset();
        assertThat(c.count()).isZero();
        assertThat(c.lastEventNanos()).isEmpty();
        assertThat(c.record()).isEqualTo(1);
    }

    @Test
    void worksAcrossTickerWrapAround() {
        TestTicker nearMax = new TestTicker(Long.MAX_VALUE - 30_000_000_000L);
        SlidingWindowCounter c = SlidingWindowCounter.create(Duration.ofMinutes(1), 5, nearMax);
        c.record();
        nearMax.advance(Duration.ofSeconds(40)); // wrapped
        assertThat(c.record()).isEqualTo(2);
        nearMax.advance(Duration.ofSeconds(20)); // the first is exactly 60 s old
        assertThat(c.count()).isEqualTo(1);
    }

    @Test
    void validatesArguments() {
        assertThatThrownBy(() -> SlidingWindowCounter.create(Duration.ZERO, 1, ticker))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> SlidingWindowCounter.create(Duration.ofSeconds(1), 0, ticker))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTracked");
        assertThatThrownBy(() -> SlidingWindowCounter.create(null, 1, ticker))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> SlidingWindowCounter.create(Duration.ofSeconds(1), 1, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("ticker");

        SlidingWindowCounter huge = SlidingWindowCounter.create(Duration.ofSeconds(Long.MAX_VALUE), 2, ticker);
        huge.record();
        ticker.advance(Duration.ofDays(365 * 100));
        assertThat(huge.count()).isEqualTo(1);
        assertThat(huge.window()).isEqualTo(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(huge.maxTracked()).isEqualTo(2);
    }

    @Test
    void concurrentRecordsAreAllCounted() throws Exception {
        SlidingWindowCounter c = SlidingWindowCounter.create(Duration.ofHours(1), 100_000, ticker);
        int threads = 4;
        int perThread = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        c.record();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(c.count()).isEqualTo(threads * perThread);
    }
}
