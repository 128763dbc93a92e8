package io.hakit.api;

import java.util.Objects;
import java.util.UUID;

/**
 * One leadership grant: a random session id plus a fencing epoch.
 *
 * <p>The epoch strictly increases across the whole history of an election: every grant, to any contender in any
 * process, carries a higher epoch than every earlier grant, and no two contenders ever hold the same epoch. Every
 * leader-only action (confirming leadership, fenced state-store writes) takes the session; an action with a session
 * that is no longer current is refused with {@link LeadershipLostException}, and stores refuse a fenced write whose
 * epoch is lower than the highest they have seen.
 *
 * <p>Immutable and thread-safe.
 */
public final class LeaderSession {

    private final UUID id;
    private final long epoch;

    private LeaderSession(UUID id, long epoch) {
        this.id = Objects.requireNonNull(id, "id");
        if (epoch <= 0) {
            throw new IllegalArgumentException("epoch must be positive, was " + epoch);
        }
        this.epoch = epoch;
    }

    /**
     * Creates a session.
     *
     * @param id the session id
     * @param epoch the fencing epoch, positive
     * @return the session
     * @throws IllegalArgumentException if {@code epoch <= 0}
     */
    public static LeaderSession of(UUID id, long epoch) {
        return new LeaderSession(id, epoch);
    }

    /**
     * Creates a session with a fresh random id.
     *
     * @param epoch the fencing epoch, positive
     * @return the session
     * @throws IllegalArgumentException if {@code epoch <= 0}
     */
    public static LeaderSession random(long epoch) {
        return new LeaderSession(UUID.randomUUID(), epoch);
    }

    /**
     * The random session id, unique per grant.
     *
     * @return the session id
     */
    public UUID id() {
        return id;
    }

    /**
     * The fencing epoch, strictly increasing across the history of the election; always positive.
     *
     * @return the epoch, positive
     */
    public long epoch() {
        return epoch;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LeaderSession)) {
            return false;
        }
        LeaderSession that = (LeaderSession) o;
        return epoch == that.epoch && id.equals(that.id);
    }

    @Override
    public int hashCode() {
        return id.hashCode() * 31 + Long.hashCode(epoch);
    }

    @Override
    public String toString() {
        return "LeaderSession{epoch=" + epoch + ", id=" + id + "}";
    }
}
