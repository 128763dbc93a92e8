package io.hakit.api.detect;

import io.hakit.api.Ticker;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A failure detector with a fixed deadline: the resource is suspected once {@code timeout} has elapsed since the
 * last heartbeat, whatever the usual heartbeat interval is.
 *
 * <p>Precisely, with {@code elapsed = ticker.read() - lastHeartbeatNanos()}: the resource is available while
 * {@code elapsed < timeout} and suspected from {@code elapsed >= timeout} on (the same boundary as Netty's
 * {@code IdleStateHandler}). {@link #phi()} is {@code 0.0} while available and {@link Double#POSITIVE_INFINITY}
 * once suspected.
 *
 * <p><b>Before the first heartbeat</b> the detector is not monitoring and reports the resource as
 * <em>available</em> (like Pekko's detectors): a peer that never sent a heartbeat is never suspected by this class.
 * Apply a separate connect timeout if that matters.
 *
 * <p>Use this detector where an operator-facing, predictable deadline matters more than adapting to the network,
 * for example "heartbeat between active and standby interrupted after 30 s". The hazard of a fixed timeout is the
 * usual one: too short and a GC pause or a slow link causes a false suspicion; too long and a real crash is noticed
 * late. {@link PhiAccrualFailureDetector} adapts to the observed intervals instead.
 *
 * <p><b>Threading.</b> Thread-safe and lock-free: the state is one immutable object swapped with a compare-and-set.
 * Concurrent {@link #heartbeat()} calls never move the recorded heartbeat time backwards.
 */
public final class FixedTimeoutFailureDetector implements FailureDetector {

    /** Immutable state: the ticker reading of the last heartbeat. {@code null} in {@link #state} = not monitoring. */
    private static final class State {
        final long timestampNanos;

        State(long timestampNanos) {
            this.timestampNanos = timestampNanos;
        }
    }

    private final Duration timeout;
    private final long timeoutNanos;
    private final Ticker ticker;
    private final AtomicReference<State> state = new AtomicReference<>();

    private FixedTimeoutFailureDetector(Duration timeout, Ticker ticker) {
        this.timeout = timeout;
        this.timeoutNanos = saturatedNanos(timeout);
        this.ticker = ticker;
    }

    /**
     * Creates a detector that suspects the resource once {@code timeout} has elapsed since the last heartbeat.
     *
     * @param timeout how long a silence is tolerated; must be positive. Durations too long to express in
     *                nanoseconds (about 292 years) are treated as "never suspect".
     * @param ticker  the time source, for example {@link Ticker#system()}; tests pass a manual ticker
     * @return a new detector, not monitoring yet
     * @throws NullPointerException     if {@code timeout} or {@code ticker} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static FixedTimeoutFailureDetector create(Duration timeout, Ticker ticker) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(ticker, "ticker");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        return new FixedTimeoutFailureDetector(timeout, ticker);
    }

    @Override
    public void heartbeat() {
        while (true) {
            // Read the state before the ticker: if the CAS succeeds, no heartbeat was recorded in between, and the
            // one we replace was read from the ticker before our read, so time never goes backwards.
            State old = state.get();
            State next = new State(ticker.read());
            if (state.compareAndSet(old, next)) {
                return;
            }
        }
    }

    @Override
    public boolean isAvailable() {
        State s = state.get();
        return s == null || ticker.read() - s.timestampNanos < timeoutNanos;
    }

    /** Returns {@code 0.0} while available (including before the first heartbeat), else {@code +Infinity}. */
    @Override
    public double phi() {
        return isAvailable() ? 0.0 : Double.POSITIVE_INFINITY;
    }

    @Override
    public boolean isMonitoring() {
        return state.get() != null;
    }

    @Override
    public long lastHeartbeatNanos() {
        State s = state.get();
        return s == null ? Long.MIN_VALUE : s.timestampNanos;
    }

    /**
     * The timeout given at construction.
     *
     * @return the silence after which the resource is suspected
     */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return "FixedTimeoutFailureDetector{timeout=" + timeout + ", monitoring=" + isMonitoring()
                + ", available=" + isAvailable() + '}';
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
