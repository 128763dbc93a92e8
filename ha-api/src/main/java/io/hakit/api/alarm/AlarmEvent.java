package io.hakit.api.alarm;

import java.time.Instant;
import java.util.Objects;

/**
 * A change of an alarm's state, as delivered to {@link AlarmListener}s and kept in
 * {@link AlarmRegistry#history()}.
 *
 * <p>Immutable and thread-safe.
 */
public final class AlarmEvent {

    /** What happened to the alarm. */
    public enum Kind {
        /** The alarm became active; {@link AlarmEvent#alarm()} is the new alarm with count 1. */
        RAISED,
        /** An active alarm was raised again with a different detail; {@link AlarmEvent#alarm()} has the new one. */
        UPDATED,
        /** The alarm is no longer active; {@link AlarmEvent#alarm()} is its last state before clearing. */
        CLEARED
    }

    private final Kind kind;
    private final Alarm alarm;
    private final Instant time;

    private AlarmEvent(Kind kind, Alarm alarm, Instant time) {
        this.kind = kind;
        this.alarm = alarm;
        this.time = time;
    }

    /**
     * Creates an event.
     *
     * @param kind what happened
     * @param alarm the alarm after the change, or for {@link Kind#CLEARED} its last state
     * @param time when the change happened (wall-clock time)
     * @return the new event
     * @throws NullPointerException if any argument is null
     */
    public static AlarmEvent of(Kind kind, Alarm alarm, Instant time) {
        return new AlarmEvent(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(alarm, "alarm"),
                Objects.requireNonNull(time, "time"));
    }

    /**
     * What happened.
     *
     * @return the kind of change
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The alarm after the change, or for {@link Kind#CLEARED} its last state before clearing.
     *
     * @return the alarm
     */
    public Alarm alarm() {
        return alarm;
    }

    /**
     * Shorthand for {@code alarm().type()}.
     *
     * @return the alarm's type
     */
    public AlarmType type() {
        return alarm.type();
    }

    /**
     * Shorthand for {@code alarm().source()}.
     *
     * @return the alarm's source
     */
    public String source() {
        return alarm.source();
    }

    /**
     * When the change happened (wall-clock time from the registry's clock).
     *
     * @return the time of the change
     */
    public Instant time() {
        return time;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof AlarmEvent)) {
            return false;
        }
        AlarmEvent other = (AlarmEvent) o;
        return kind == other.kind && alarm.equals(other.alarm) && time.equals(other.time);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, alarm, time);
    }

    @Override
    public String toString() {
        return "AlarmEvent{" + kind + ' ' + alarm + " at " + time + '}';
    }
}
