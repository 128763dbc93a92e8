package io.hakit.api.detect;

import io.hakit.api.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The phi accrual failure detector of Hayashibara et al. ("The phi accrual failure detector", 2004), a port of
 * Apache Pekko's (and Akka's) {@code PhiAccrualFailureDetector} with the same parameters, defaults and formulas.
 *
 * <p>Instead of a yes/no deadline it computes a suspicion level phi that grows with the silence since the last
 * heartbeat, on a scale fitted to the heartbeat intervals observed so far:
 * <pre>
 *   phi = -log10(1 - F(timeSinceLastHeartbeat))
 * </pre>
 * where F is the cumulative distribution function of a normal distribution whose mean is the mean observed
 * interval plus {@code acceptableHeartbeatPause} and whose standard deviation is the observed one, but at least
 * {@code minStdDeviation}. F is evaluated with the logistic approximation Pekko uses (error below 0.00014):
 * <pre>
 *   y = (timeDiff - mean) / stdDeviation
 *   e = exp(-y * (1.5976 + 0.070566 * y * y))
 *   phi = timeDiff &gt; mean ? -log10(e / (1 + e)) : -log10(1 - 1 / (1 + e))
 * </pre>
 * The resource is available while {@code phi < threshold}. A phi of 1 means about a 10% chance that suspecting now
 * is a mistake, 2 about 1%, 8 (the default threshold) about 1e-8.
 *
 * <p><b>History.</b> The statistics hold the most recent {@code maxSampleSize} inter-arrival intervals in whole
 * milliseconds. On the first heartbeat they are seeded with two intervals,
 * {@code firstHeartbeatEstimate -/+ firstHeartbeatEstimate/4}, so that a resource that sent a single heartbeat
 * still becomes suspected. An interval is added only when the resource was still available at the moment the
 * heartbeat arrived: the first heartbeat after a suspected pause is not recorded, so one long outage does not
 * inflate the statistics (Pekko's rule).
 *
 * <p>With the defaults and regular heartbeats every second, phi stays near 0 for about 3.5 s of silence (mean 1 s
 * plus the 3 s acceptable pause) and crosses 8 at roughly 4.5 s; with 10 s of silence it is {@code +Infinity}.
 *
 * <p><b>Threading.</b> Thread-safe. Queries ({@link #phi()}, {@link #isAvailable()}, ...) are lock-free: they read
 * one immutable state object (the last heartbeat time and the derived mean and standard deviation) from a volatile
 * field. {@link #heartbeat()} serialises writers on a private lock, updates the history in O(1) and publishes a new
 * state object; the only allocation per heartbeat is that small object. (Pekko swaps an immutable history with a
 * compare-and-set; this port keeps the history mutable behind the writer lock so a heartbeat does not copy up to
 * {@code maxSampleSize} samples. The observable behaviour is the same.)
 *
 * <p>Build with {@link #builder()}:
 * <pre>{@code
 * FailureDetector fd = PhiAccrualFailureDetector.builder()
 *         .acceptableHeartbeatPause(Duration.ofSeconds(5))
 *         .ticker(Ticker.system())
 *         .build();
 * }</pre>
 */
public final class PhiAccrualFailureDetector implements FailureDetector {

    /** Default {@link Builder#threshold(double) threshold}: 8.0. */
    public static final double DEFAULT_THRESHOLD = 8.0;
    /** Default {@link Builder#maxSampleSize(int) maxSampleSize}: 1000. */
    public static final int DEFAULT_MAX_SAMPLE_SIZE = 1000;
    /** Default {@link Builder#minStdDeviation(Duration) minStdDeviation}: 100 ms. */
    public static final Duration DEFAULT_MIN_STD_DEVIATION = Duration.ofMillis(100);
    /** Default {@link Builder#acceptableHeartbeatPause(Duration) acceptableHeartbeatPause}: 3 s. */
    public static final Duration DEFAULT_ACCEPTABLE_HEARTBEAT_PAUSE = Duration.ofSeconds(3);
    /** Default {@link Builder#firstHeartbeatEstimate(Duration) firstHeartbeatEstimate}: 1 s. */
    public static final Duration DEFAULT_FIRST_HEARTBEAT_ESTIMATE = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(PhiAccrualFailureDetector.class);

    /**
     * Everything a query needs, immutable. {@code mean} already includes the acceptable pause and
     * {@code stdDeviation} is already at least the minimum, both in milliseconds.
     */
    private static final class State {
        static final State NOT_MONITORING = new State(false, Long.MIN_VALUE, 0.0, 0.0);

        final boolean monitoring;
        final long timestampNanos;
        final double mean;
        final double stdDeviation;

        State(boolean monitoring, long timestampNanos, double mean, double stdDeviation) {
            this.monitoring = monitoring;
            this.timestampNanos = timestampNanos;
            this.mean = mean;
            this.stdDeviation = stdDeviation;
        }
    }

    private final String name;
    private final double threshold;
    private final int maxSampleSize;
    private final Duration minStdDeviation;
    private final Duration acceptableHeartbeatPause;
    private final Duration firstHeartbeatEstimate;
    private final double minStdDeviationMillis;
    private final long acceptableHeartbeatPauseMillis;
    private final long firstHeartbeatEstimateMillis;
    private final Ticker ticker;

    private final Object writeLock = new Object();
    /** Guarded by {@link #writeLock}. */
    private final HeartbeatHistory history;
    /** Written only while holding {@link #writeLock}; read without it. */
    private volatile State state = State.NOT_MONITORING;

    private PhiAccrualFailureDetector(Builder b) {
        this.name = b.name;
        this.threshold = b.threshold;
        this.maxSampleSize = b.maxSampleSize;
        this.minStdDeviation = b.minStdDeviation;
        this.acceptableHeartbeatPause = b.acceptableHeartbeatPause;
        this.firstHeartbeatEstimate = b.firstHeartbeatEstimate;
        this.minStdDeviationMillis = toMillisDouble(b.minStdDeviation);
        this.acceptableHeartbeatPauseMillis = saturatedMillis(b.acceptableHeartbeatPause);
        // Capped so that estimate + estimate/4 cannot overflow; the history caps samples far below this anyway.
        this.firstHeartbeatEstimateMillis = Math.min(saturatedMillis(b.firstHeartbeatEstimate), Long.MAX_VALUE / 2);
        this.ticker = b.ticker;
        this.history = new HeartbeatHistory(b.maxSampleSize);
    }

    /**
     * Returns a builder with every parameter at its default and the system ticker.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void heartbeat() {
        long loggedInterval = -1L;
        synchronized (writeLock) {
            long now = ticker.read();
            State old = state;
            if (!old.monitoring) {
                // A new resource: start from the bootstrap estimate.
                seedHistory();
            } else {
                long intervalMillis = TimeUnit.NANOSECONDS.toMillis(Math.max(0L, now - old.timestampNanos));
                // Do not use the first heartbeat after a suspected pause: a long pause would skew the statistics.
                if (phi(old, now) < threshold) {
                    if (acceptableHeartbeatPauseMillis > 0
                            && intervalMillis >= acceptableHeartbeatPauseMillis / 3 * 2) {
                        loggedInterval = intervalMillis;
                    }
                    history.add(intervalMillis);
                }
            }
            state = new State(true, now, history.mean() + acceptableHeartbeatPauseMillis,
                    Math.max(history.stdDeviation(), minStdDeviationMillis));
        }
        if (loggedInterval >= 0 && LOG.isWarnEnabled()) {
            LOG.warn("Heartbeat interval of {} is growing too large: {} ms (acceptableHeartbeatPause {} ms)",
                    name, loggedInterval, acceptableHeartbeatPauseMillis);
        }
    }

    private void seedHistory() {
        // Bootstrap with two entries with a rather high standard deviation (the environment is unknown yet), so a
        // resource that sends only one heartbeat still becomes suspected. Integer arithmetic as in Pekko.
        long mean = firstHeartbeatEstimateMillis;
        long stdDeviation = mean / 4;
        history.clear();
        history.add(mean - stdDeviation);
        history.add(mean + stdDeviation);
    }

    /** Returns {@code phi() < threshold}; {@code true} while not monitoring. */
    @Override
    public boolean isAvailable() {
        return phi() < threshold;
    }

    /**
     * Returns the current phi (see the class documentation); {@code 0.0} while not monitoring, possibly
     * {@code +Infinity} after a long silence, never negative or NaN.
     */
    @Override
    public double phi() {
        State s = state; // read the state before the ticker, so the time difference is never negative
        if (!s.monitoring) {
            return 0.0;
        }
        return phi(s, ticker.read());
    }

    private static double phi(State s, long nowNanos) {
        if (!s.monitoring) {
            return 0.0;
        }
        double timeDiffMillis = (nowNanos - s.timestampNanos) / 1_000_000.0;
        return phi(timeDiffMillis, s.mean, s.stdDeviation);
    }

    /**
     * Pekko's logistic approximation of {@code -log10(1 - CDF(timeDiff))} for the normal distribution
     * {@code N(mean, stdDeviation)}. Returns {@code +0.0} rather than {@code -0.0} far below the mean.
     */
    static double phi(double timeDiff, double mean, double stdDeviation) {
        double y = (timeDiff - mean) / stdDeviation;
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        double phi = timeDiff > mean
                ? -Math.log10(e / (1.0 + e))
                : -Math.log10(1.0 - 1.0 / (1.0 + e));
        return phi + 0.0; // turns -0.0 into 0.0
    }

    @Override
    public boolean isMonitoring() {
        return state.monitoring;
    }

    @Override
    public long lastHeartbeatNanos() {
        State s = state;
        return s.monitoring ? s.timestampNanos : Long.MIN_VALUE;
    }

    /**
     * The name used in log messages.
     *
     * @return the name given to the builder ({@code "phi-accrual"} by default)
     */
    public String name() {
        return name;
    }

    /**
     * The phi at or above which the resource is suspected.
     *
     * @return the phi threshold, positive and finite (default 8.0)
     */
    public double threshold() {
        return threshold;
    }

    /**
     * The number of most recent intervals kept for the statistics.
     *
     * @return the number of intervals kept, at least 1 (default 1000)
     */
    public int maxSampleSize() {
        return maxSampleSize;
    }

    /**
     * The lower bound of the standard deviation used in the phi calculation.
     *
     * @return the standard deviation floor, positive (default 100 ms)
     */
    public Duration minStdDeviation() {
        return minStdDeviation;
    }

    /**
     * The pause added to the mean interval before phi starts to grow.
     *
     * @return the accepted pause, zero or more (default 3 s)
     */
    public Duration acceptableHeartbeatPause() {
        return acceptableHeartbeatPause;
    }

    /**
     * The interval the statistics are seeded with at the first heartbeat.
     *
     * @return the seed interval, at least 1 ms (default 1 s)
     */
    public Duration firstHeartbeatEstimate() {
        return firstHeartbeatEstimate;
    }

    /** Number of intervals in the history (for tests). */
    int historySize() {
        synchronized (writeLock) {
            return history.size();
        }
    }

    /** Mean of the history in ms, without the acceptable pause (for tests); NaN before the first heartbeat. */
    double historyMean() {
        synchronized (writeLock) {
            return history.mean();
        }
    }

    /** Standard deviation of the history in ms, before the minimum is applied (for tests). */
    double historyStdDeviation() {
        synchronized (writeLock) {
            return history.stdDeviation();
        }
    }

    @Override
    public String toString() {
        return "PhiAccrualFailureDetector{name=" + name + ", threshold=" + threshold + ", phi=" + phi()
                + ", monitoring=" + isMonitoring() + '}';
    }

    private static long saturatedMillis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    private static double toMillisDouble(Duration d) {
        return d.getSeconds() * 1000.0 + d.getNano() / 1_000_000.0;
    }

    /**
     * Builds {@link PhiAccrualFailureDetector}s. Every setter validates its argument at once and names the
     * parameter in the exception message; {@link #build()} may be called many times (for example one detector per
     * peer) and each call returns a new, independent detector.
     *
     * <p>Not thread-safe; detectors it builds are.
     */
    public static final class Builder {

        private String name = "phi-accrual";
        private double threshold = DEFAULT_THRESHOLD;
        private int maxSampleSize = DEFAULT_MAX_SAMPLE_SIZE;
        private Duration minStdDeviation = DEFAULT_MIN_STD_DEVIATION;
        private Duration acceptableHeartbeatPause = DEFAULT_ACCEPTABLE_HEARTBEAT_PAUSE;
        private Duration firstHeartbeatEstimate = DEFAULT_FIRST_HEARTBEAT_ESTIMATE;
        private Ticker ticker = Ticker.system();

        private Builder() {
        }

        /**
         * The phi at or above which the resource is suspected. Default 8.0.
         *
         * <p>Hazard: a low threshold detects a real crash quickly but produces many false suspicions; a high one
         * makes fewer mistakes but needs longer to detect a crash. Each +1 is roughly ten times fewer mistakes.
         *
         * @param threshold the suspicion threshold, positive and finite
         * @return this builder
         * @throws IllegalArgumentException if {@code threshold} is not a positive finite number
         */
        public Builder threshold(double threshold) {
            if (!(threshold > 0.0) || Double.isInfinite(threshold)) {
                throw new IllegalArgumentException("threshold must be a positive finite number, was " + threshold);
            }
            this.threshold = threshold;
            return this;
        }

        /**
         * How many of the most recent heartbeat intervals the mean and standard deviation are computed from.
         * Default 1000. Memory grows with the samples actually seen, up to 8 bytes per sample.
         *
         * <p>Hazard: a small sample adapts quickly to a changed network but also to a short burst of odd intervals.
         *
         * @param maxSampleSize the number of intervals kept, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maxSampleSize < 1}
         */
        public Builder maxSampleSize(int maxSampleSize) {
            if (maxSampleSize < 1) {
                throw new IllegalArgumentException("maxSampleSize must be >= 1, was " + maxSampleSize);
            }
            this.maxSampleSize = maxSampleSize;
            return this;
        }

        /**
         * The smallest standard deviation used when computing phi. Default 100 ms.
         *
         * <p>Hazard: with perfectly regular heartbeats the observed deviation is near zero, and without this floor
         * a delay of a few milliseconds past {@code mean + acceptableHeartbeatPause} would make phi explode.
         *
         * @param minStdDeviation the floor of the standard deviation, positive
         * @return this builder
         * @throws NullPointerException     if {@code minStdDeviation} is null
         * @throws IllegalArgumentException if {@code minStdDeviation} is zero or negative
         */
        public Builder minStdDeviation(Duration minStdDeviation) {
            this.minStdDeviation = requirePositive(minStdDeviation, "minStdDeviation");
            return this;
        }

        /**
         * A silence that is accepted on top of the mean interval before phi starts to grow, for example lost or
         * delayed heartbeats, a GC pause or a network blip. Default 3 s; zero is allowed.
         *
         * <p>Hazard: this adds directly to the detection time of a real crash; too small and ordinary pauses cause
         * false suspicions. The detector logs a warning when an accepted interval reaches two thirds of it.
         *
         * @param acceptableHeartbeatPause the accepted silence, zero or more
         * @return this builder
         * @throws NullPointerException     if {@code acceptableHeartbeatPause} is null
         * @throws IllegalArgumentException if {@code acceptableHeartbeatPause} is negative
         */
        public Builder acceptableHeartbeatPause(Duration acceptableHeartbeatPause) {
            Objects.requireNonNull(acceptableHeartbeatPause, "acceptableHeartbeatPause");
            if (acceptableHeartbeatPause.isNegative()) {
                throw new IllegalArgumentException(
                        "acceptableHeartbeatPause must be >= 0, was " + acceptableHeartbeatPause);
            }
            this.acceptableHeartbeatPause = acceptableHeartbeatPause;
            return this;
        }

        /**
         * The expected heartbeat interval, used to seed the statistics at the first heartbeat (two samples,
         * {@code estimate -/+ estimate/4}) so that a resource that sends only one heartbeat still becomes
         * suspected. Default 1 s; set it to the interval the peer actually sends at. Whole milliseconds are used.
         *
         * @param firstHeartbeatEstimate the expected heartbeat interval, at least 1 ms
         * @return this builder
         * @throws NullPointerException     if {@code firstHeartbeatEstimate} is null
         * @throws IllegalArgumentException if {@code firstHeartbeatEstimate} is shorter than 1 ms
         */
        public Builder firstHeartbeatEstimate(Duration firstHeartbeatEstimate) {
            requirePositive(firstHeartbeatEstimate, "firstHeartbeatEstimate");
            if (firstHeartbeatEstimate.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException(
                        "firstHeartbeatEstimate must be at least 1 ms, was " + firstHeartbeatEstimate);
            }
            this.firstHeartbeatEstimate = firstHeartbeatEstimate;
            return this;
        }

        /**
         * The time source. Default {@link Ticker#system()}; tests pass a manual ticker.
         *
         * @param ticker the time source the detector reads
         * @return this builder
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * A name for log messages, such as the peer's id. Default {@code "phi-accrual"}.
         *
         * @param name the name in log messages
         * @return this builder
         * @throws NullPointerException if {@code name} is null
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Returns a new detector with the current settings, not monitoring yet.
         *
         * @return the new detector
         */
        public PhiAccrualFailureDetector build() {
            return new PhiAccrualFailureDetector(this);
        }

        private static Duration requirePositive(Duration d, String field) {
            Objects.requireNonNull(d, field);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, was " + d);
            }
            return d;
        }
    }
}
