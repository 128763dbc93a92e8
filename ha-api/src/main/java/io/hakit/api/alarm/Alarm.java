package io.hakit.api.alarm;

import java.time.Instant;
import java.util.Objects;

/**
 * One active alarm: an {@link AlarmType} raised for a source, with a detail message, when it was first raised and
 * how many times it has been raised since.
 *
 * <p>An alarm is identified by its {@linkplain #type() type} and {@linkplain #source() source}: an
 * {@link AlarmRegistry} holds at most one active alarm per pair. Raising it again does not create a second alarm;
 * it increments the {@linkplain #count() occurrence count} and replaces the detail.
 *
 * <p>Immutable and thread-safe. Two alarms are equal when all their fields are equal.
 */
public final class Alarm {

    private final AlarmType type;
    private final String source;
    private final String detail;
    private final Instant raisedAt;
    private final Instant lastRaisedAt;
    private final long count;

    private Alarm(AlarmType type, String source, String detail, Instant raisedAt, Instant lastRaisedAt, long count) {
        this.type = type;
        this.source = source;
        this.detail = detail;
        this.raisedAt = raisedAt;
        this.lastRaisedAt = lastRaisedAt;
        this.count = count;
    }

    /**
     * Creates an alarm raised once, at {@code raisedAt}.
     *
     * @param type     the alarm type
     * @param source   what the alarm is about, for example {@code "node-a"} or a file path; not blank
     * @param detail   a human-readable detail for operators; may be empty
     * @param raisedAt when it was raised (wall-clock time, for display)
     * @return the new alarm, with count 1
     * @throws NullPointerException     if any argument is null
     * @throws IllegalArgumentException if {@code source} is blank
     */
    public static Alarm of(AlarmType type, String source, String detail, Instant raisedAt) {
        Objects.requireNonNull(type, "type");
        checkSource(source);
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(raisedAt, "raisedAt");
        return new Alarm(type, source, detail, raisedAt, raisedAt, 1L);
    }

    /**
     * Returns a copy raised once more: the count is incremented, the detail replaced and {@link #lastRaisedAt()}
     * set to {@code at}; {@link #raisedAt()} is kept.
     *
     * @param detail the new detail message; may be empty
     * @param at when it was raised again (wall-clock time)
     * @return the updated copy; this alarm is unchanged
     * @throws NullPointerException if an argument is null
     */
    public Alarm reraised(String detail, Instant at) {
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(at, "at");
        return new Alarm(type, source, detail, raisedAt, at, count == Long.MAX_VALUE ? count : count + 1);
    }

    /**
     * The alarm type.
     *
     * @return the alarm type
     */
    public AlarmType type() {
        return type;
    }

    /**
     * Shorthand for {@code type().severity()}.
     *
     * @return the type's severity
     */
    public Severity severity() {
        return type.severity();
    }

    /**
     * What the alarm is about, for example {@code "node-a"} or a file path.
     *
     * @return the source, not blank
     */
    public String source() {
        return source;
    }

    /**
     * The detail message of the most recent raise; may be empty.
     *
     * @return the latest detail message
     */
    public String detail() {
        return detail;
    }

    /**
     * When the alarm was first raised (wall-clock time from the registry's clock).
     *
     * @return the time of the first raise
     */
    public Instant raisedAt() {
        return raisedAt;
    }

    /**
     * When the alarm was most recently raised; equal to {@link #raisedAt()} if raised once.
     *
     * @return the time of the latest raise
     */
    public Instant lastRaisedAt() {
        return lastRaisedAt;
    }

    /**
     * How many times the alarm was raised while active; at least 1.
     *
     * @return the occurrence count, at least 1 (it stops at {@link Long#MAX_VALUE})
     */
    public long count() {
        return count;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Alarm)) {
            return false;
        }
        Alarm other = (Alarm) o;
        return type == other.type && count == other.count && source.equals(other.source)
                && detail.equals(other.detail) && raisedAt.equals(other.raisedAt)
                && lastRaisedAt.equals(other.lastRaisedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, source, detail, raisedAt, lastRaisedAt, count);
    }

    @Override
    public String toString() {
        return "Alarm{" + type.id() + ' ' + type + ' ' + type.severity() + ", source=" + source + ", detail="
                + detail + ", raisedAt=" + raisedAt + ", count=" + count + '}';
    }

    static String checkSource(String source) {
        Objects.requireNonNull(source, "source");
        if (source.isBlank()) {
            throw new IllegalArgumentException("source must not be blank");
        }
        return source;
    }
}
