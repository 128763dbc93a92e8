package io.hakit.keepalive;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.hakit.keepalive.internal.proto.Ack;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The clock offset to the peer ({@link ClockOffset}) from the answers to this node's heartbeats: each answer's
 * wall-clock time against this node's wall clock when it arrived and the round trip, the least delayed of the last
 * {@value #SAMPLES} reported (of equally delayed ones, the latest). Thread-safe: answers arrive on the I/O thread,
 * readers are anywhere.
 */
final class ClockOffsetFilter {

    /** How many answers are kept; the one with the shortest round trip is reported. */
    static final int SAMPLES = 8;
    /** A wall-clock time the peer sends before this (2000-01-01T00:00:00Z, in µs) cannot be right. */
    static final long EARLIEST_MICROS = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond() * 1_000_000;
    /** Nor one from this on (2200-01-01T00:00:00Z, in µs). */
    static final long LATEST_MICROS = Instant.parse("2200-01-01T00:00:00Z").getEpochSecond() * 1_000_000;

    private record Sample(long offsetNanos, long rttNanos) {
    }

    @GuardedBy("this")
    private final Deque<Sample> samples = new ArrayDeque<>();
    @GuardedBy("this")
    private ClockOffset current = ClockOffset.unknown(ClockOffset.NOT_MEASURED);

    /**
     * One answer to a heartbeat.
     *
     * @param ack      the answer
     * @param rttNanos its round trip on this node's monotonic clock
     * @param arrived  this node's wall-clock time when it arrived
     */
    synchronized void answered(Ack ack, long rttNanos, Instant arrived) {
        if (!ack.hasWallTimeMicros()) {
            forget(ClockOffset.PEER_SENDS_NO_TIME);
            return;
        }
        long peerMicros = ack.getWallTimeMicros();
        Long offset = offsetNanos(peerMicros, rttNanos, arrived);
        if (offset == null) {
            forget(ClockOffset.IMPLAUSIBLE + " (" + describe(peerMicros) + " after a round trip of " + rttNanos
                    + " ns; this node's clock read " + arrived + ")");
            return;
        }
        if (samples.size() == SAMPLES) {
            samples.removeFirst();
        }
        samples.addLast(new Sample(offset, rttNanos));
        Sample best = null;
        for (Sample x : samples) {
            if (best == null || x.rttNanos() <= best.rttNanos()) {
                best = x; // of equally delayed samples, the latest
            }
        }
        current = ClockOffset.known(Duration.ofNanos(best.offsetNanos()), Duration.ofNanos(best.rttNanos() / 2));
    }

    /** The samples are gone (no connection is up, or the peer stopped sending its time): unknown, for {@code why}. */
    synchronized void forget(String why) {
        samples.clear();
        current = ClockOffset.unknown(why);
    }

    synchronized ClockOffset current() {
        return current;
    }

    /**
     * The peer's clock minus this node's, NTP-style: {@code peer - (arrived - rtt / 2)}, i.e. the peer's time against
     * this node's at the middle of the round trip (the send time plus half the round trip).
     *
     * @return the offset in ns, or null when the peer's time or the round trip cannot be right (a time before 2000
     *     or from 2200 on, a negative round trip, or an offset that does not fit)
     */
    static Long offsetNanos(long peerMicros, long rttNanos, Instant arrived) {
        if (peerMicros < EARLIEST_MICROS || peerMicros >= LATEST_MICROS || rttNanos < 0) {
            return null;
        }
        try {
            long localMicros = ChronoUnit.MICROS.between(Instant.EPOCH, arrived);
            return Math.addExact(Math.multiplyExact(Math.subtractExact(peerMicros, localMicros), 1000L), rttNanos / 2);
        } catch (ArithmeticException e) {
            return null;
        }
    }

    /** An instant in µs as an ISO time where it is one, else the number. */
    private static String describe(long micros) {
        try {
            return Instant.EPOCH.plus(micros, ChronoUnit.MICROS).toString();
        } catch (java.time.DateTimeException | ArithmeticException e) {
            return micros + " µs since 1970";
        }
    }

    /** This node's wall-clock time as the wire carries it: µs since 1970-01-01T00:00:00Z. */
    static long micros(Instant now) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, now);
    }
}
