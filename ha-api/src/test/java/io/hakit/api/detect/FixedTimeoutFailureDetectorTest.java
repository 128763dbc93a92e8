package io.hakit.api.detect;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FixedTimeoutFailureDetectorTest {

    private final TestTicker ticker = new TestTicker();
    private final FixedTimeoutFailureDetector fd = FixedTimeoutFailureDetector.create(Duration.ofSeconds(30), ticker);

    @Test
    void availableAndNotMonitoringBeforeFirstHeartbeat() {
        ticker.advance(Duration.ofDays(1));

        assertThat(fd.isMonitoring()).isFalse();
        assertThat(fd.isAvailable()).isTrue();
        assertThat(fd.phi()).isEqualTo(0.0);
        assertThat(fd.lastHeartbeatNanos()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void suspectsExactlyWhenTheTimeoutHasElapsed() {
        fd.heartbeat();
        long heartbeatAt = ticker.read();

        assertThat(fd.isMonitoring()).isTrue();
        assertThat(fd.lastHeartbeatNanos()).isEqualTo(heartbeatAt);

        ticker.advance(Duration.ofSeconds(30).minusNanos(1));
        assertThat(fd.isAvailable()).isTrue();
        assertThat(fd.phi()).isEqualTo(0.0);

        ticker.advanceNanos(1);
        assertThat(fd.isAvailable()).isFalse();
        assertThat(fd.phi()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(fd.lastHeartbeatNanos()).isEqualTo(heartbeatAt);
    }

    @Test
    void heartbeatRestartsTheTimeout() {
        fd.heartbeat();
        ticker.advance(Duration.ofSeconds(20));
        fd.heartbeat();
        ticker.advance(Duration.ofSeconds(20));
        assertThat(fd.isAvailable()).isTrue();

        ticker.advance(Duration.ofSeconds(15));
        assertThat(fd.isAvailable()).isFalse();

        fd.heartbeat();
        assertThat(fd.isAvailable()).isTrue();
        assertThat(fd.phi()).isEqualTo(0.0);
        assertThat(fd.lastHeartbeatNanos()).isEqualTo(ticker.read());
    }

    @Test
    void worksAcrossTickerWrapAround() {
        TestTicker nearMax = new TestTicker(Long.MAX_VALUE - 5_000_000_000L);
        FixedTimeoutFailureDetector detector = FixedTimeoutFailureDetector.create(Duration.ofSeconds(10), nearMax);
        detector.heartbeat();

        nearMax.advance(Duration.ofSeconds(9)); // the reading has wrapped to a negative value
        assertThat(nearMax.read()).isNegative();
        assertThat(detector.isAvailable()).isTrue();

        nearMax.advance(Duration.ofSeconds(1));
        assertThat(detector.isAvailable()).isFalse();
    }

    @Test
    void hugeTimeoutNeverSuspects() {
        FixedTimeoutFailureDetector detector =
                FixedTimeoutFailureDetector.create(Duration.ofSeconds(Long.MAX_VALUE), ticker);
        detector.heartbeat();
        ticker.advance(Duration.ofDays(365 * 200));

        assertThat(detector.isAvailable()).isTrue();
        assertThat(detector.timeout()).isEqualTo(Duration.ofSeconds(Long.MAX_VALUE));
    }

    @Test
    void rejectsNonPositiveTimeoutNamingTheField() {
        assertThatThrownBy(() -> FixedTimeoutFailureDetector.create(Duration.ZERO, ticker))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout")
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> FixedTimeoutFailureDetector.create(Duration.ofMillis(-1), ticker))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> FixedTimeoutFailureDetector.create(null, ticker))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> FixedTimeoutFailureDetector.create(Duration.ofSeconds(1), null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("ticker");
    }

    @Test
    void concurrentHeartbeatsNeverMoveTheLastHeartbeatBackwards() throws Exception {
        AtomicLong clock = new AtomicLong();
        // Every read returns a strictly larger value, so a lost race would show as a decrease.
        FixedTimeoutFailureDetector detector =
                FixedTimeoutFailureDetector.create(Duration.ofSeconds(1), clock::incrementAndGet);
        int threads = 4;
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writersDone = new AtomicBoolean();
        try {
            Future<Long> observer = pool.submit(() -> {
                start.await();
                long previous = Long.MIN_VALUE;
                long decreases = 0;
                while (!writersDone.get()) {
                    long last = detector.lastHeartbeatNanos();
                    if (last < previous) {
                        decreases++;
                    }
                    previous = last;
                }
                return decreases;
            });
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                writers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        detector.heartbeat();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            writersDone.set(true);

            assertThat(observer.get(60, TimeUnit.SECONDS)).isZero();
            assertThat(detector.isMonitoring()).isTrue();
            // The final state holds the largest reading taken by any successful heartbeat.
            assertThat(detector.lastHeartbeatNanos()).isPositive().isLessThanOrEqualTo(clock.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
