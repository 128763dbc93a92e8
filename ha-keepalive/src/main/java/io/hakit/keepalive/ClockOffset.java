package io.hakit.keepalive;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How far the peer's wall clock is from this node's, as the heartbeats measure it: the peer's clock minus this node's
 * (positive: the peer's clock is ahead), give or take an uncertainty of half the round trip it was measured over;
 * or unknown, with the reason. For reports ({@code hakit doctor}, {@code hakit status}, the
 * {@code hakit.keepalive.clock.offset} gauge) only: the keepalive decides nothing by it, and measures every timeout
 * on this node's monotonic clock.
 *
 * <p>How it is measured (NTP's on-wire arithmetic with one timestamp of the peer's): each answer to a heartbeat
 * carries the answering node's wall-clock time {@code T}. The heartbeat's sender, answered {@code rtt} after it sent
 * the heartbeat (on its monotonic clock) and at {@code t} on its wall clock, takes {@code T - (t - rtt / 2)}: the
 * peer read its clock somewhere within the round trip, so the error is at most {@code rtt / 2}. Of the last 8
 * answers, the one with the shortest round trip is reported (NTP's clock filter: the least delayed sample is the least
 * uncertain), so a clock stepped on either node shows within 8 answers (up to two per heartbeat interval: both
 * connections carry heartbeats).
 *
 * <p>Unknown: before the first answer, while no connection to the peer is up, when the peer's answers carry no time
 * (a HAKit older than this one: {@link #PEER_SENDS_NO_TIME}), or when the time it sends is not plausible (before 2000
 * or after 2200, or the arithmetic overflows: {@link #IMPLAUSIBLE}): a time that cannot be right is not taken for an
 * offset. Immutable.
 */
public final class ClockOffset {

    /** The reason before any heartbeat of this node was answered. */
    public static final String NOT_MEASURED = "no heartbeat answered yet";
    /** The reason while no connection to the peer is up. */
    public static final String NOT_CONNECTED = "no connection to the peer";
    /** The reason when the peer's answers carry no wall-clock time (an older HAKit). */
    public static final String PEER_SENDS_NO_TIME = "the peer's heartbeat answers carry no wall-clock time (a HAKit "
            + "older than this one)";
    /** The start of the reason when the peer sent a time that cannot be right. */
    public static final String IMPLAUSIBLE = "the peer sent an implausible wall-clock time";

    private static final ClockOffset NOT_YET = new ClockOffset(null, null, NOT_MEASURED);

    private final Duration offset;
    private final Duration uncertainty;
    private final String reason;

    private ClockOffset(Duration offset, Duration uncertainty, String reason) {
        this.offset = offset;
        this.uncertainty = uncertainty;
        this.reason = reason;
    }

    /**
     * A measured offset.
     *
     * @param offset      the peer's clock minus this node's
     * @param uncertainty how far the true offset may be from {@code offset}, either way (not negative)
     * @return the offset
     */
    public static ClockOffset known(Duration offset, Duration uncertainty) {
        Objects.requireNonNull(offset, "offset");
        if (uncertainty.isNegative()) {
            throw new IllegalArgumentException("uncertainty " + uncertainty + " is negative");
        }
        return new ClockOffset(offset, uncertainty, "");
    }

    /**
     * An offset that is not known.
     *
     * @param reason why, e.g. {@link #PEER_SENDS_NO_TIME}
     * @return the unknown offset
     */
    public static ClockOffset unknown(String reason) {
        return NOT_MEASURED.equals(reason) ? NOT_YET : new ClockOffset(null, null, Objects.requireNonNull(reason,
                "reason"));
    }

    /**
     * Whether the offset was measured.
     *
     * @return true when {@link #offset()} and {@link #uncertainty()} have values; false when {@link #reason()} says
     *     why not
     */
    public boolean isKnown() {
        return offset != null;
    }

    /**
     * The peer's clock minus this node's (positive: the peer's clock is ahead).
     *
     * @return the offset, with nanosecond resolution (in practice microseconds, as the peer sends its time)
     * @throws IllegalStateException when it is not known ({@link #reason()} says why)
     */
    public Duration offset() {
        if (offset == null) {
            throw new IllegalStateException("the clock offset is unknown: " + reason);
        }
        return offset;
    }

    /**
     * Half the round trip the offset was measured over: the true offset is within this of {@link #offset()}.
     *
     * @return the uncertainty, zero or positive
     * @throws IllegalStateException when it is not known ({@link #reason()} says why)
     */
    public Duration uncertainty() {
        if (uncertainty == null) {
            throw new IllegalStateException("the clock offset is unknown: " + reason);
        }
        return uncertainty;
    }

    /**
     * Why the offset is unknown.
     *
     * @return one of the reasons above ({@link #IMPLAUSIBLE} followed by what the peer sent), or any reason given to
     *     {@link #unknown}; "" when the offset is known
     */
    public String reason() {
        return reason;
    }

    /** "+3000.412 ms ± 0.153 ms", or "unknown: " and the reason. */
    @Override
    public String toString() {
        if (offset == null) {
            return "unknown: " + reason;
        }
        return String.format(Locale.ROOT, "%+.3f ms ± %.3f ms", offset.toNanos() / 1e6, uncertainty.toNanos() / 1e6);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClockOffset c && Objects.equals(offset, c.offset)
                && Objects.equals(uncertainty, c.uncertainty) && reason.equals(c.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(offset, uncertainty, reason);
    }
}
