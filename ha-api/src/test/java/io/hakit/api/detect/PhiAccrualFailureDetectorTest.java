package io.hakit.api.detect;

import io.hakit.api.TestTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Drives the detector with a manual ticker. Several cases mirror Pekko's {@code AccrualFailureDetectorSpec} (same
 * intervals, same expected outcomes), so the port is checked against the behaviour Pekko documents.
 */
class PhiAccrualFailureDetectorTest {

    private final TestTicker ticker = new TestTicker();

    /** Pekko's spec defaults: threshold 8, 1000 samples, 100 ms min deviation, no acceptable pause, 1 s estimate. */
    private PhiAccrualFailureDetector.Builder pekkoSpecDefaults() {
        return PhiAccrualFailureDetector.builder()
                .acceptableHeartbeatPause(Duration.ZERO)
                .ticker(ticker);
    }

    /** Heartbeats at each of the given gaps (ms), the first one immediately. */
    private void heartbeats(FailureDetector fd, long... gapsMillis) {
        for (long gap : gapsMillis) {
            ticker.advanceMillis(gap);
            fd.heartbeat();
        }
    }

    private static double cdf(double phi) {
        return 1.0 - Math.pow(10, -phi);
    }

    // ------------------------------------------------------------------------------------------- the phi formula

    @Test
    void phiFormulaApproximatesTheNormalDistribution() {
        // Standard normal CDF at 0, 0.6, 1.5, 2, 2.5, 3.5 and 4 standard deviations.
        assertThat(cdf(PhiAccrualFailureDetector.phi(0, 0, 10))).isCloseTo(0.5, within(0.001));
        assertThat(cdf(PhiAccrualFailureDetector.phi(6, 0, 10))).isCloseTo(0.7257, within(0.001));
        assertThat(cdf(PhiAccrualFailureDetector.phi(15, 0, 10))).isCloseTo(0.9332, within(0.001));
        assertThat(cdf(PhiAccrualFailureDetector.phi(20, 0, 10))).isCloseTo(0.97725, within(0.001));
        assertThat(cdf(PhiAccrualFailureDetector.phi(25, 0, 10))).isCloseTo(0.99379, within(0.001));
        assertThat(cdf(PhiAccrualFailureDetector.phi(35, 0, 10))).isCloseTo(0.99977, within(0.001));
        assertThat(cdf(PhiAccrualFailureDetector.phi(40, 0, 10))).isCloseTo(0.99997, within(0.0001));
        assertThat(cdf(PhiAccrualFailureDetector.phi(22, 20.0, 3))).isCloseTo(0.7475, within(0.001));

        for (int x = 0; x < 40; x++) {
            assertThat(PhiAccrualFailureDetector.phi(x, 0, 10))
                    .isLessThan(PhiAccrualFailureDetector.phi(x + 1, 0, 10));
        }
    }

    @Test
    void phiFormulaGivesPekkosRealisticValues() {
        double[][] expected = {{0, 0.0}, {500, 0.1}, {1000, 0.3}, {1200, 1.6}, {1400, 4.7}, {1600, 10.8},
                {1700, 15.3}};
        for (double[] e : expected) {
            assertThat(PhiAccrualFailureDetector.phi(e[0], 1000.0, 100.0))
                    .as("phi at %s ms", e[0])
                    .isCloseTo(e[1], within(0.1));
        }
        // A larger deviation means a lower phi for the same silence.
        assertThat(PhiAccrualFailureDetector.phi(1100, 1000.0, 500.0))
                .isLessThan(PhiAccrualFailureDetector.phi(1100, 1000.0, 100.0));
    }

    @Test
    void phiFormulaHandlesOutliersWithoutNaNOrNegativeZero() {
        assertThat(PhiAccrualFailureDetector.phi(10, 0, 1)).isCloseTo(38.0, within(1.0));
        double farBelow = PhiAccrualFailureDetector.phi(-25, 0, 1);
        assertThat(Double.compare(farBelow, 0.0)).as("+0.0, not -0.0").isZero();
        assertThat(PhiAccrualFailureDetector.phi(1e9, 0, 1)).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(PhiAccrualFailureDetector.phi(-1e9, 0, 1)).isEqualTo(0.0);
    }

