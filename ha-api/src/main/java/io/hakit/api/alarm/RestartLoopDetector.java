package io.hakit.api.alarm;

import io.hakit.api.Ticker;

import java.time.Duration;
import java.util.Objects;

/**
 * Detects a fail-and-restart loop and drives the {@link AlarmType#RESTART_LOOP} alarm: one or two restarts are
 * normal operations, many in a short time are not.
 *
 * <p>Call {@link #recordRestart(String)} each time the watched service restarts. When <em>more than</em>
 * {@code maxRestarts} restarts (default 3) fall within the sliding {@code window} (default 5 minutes), the alarm
 * is raised on the registry for the source given at construction: with the defaults the 4th restart within five
 * minutes raises it, and restarts spread out so that at most 3 fall in any five minutes never do. While the loop
 * lasts, each further restart raises the alarm again (its count grows; the detail names the latest restart).
 *
 * <p>The alarm clears after a quiet period (default: equal to the window) without any restart. The quiet period
 * is checked on every {@link #recordRestart(String)} and {@link #evaluate()} call, and the detector registers
 * itself with the registry so that {@link AlarmRegistry#evaluate()} (and thus {@link AlarmRegistry#start}) checks it
 * too; {@link #close()} unregisters it.
 *
 * <p>Memory is bounded: only the {@code maxRestarts + 1} most recent restart times are kept.
 *
 * <p><b>Threading.</b> Thread-safe. Methods take a short private lock, and the registry's events are delivered
 * after it is released.
 */
public final class RestartLoopDetector implements AutoCloseable {

    /** Default {@link Builder#maxRestarts(int) maxRestarts}: 3. */
    public static final int DEFAULT_MAX_RESTARTS = 3;
    /** Default {@link Builder#window(Duration) window}: 5 minutes. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(5);

    private final AlarmRegistry registry;
    private final String source;
    private final int maxRestarts;
    private final Duration window;
    private final Duration quietPeriod;
    private final long quietPeriodNanos;
    private final Ticker ticker;
    private final Runnable evaluationHook = this::evaluate;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final SlidingWindowCounter restarts;
    /** Guarded by {@link #lock}: whether this detector has raised the alarm and not cleared it since. */
    private boolean looping;
    /** Guarded by {@link #lock}. */
    private long lastRestartNanos;

    private RestartLoopDetector(Builder b) {
        this.registry = b.registry;
        this.source = b.source;
        this.maxRestarts = b.maxRestarts;
        this.window = b.window;
        this.quietPeriod = b.quietPeriod != null ? b.quietPeriod : b.window;
        long quietNanos;
        try {
            quietNanos = quietPeriod.toNanos();
        } catch (ArithmeticException tooLong) {
            quietNanos = Long.MAX_VALUE;
        }
        this.quietPeriodNanos = quietNanos;
        this.ticker = b.ticker != null ? b.ticker : b.registry.ticker();
        this.restarts = SlidingWindowCounter.create(b.window, b.maxRestarts + 1, ticker);
    }

    /**
     * Returns a builder for a detector that raises {@link AlarmType#RESTART_LOOP} for {@code source} on
     * {@code registry}.
     *
     * @param registry the registry to raise and clear the alarm on
     * @param source   the alarm's source, for example the service or node name; not blank
     * @return a new builder with the default settings
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code source} is blank
     */
    public static Builder builder(AlarmRegistry registry, String source) {
        return new Builder(Objects.requireNonNull(registry, "registry"), Alarm.checkSource(source));
    }

    /**
     * Records one restart now, then raises the alarm if more than {@code maxRestarts} restarts fall within the
     * window. If a loop was active and the quiet period had passed since the previous restart, the alarm is cleared
     * first (and may be raised again at once if the window still holds enough restarts).
     *
     * @param detail what happened, for example the exit cause; shown in the alarm's detail. May be empty.
     * @return whether the alarm is raised after this restart
     * @throws NullPointerException if {@code detail} is null
     */
    public boolean recordRestart(String detail) {
        Objects.requireNonNull(detail, "detail");
        boolean result;
        synchronized (lock) {
            long now = ticker.read();
            clearIfQuietLocked(now);
            int inWindow = restarts.recordAt(now);
            lastRestartNanos = now;
            if (inWindow > maxRestarts) {
                looping = true;
                registry.raiseWithoutDispatch(AlarmType.RESTART_LOOP, source, "more than " + maxRestarts
                        + " restarts within " + window + "; latest: " + detail);
            }
            result = looping;
        }
        registry.dispatch();
        return result;
    }

    /**
     * Clears the alarm if a loop was active and the quiet period has passed since the last restart. Called by
     * {@link AlarmRegistry#evaluate()}; may also be called directly.
     *
     * @return whether the alarm is still raised
     */
    public boolean evaluate() {
        boolean result;
        synchronized (lock) {
            clearIfQuietLocked(ticker.read());
            result = looping;
        }
        registry.dispatch();
        return result;
    }

