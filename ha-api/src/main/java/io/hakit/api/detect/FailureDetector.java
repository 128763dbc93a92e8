package io.hakit.api.detect;

/**
 * Decides, from the arrival times of heartbeats, whether one monitored resource (a peer node, a connection) is
 * still available.
 *
 * <p>A failure detector watches exactly one resource. The owner calls {@link #heartbeat()} each time a heartbeat
 * from that resource arrives, and anyone may ask {@link #isAvailable()} or {@link #phi()} at any time. Time is read
 * from the {@link io.hakit.api.Ticker} the detector was built with, so a detector measures silence as this process
 * observed it and never compares the peer's clock with the local one.
 *
 * <p><b>Before the first heartbeat</b> a detector is <em>not monitoring</em>: {@link #isMonitoring()} is
 * {@code false}, {@link #isAvailable()} is {@code true} and {@link #phi()} is {@code 0.0}. A resource that never
 * sent a single heartbeat is therefore never suspected (this is Pekko's and Akka's convention); if that matters,
 * the owner must apply its own connect timeout.
 *
 * <p><b>Threading.</b> Implementations are thread-safe: heartbeats are typically recorded from an I/O thread while
 * other threads query. Queries never block and never take a lock; recording a heartbeat is cheap. A query reflects
 * every heartbeat whose {@code heartbeat()} call returned before the query started, and the answer can be stale by
 * the time the caller acts on it (a heartbeat may arrive just after).
 *
 * <p>Implementations in HAKit: {@link FixedTimeoutFailureDetector} (a plain deadline) and
 * {@link PhiAccrualFailureDetector} (adapts to the observed heartbeat intervals). {@link HeartbeatMonitor} holds one
 * detector per peer.
 */
public interface FailureDetector {

    /**
     * Records that a heartbeat arrived now (the current reading of the detector's ticker).
     *
     * <p>The first call starts monitoring. Safe to call from any thread, concurrently with queries.
     */
    void heartbeat();

    /**
     * Returns whether the resource is considered available now: {@code true} while not monitoring, and otherwise
     * {@code true} until the silence since the last heartbeat crosses the detector's threshold.
     *
     * @return {@code false} if the resource is suspected
     */
    boolean isAvailable();

    /**
     * Returns the current suspicion level, a non-negative number that grows with the silence since the last
     * heartbeat. {@code 0.0} while not monitoring.
     *
     * <p>For the {@link PhiAccrualFailureDetector} this is the phi value of Hayashibara et al.: a phi of 1 means
     * about a 10% chance that suspecting the resource now is a mistake, 2 about 1%, 3 about 0.1%, and so on. For
     * the {@link FixedTimeoutFailureDetector} it is {@code 0.0} within the timeout and
     * {@link Double#POSITIVE_INFINITY} after it. May be {@code +Infinity}, never negative, never NaN.
     *
     * @return the suspicion level, {@code 0.0} or more
     */
    double phi();

    /**
     * Returns {@code true} once the first heartbeat has been recorded; never goes back to {@code false}.
     *
     * @return whether a heartbeat has been recorded
     */
    boolean isMonitoring();

    /**
     * Returns the ticker reading (nanoseconds) of the most recent heartbeat, or {@link Long#MIN_VALUE} if none has
     * been recorded yet. Only meaningful as a difference with another reading of the same ticker; use
     * {@link #isMonitoring()}, not this sentinel, to tell whether a heartbeat arrived.
     *
     * @return the last heartbeat's ticker reading in nanoseconds, or {@link Long#MIN_VALUE}
     */
    long lastHeartbeatNanos();
}