    // ---------------------------------------------------------------------------------------- detector behaviour

    @Test
    void notMonitoringBeforeTheFirstHeartbeat() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().build();
        ticker.advance(Duration.ofHours(1));

        assertThat(fd.isMonitoring()).isFalse();
        assertThat(fd.phi()).isEqualTo(0.0);
        assertThat(fd.isAvailable()).isTrue();
        assertThat(fd.lastHeartbeatNanos()).isEqualTo(Long.MIN_VALUE);
        assertThat(fd.historySize()).isZero();
    }

    @Test
    void firstHeartbeatSeedsTheHistoryWithTheEstimate() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().build();
        fd.heartbeat();

        assertThat(fd.isMonitoring()).isTrue();
        assertThat(fd.lastHeartbeatNanos()).isEqualTo(ticker.read());
        // Two samples, 1000 -/+ 250 ms.
        assertThat(fd.historySize()).isEqualTo(2);
        assertThat(fd.historyMean()).isEqualTo(1000.0);
        assertThat(fd.historyStdDeviation()).isEqualTo(250.0);
    }

    @Test
    void phiFromTheEstimateAfterOnlyOneHeartbeat() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().build();
        fd.heartbeat();

        ticker.advanceMillis(1000);
        assertThat(fd.phi()).isCloseTo(0.3, within(0.2));
        ticker.advanceMillis(1000);
        assertThat(fd.phi()).isCloseTo(4.5, within(0.3));
        ticker.advanceMillis(1000);
        assertThat(fd.phi()).isGreaterThan(15.0);
        assertThat(fd.isAvailable()).isFalse();
    }

    @Test
    void phiIsPositiveRightAfterTheFirstIntervals() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().build();
        fd.heartbeat();
        ticker.advanceMillis(100);
        assertThat(fd.phi()).isGreaterThan(0.0);
        ticker.advanceMillis(100);
        fd.heartbeat();
        ticker.advanceMillis(100);
        assertThat(fd.phi()).isGreaterThan(0.0);
    }

    @Test
    void monitoringAndAvailableAfterASeriesOfHeartbeats() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().build();
        assertThat(fd.isMonitoring()).isFalse();
        heartbeats(fd, 0, 1000, 100);
        ticker.advanceMillis(100);

        assertThat(fd.isMonitoring()).isTrue();
        assertThat(fd.isAvailable()).isTrue();
    }

    @Test
    void suspectedWhenHeartbeatsAreMissed() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().threshold(3).build();
        heartbeats(fd, 0, 1000, 100);

        ticker.advanceMillis(100);
        assertThat(fd.isAvailable()).isTrue();
        ticker.advanceMillis(7000);
        assertThat(fd.isAvailable()).isFalse();
    }

    @Test
    void phiGrowsMonotonicallyWithSilence() {
        PhiAccrualFailureDetector fd = PhiAccrualFailureDetector.builder().ticker(ticker).build();
        fd.heartbeat();
        for (int i = 0; i < 30; i++) {
            ticker.advanceMillis(1000);
            fd.heartbeat();
        }

        double previous = fd.phi();
        boolean grew = false;
        for (int step = 1; step <= 150; step++) { // 15 s of silence in 100 ms steps
            ticker.advanceMillis(100);
            double phi = fd.phi();
            assertThat(phi).as("phi after %d ms", step * 100).isGreaterThanOrEqualTo(previous).isNotNaN();
            grew |= phi > previous;
            previous = phi;
        }
        assertThat(grew).isTrue();
        assertThat(previous).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void defaultsWithRegularOneSecondHeartbeatsMatchPekkosDocumentedBehaviour() {
        PhiAccrualFailureDetector fd = PhiAccrualFailureDetector.builder().ticker(ticker).build();
        fd.heartbeat();
        for (int i = 0; i < 100; i++) {
            ticker.advanceMillis(1000);
            fd.heartbeat();
        }
        long last = ticker.read();

        ticker.advanceMillis(1000);
        assertThat(fd.phi()).as("phi after 1 s of silence").isLessThan(1.0);
        assertThat(fd.isAvailable()).isTrue();

        // Mean 1 s + acceptable pause 3 s, deviation at its 100 ms floor: phi = 0.3 at 4 s, crosses 8 near 4.5 s.
        ticker.advanceMillis(3000);
        assertThat(fd.phi()).as("phi after 4 s of silence").isCloseTo(0.3, within(0.01));
        assertThat(fd.isAvailable()).isTrue();

        ticker.advanceMillis(6000);
        assertThat(fd.phi()).as("phi after 10 s of silence").isGreaterThan(8.0);
        assertThat(fd.isAvailable()).isFalse();

        // Find where the threshold is crossed, in 10 ms steps.
        TestTicker probe = new TestTicker(last);
        PhiAccrualFailureDetector copy = PhiAccrualFailureDetector.builder().ticker(probe).build();
        copy.heartbeat();
        for (int i = 0; i < 100; i++) {
            probe.advanceMillis(1000);
            copy.heartbeat();
        }
        long silence = 0;
        while (copy.isAvailable()) {
            probe.advanceMillis(10);
            silence += 10;
        }
        assertThat(silence).isBetween(4400L, 4700L);
    }

    @Test
    void staysAvailableUnderJitteryOneSecondHeartbeats() {
        PhiAccrualFailureDetector fd = PhiAccrualFailureDetector.builder().ticker(ticker).build();
        Random random = new Random(42);
        fd.heartbeat();
        double maxPhi = 0.0;
        for (int i = 0; i < 2000; i++) {
            long gap = 800 + random.nextInt(401); // 1 s +/- 200 ms
            ticker.advanceMillis(gap);
            maxPhi = Math.max(maxPhi, fd.phi());
            assertThat(fd.isAvailable()).as("heartbeat %d after %d ms", i, gap).isTrue();
            fd.heartbeat();
        }
        assertThat(maxPhi).isLessThan(1.0);
        assertThat(fd.historyMean()).isCloseTo(1000.0, within(20.0));
        assertThat(fd.historyStdDeviation()).isBetween(100.0, 130.0); // uniform +/-200 ms: about 116 ms
    }

    @Test
    void jitterWithoutAcceptablePauseRaisesPhiButStaysBelowThreshold() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().build();
        Random random = new Random(7);
        fd.heartbeat();
        double maxPhi = 0.0;
        for (int i = 0; i < 1000; i++) {
            ticker.advanceMillis(800 + random.nextInt(401));
            maxPhi = Math.max(maxPhi, fd.phi());
            fd.heartbeat();
        }
        assertThat(maxPhi).isGreaterThan(1.0).isLessThan(PhiAccrualFailureDetector.DEFAULT_THRESHOLD);
    }

    @Test
    void suspectedAfterALongPauseAndAvailableAgainWhenHeartbeatsResume() {
        // Pekko: 1000 regular intervals, a 5 minute pause, then a 7 s pause that must be suspected again.
        PhiAccrualFailureDetector fd = pekkoSpecDefaults()
                .acceptableHeartbeatPause(Duration.ofSeconds(3))
                .build();
        fd.heartbeat();
        for (int i = 0; i < 999; i++) {
            ticker.advanceMillis(1000);
            fd.heartbeat();
        }
        ticker.advance(Duration.ofMinutes(5));
        assertThat(fd.isAvailable()).isFalse();
        int historyBeforeResume = fd.historySize();
        double meanBeforeResume = fd.historyMean();

        ticker.advanceMillis(100);
        fd.heartbeat();
        // The first heartbeat after a suspected pause is not recorded.
        assertThat(fd.historySize()).isEqualTo(historyBeforeResume);
        assertThat(fd.historyMean()).isEqualTo(meanBeforeResume);
        ticker.advanceMillis(900);
        assertThat(fd.isAvailable()).isTrue();

        ticker.advanceMillis(100);
        fd.heartbeat();
        ticker.advanceMillis(7000);
        assertThat(fd.isAvailable()).isFalse();

        ticker.advanceMillis(100);
        fd.heartbeat();
        ticker.advanceMillis(900);
        assertThat(fd.isAvailable()).isTrue();
        ticker.advanceMillis(100);
        fd.heartbeat();
        ticker.advanceMillis(900);
        assertThat(fd.isAvailable()).isTrue();
    }

    @Test
    void acceptsConfiguredMissingHeartbeats() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().acceptableHeartbeatPause(Duration.ofSeconds(3)).build();
        heartbeats(fd, 0, 1000, 1000, 1000);
        ticker.advanceMillis(4000); // a 4 s gap with 1 s heartbeats and a 3 s acceptable pause
        assertThat(fd.isAvailable()).isTrue();
        ticker.advanceMillis(1000);
        fd.heartbeat();
        ticker.advanceMillis(1000);
        assertThat(fd.isAvailable()).isTrue();
    }

    @Test
    void failsAfterConfiguredAcceptableMissingHeartbeats() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().acceptableHeartbeatPause(Duration.ofSeconds(3)).build();
        heartbeats(fd, 0, 1000, 1000, 1000, 1000, 1000);
        ticker.advanceMillis(500);
        assertThat(fd.isAvailable()).isTrue();
        ticker.advanceMillis(500);
        fd.heartbeat();
        ticker.advanceMillis(5000);
        assertThat(fd.isAvailable()).isFalse();
    }

    @Test
    void usesOnlyTheLastMaxSampleSizeIntervals() {
        PhiAccrualFailureDetector fd = pekkoSpecDefaults().maxSampleSize(3).build();
        heartbeats(fd, 0, 100, 100, 100); // 100 ms intervals
        ticker.advanceMillis(100);
        double phi1 = fd.phi();

        // 500 ms intervals: once the 100 ms ones are dropped, phi at the same relative point is the same.
        ticker.advanceMillis(600);
        fd.heartbeat();
        heartbeats(fd, 500, 500, 500);
        ticker.advanceMillis(500);
        double phi2 = fd.phi();

        assertThat(phi2).isCloseTo(phi1, within(0.001));
    }

    @Test
    void historyIsCappedAtMaxSampleSize() {
        PhiAccrualFailureDetector fd = PhiAccrualFailureDetector.builder().maxSampleSize(5).ticker(ticker).build();
        fd.heartbeat();
        assertThat(fd.historySize()).isEqualTo(2);
        for (int i = 0; i < 100; i++) {
            ticker.advanceMillis(1000);
            fd.heartbeat();
            assertThat(fd.historySize()).isLessThanOrEqualTo(5);
        }
        assertThat(fd.historySize()).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            ticker.advanceMillis(1200);
            fd.heartbeat();
        }
        // Only the five 1200 ms intervals are left.
        assertThat(fd.historyMean()).isEqualTo(1200.0);
        assertThat(fd.historyStdDeviation()).isEqualTo(0.0);
    }

    @Test
    void aSecondFirstHeartbeatIsNotNeededAndDetectorsAreIndependent() {
        PhiAccrualFailureDetector.Builder builder = PhiAccrualFailureDetector.builder().ticker(ticker);
        PhiAccrualFailureDetector a = builder.build();
        PhiAccrualFailureDetector b = builder.build();
        a.heartbeat();

        assertThat(a.isMonitoring()).isTrue();
        assertThat(b.isMonitoring()).isFalse();
        ticker.advance(Duration.ofSeconds(30));
        assertThat(a.isAvailable()).isFalse();
        assertThat(b.isAvailable()).isTrue();
    }

    // ------------------------------------------------------------------------------------------------- statistics

    @Test
    void historyComputesMeanAndVariance() {
        HeartbeatHistory h = new HeartbeatHistory(20);
        for (long v : new long[] {100, 200, 125, 340, 130}) {
            h.add(v);
        }
        assertThat(h.mean()).isCloseTo(179.0, within(0.00001));
        assertThat(h.variance()).isCloseTo(7584.0, within(0.00001));

        HeartbeatHistory one = new HeartbeatHistory(600);
        one.add(1000);
        assertThat(one.variance()).isCloseTo(0.0, within(0.00001));
    }

    @Test
    void historyDropsTheOldestSamplesBeyondItsCapacity() {
        HeartbeatHistory h = new HeartbeatHistory(3);
        h.add(100);
        h.add(110);
        h.add(90);
        assertThat(h.mean()).isCloseTo(100.0, within(0.00001));
        assertThat(h.variance()).isCloseTo(66.6666667, within(0.00001));

        h.add(140);
        assertThat(h.size()).isEqualTo(3);
        assertThat(h.mean()).isCloseTo(113.333333, within(0.00001));
        assertThat(h.variance()).isCloseTo(422.222222, within(0.00001));

        h.add(80);
        assertThat(h.mean()).isCloseTo(103.333333, within(0.00001));
        assertThat(h.variance()).isCloseTo(688.88888889, within(0.00001));
    }

    @Test
    void historyGrowsLazilyAndKeepsOrderWhenGrowingAfterWrapping() {
        HeartbeatHistory h = new HeartbeatHistory(100);
        for (int i = 1; i <= 250; i++) {
            h.add(i);
        }
        assertThat(h.size()).isEqualTo(100);
        assertThat(h.mean()).isEqualTo(200.5); // mean of 151..250

        HeartbeatHistory big = new HeartbeatHistory(Integer.MAX_VALUE); // must not allocate up front
        big.add(5);
        assertThat(big.size()).isEqualTo(1);
        assertThat(big.mean()).isEqualTo(5.0);
    }

    @Test
    void historyClampsHugeIntervalsInsteadOfOverflowing() {
        HeartbeatHistory h = new HeartbeatHistory(1000);
        for (int i = 0; i < 1000; i++) {
            h.add(Long.MAX_VALUE);
        }
        assertThat(h.mean()).isPositive().isFinite();
        assertThat(h.variance()).isGreaterThanOrEqualTo(0.0).isFinite();
        h.add(-5); // a negative interval (buggy ticker) is recorded as 0
        assertThat(h.mean()).isPositive();
    }

    // ---------------------------------------------------------------------------------------------------- builder

    @Test
    void builderDefaultsArePekkos() {
        PhiAccrualFailureDetector fd = PhiAccrualFailureDetector.builder().build();
        assertThat(fd.threshold()).isEqualTo(8.0);
        assertThat(fd.maxSampleSize()).isEqualTo(1000);
        assertThat(fd.minStdDeviation()).isEqualTo(Duration.ofMillis(100));
        assertThat(fd.acceptableHeartbeatPause()).isEqualTo(Duration.ofSeconds(3));
        assertThat(fd.firstHeartbeatEstimate()).isEqualTo(Duration.ofSeconds(1));
        assertThat(fd.name()).isEqualTo("phi-accrual");
        assertThat(fd.toString()).contains("phi-accrual");
    }

    @Test
    void builderValidationNamesTheField() {
        PhiAccrualFailureDetector.Builder b = PhiAccrualFailureDetector.builder();
        for (double bad : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> b.threshold(bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("threshold");
        }
        assertThatThrownBy(() -> b.maxSampleSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSampleSize");
        assertThatThrownBy(() -> b.minStdDeviation(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minStdDeviation");
        assertThatThrownBy(() -> b.minStdDeviation(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minStdDeviation");
        assertThatThrownBy(() -> b.acceptableHeartbeatPause(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acceptableHeartbeatPause");
        assertThatThrownBy(() -> b.firstHeartbeatEstimate(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("firstHeartbeatEstimate");
        assertThatThrownBy(() -> b.firstHeartbeatEstimate(Duration.ofNanos(500_000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("firstHeartbeatEstimate");
        assertThatThrownBy(() -> b.minStdDeviation(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("minStdDeviation");
        assertThatThrownBy(() -> b.ticker(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("ticker");

        // Zero pause and the smallest values are accepted; a rejected call changed nothing.
        PhiAccrualFailureDetector fd = b.acceptableHeartbeatPause(Duration.ZERO).maxSampleSize(1)
                .minStdDeviation(Duration.ofNanos(1)).firstHeartbeatEstimate(Duration.ofMillis(1)).build();
        assertThat(fd.threshold()).isEqualTo(8.0);
        assertThat(fd.acceptableHeartbeatPause()).isZero();
    }

    @Test
    void extremeDurationsDoNotOverflow() {
        PhiAccrualFailureDetector fd = PhiAccrualFailureDetector.builder()
                .acceptableHeartbeatPause(Duration.ofSeconds(Long.MAX_VALUE))
                .firstHeartbeatEstimate(Duration.ofSeconds(Long.MAX_VALUE))
                .ticker(ticker)
                .build();
        fd.heartbeat();
        ticker.advance(Duration.ofDays(365));
        assertThat(fd.phi()).isNotNaN().isGreaterThanOrEqualTo(0.0);
        assertThat(fd.isAvailable()).isTrue();
        fd.heartbeat();
        assertThat(fd.historyMean()).isPositive().isFinite();
    }

    // ------------------------------------------------------------------------------------------------ concurrency

    @Test
    void concurrentHeartbeatsFromFourThreadsKeepTheHistoryConsistent() throws Exception {
        AtomicLong clock = new AtomicLong(5_000_000_000L);
        ThreadLocal<Boolean> writer = ThreadLocal.withInitial(() -> false);
        // Each read by a writer advances the clock by exactly 1 ms (reads by the querying thread do not), so every
        // interval is 1 ms and the recorded intervals must add up to the time between the first and last heartbeat.
        PhiAccrualFailureDetector fd = PhiAccrualFailureDetector.builder()
                .maxSampleSize(100_000)
                .ticker(() -> writer.get() ? clock.getAndAdd(1_000_000L) : clock.get())
                .build();
        int threads = 4;
        int perThread = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean done = new AtomicBoolean();
        try {
            Future<Integer> reader = pool.submit(() -> {
                start.await();
                int bad = 0;
                while (!done.get()) {
                    double phi = fd.phi();
                    if (Double.isNaN(phi) || phi < 0.0) {
                        bad++;
                    }
                }
                return bad;
            });
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                writers.add(pool.submit(() -> {
                    writer.set(true);
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        fd.heartbeat();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            done.set(true);
            assertThat(reader.get(60, TimeUnit.SECONDS)).isZero();
        } finally {
            pool.shutdownNow();
        }

        int heartbeats = threads * perThread;
        // 2 seed samples plus one interval per heartbeat after the first (all were available).
        assertThat(fd.historySize()).isEqualTo(2 + heartbeats - 1);
        double sumMillis = fd.historyMean() * fd.historySize();
        long firstHeartbeatNanos = 5_000_000_000L; // the first reading of the clock went to the first heartbeat
        long spanMillis = (fd.lastHeartbeatNanos() - firstHeartbeatNanos) / 1_000_000L;
        assertThat(spanMillis).isEqualTo(heartbeats - 1);
        assertThat(sumMillis).isCloseTo(2000.0 + spanMillis, within(0.5));
        assertThat(fd.isMonitoring()).isTrue();
    }
}
