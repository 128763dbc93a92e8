/**
 * Failure detection from heartbeat arrival times.
 *
 * <p>A {@link io.hakit.api.detect.FailureDetector} watches one resource: the owner reports each heartbeat that
 * arrives and asks whether the resource is still available. Two detectors are provided:
 * <ul>
 *   <li>{@link io.hakit.api.detect.FixedTimeoutFailureDetector}: suspects after a fixed silence, for
 *       operator-facing deadlines ("heartbeat interrupted after 30 s");</li>
 *   <li>{@link io.hakit.api.detect.PhiAccrualFailureDetector}: a port of Pekko's phi accrual detector, which
 *       adapts to the observed heartbeat intervals.</li>
 * </ul>
 * {@link io.hakit.api.detect.HeartbeatMonitor} keeps one detector per peer id, with a bound on the number of peers.
 *
 * <p>All time is read from an injected {@link io.hakit.api.Ticker} and measured from what this process observed;
 * a remote timestamp is never compared with the local clock. All classes are thread-safe and queries never block.
 */
package io.hakit.api.detect;