    private void clearIfQuietLocked(long now) {
        if (looping && now - lastRestartNanos >= quietPeriodNanos) {
            looping = false;
            registry.clearWithoutDispatch(AlarmType.RESTART_LOOP, source);
        }
    }

    /**
     * Returns the number of restarts in the window now, at most {@code maxRestarts + 1}.
     *
     * @return the restarts in the window
     */
    public int restartsInWindow() {
        synchronized (lock) {
            return restarts.count();
        }
    }

    /**
     * Returns whether this detector currently holds the alarm raised (without checking the quiet period; see
     * {@link #evaluate()}).
     *
     * @return whether the alarm is raised by this detector
     */
    public boolean isLooping() {
        synchronized (lock) {
            return looping;
        }
    }

    /**
     * The alarm source.
     *
     * @return the source, not blank
     */
    public String source() {
        return source;
    }

    /**
     * The number of restarts within the window that is still tolerated.
     *
     * @return the tolerated restarts, at least 1 (default {@value #DEFAULT_MAX_RESTARTS})
     */
    public int maxRestarts() {
        return maxRestarts;
    }

    /**
     * The sliding window restarts are counted in.
     *
     * @return the window, positive (default 5 minutes)
     */
    public Duration window() {
        return window;
    }

    /**
     * How long without restarts clears the alarm.
     *
     * @return the quiet period, positive (default: the window)
     */
    public Duration quietPeriod() {
        return quietPeriod;
    }

    /**
     * Stops the registry's evaluations from checking this detector. The alarm, if raised, is left as it is.
     * Idempotent.
     */
    @Override
    public void close() {
        registry.removeEvaluationHook(evaluationHook);
    }

    @Override
    public String toString() {
        return "RestartLoopDetector{source=" + source + ", maxRestarts=" + maxRestarts + ", window=" + window
                + ", quietPeriod=" + quietPeriod + ", looping=" + isLooping() + '}';
    }

    /**
     * Builds a {@link RestartLoopDetector}. Setters validate at once and name the parameter in the exception
     * message. Not thread-safe.
     */
    public static final class Builder {

        private final AlarmRegistry registry;
        private final String source;
        private int maxRestarts = DEFAULT_MAX_RESTARTS;
        private Duration window = DEFAULT_WINDOW;
        private Duration quietPeriod;
        private Ticker ticker;

        private Builder(AlarmRegistry registry, String source) {
            this.registry = registry;
            this.source = source;
        }

        /**
         * The number of restarts within the window that is still tolerated; one more raises the alarm.
         * Default 3 (the 4th restart within the window raises).
         *
         * <p>Hazard: 1 or 2 make ordinary maintenance (a deploy, a failover and back) look like a loop.
         *
         * @param maxRestarts the tolerated restarts, from 1 to {@code Integer.MAX_VALUE - 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code maxRestarts < 1} or is {@link Integer#MAX_VALUE}
         */
        public Builder maxRestarts(int maxRestarts) {
            if (maxRestarts < 1 || maxRestarts == Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "maxRestarts must be >= 1 and < Integer.MAX_VALUE, was " + maxRestarts);
            }
            this.maxRestarts = maxRestarts;
            return this;
        }

        /**
         * The sliding window restarts are counted in. Default 5 minutes.
         *
         * @param window the window, positive
         * @return this builder
         * @throws NullPointerException     if {@code window} is null
         * @throws IllegalArgumentException if {@code window} is not positive
         */
        public Builder window(Duration window) {
            this.window = requirePositive(window, "window");
            return this;
        }

        /**
         * How long without any restart clears the alarm. Default: the window (whatever it is set to at
         * {@link #build()}).
         *
         * <p>Hazard: a period much shorter than the restart interval of a slow loop clears and re-raises the alarm
         * on every restart.
         *
         * @param quietPeriod the quiet period, positive
         * @return this builder
         * @throws NullPointerException     if {@code quietPeriod} is null
         * @throws IllegalArgumentException if {@code quietPeriod} is not positive
         */
        public Builder quietPeriod(Duration quietPeriod) {
            this.quietPeriod = requirePositive(quietPeriod, "quietPeriod");
            return this;
        }

        /**
         * The time source. Default: the registry's ticker.
         *
         * @param ticker the time source restarts are measured with
         * @return this builder
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Returns a new detector, registered with the registry's {@link AlarmRegistry#evaluate()}. Each call returns
         * another detector; give each its own source.
         *
         * @return the new detector, with no restarts recorded
         */
        public RestartLoopDetector build() {
            RestartLoopDetector detector = new RestartLoopDetector(this);
            registry.addEvaluationHook(detector.evaluationHook);
            return detector;
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
