package io.hakit.api;

/**
 * A shared, strictly increasing counter built on the state store (like Flink's {@code CheckpointIDCounter}).
 * Every value handed out by {@link #getAndIncrement()} is unique across all processes. Thread-safe.
 */
public interface Counter {

    /**
     * The counter's name (its key in the counters namespace).
     *
     * @return the name
     */
    String name();

    /**
     * Returns the current value and increments it atomically (compare-and-set, retried on conflict).
     *
     * @return the value before the increment
     * @throws UnknownOutcomeException if the backend failed after the increment may have been applied; the next
     *     call still returns a larger value than any returned before
     */
    long getAndIncrement();

    /**
     * The current value (the next one {@link #getAndIncrement()} would return). Starts at the initial value.
     *
     * @return the current value
     */
    long get();

    /**
     * Sets the counter to {@code value} (for example when restoring); it must not be lower than the current value.
     *
     * @param value the new value, not lower than the current one
     * @throws IllegalArgumentException if {@code value} is lower than the current value
     */
    void set(long value);

    /**
     * Leader-fenced {@link #getAndIncrement()}: the increment is applied only while {@code session} is the current
     * leadership (Flink's checkpoint ids of a deposed JobManager are refused).
     *
     * @param session the leadership the write is made under
     * @return the value before the increment
     * @throws LeadershipLostException if {@code session} is not current or the backend has seen a higher epoch
     *     (nothing incremented)
     */
    long getAndIncrement(LeaderSession session);

    /**
     * Leader-fenced {@link #set(long)}.
     *
     * @param session the leadership the write is made under
     * @param value the new value, not lower than the current one
     * @throws LeadershipLostException if {@code session} is not current or the backend has seen a higher epoch
     * @throws IllegalArgumentException if {@code value} is lower than the current value
     */
    void set(LeaderSession session, long value);

    /**
     * Deletes the counter; a later use starts again at its initial value. Hazard: values handed out before may be
     * handed out again then, so delete only a counter whose owner is gone for good (a finished job's checkpoint
     * ids).
     *
     * @return whether it existed
     */
    boolean delete();

    /**
     * Leader-fenced {@link #delete()}.
     *
     * @param session the leadership the write is made under
     * @return whether it existed
     * @throws LeadershipLostException if {@code session} is not current or the backend has seen a higher epoch
     */
    boolean delete(LeaderSession session);
}
