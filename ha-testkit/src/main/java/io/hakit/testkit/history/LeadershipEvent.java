package io.hakit.testkit.history;

import io.hakit.api.LeaderSession;
import java.util.Objects;

/**
 * One observation recorded in a {@link LeadershipHistory}. Immutable.
 *
 * @param sequence the global sequence number assigned at record time, starting at 1; the order of sequence numbers
 *        is the real-time order of the record calls
 * @param type what was observed
 * @param contender the id of the contender that observed it
 * @param session the session granted, revoked, or used for the write
 * @param key the state key of a write; what was done for an action (or null); null for grants and revokes
 * @param issuedAfterSequence for a write, the last sequence number recorded before the write was issued (see
 *        {@link LeadershipHistory#writeAccepted(String, LeaderSession, String, long)}); for every other event,
 *        and for writes recorded without it, {@code sequence - 1}
 */
public record LeadershipEvent(
        long sequence, Type type, String contender, LeaderSession session, String key, long issuedAfterSequence) {

    /** The kinds of observation. */
    public enum Type {

        /** The contender was granted leadership with the session. */
        GRANTED,

        /** The contender's leadership of the session was revoked (or it learned of losing it). */
        REVOKED,

        /** A leader-fenced write with the session was accepted by the store. */
        WRITE_ACCEPTED,

        /** A leader-fenced write with the session was refused by the store (fenced off). */
        WRITE_REFUSED,

        /**
         * The contender acted as leader with the session: a leader-only action that no store fences (a message sent,
         * a job started, a file written outside HAKit). Its {@link LeadershipEvent#key() key} describes the action,
         * or is null.
         */
        ACTED
    }

    /**
     * Validates the fields. {@link LeadershipHistory} makes the events; a test rarely needs to.
     *
     * @param sequence            the global sequence number, positive
     * @param type                what was observed
     * @param contender           the id of the contender that observed it
     * @param session             the session granted, revoked, or used for the write or action
     * @param key                 the state key of a write; the action's description, or null; null otherwise
     * @param issuedAfterSequence the last sequence number recorded before a write was issued; otherwise
     *                            {@code sequence - 1}
     * @throws NullPointerException if {@code type}, {@code contender} or {@code session} is null, or {@code key} is
     *         null for a write
     * @throws IllegalArgumentException if {@code sequence} is not positive, or {@code issuedAfterSequence} is negative
     *         or not below {@code sequence}
     */
    public LeadershipEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(contender, "contender");
        Objects.requireNonNull(session, "session");
        if (type == Type.WRITE_ACCEPTED || type == Type.WRITE_REFUSED) {
            Objects.requireNonNull(key, "key");
        }
        if (sequence <= 0) {
            throw new IllegalArgumentException("sequence must be positive, was " + sequence);
        }
        if (issuedAfterSequence < 0 || issuedAfterSequence >= sequence) {
            throw new IllegalArgumentException("issuedAfterSequence must be between 0 and sequence - 1 ("
                    + (sequence - 1) + "), was " + issuedAfterSequence);
        }
    }

    /**
     * The session's epoch, for convenience.
     *
     * @return {@code session().epoch()}
     */
    public long epoch() {
        return session.epoch();
    }

    /** One line naming the sequence number, type, contender, epoch, session id and key (or action). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder()
                .append('#').append(sequence).append(' ').append(type)
                .append(" contender=").append(contender)
                .append(" epoch=").append(session.epoch())
                .append(" session=").append(session.id());
        if (key != null) {
            sb.append(type == Type.ACTED ? " action=" : " key=").append(key);
        }
        if (issuedAfterSequence != sequence - 1) {
            sb.append(" issuedAfter=#").append(issuedAfterSequence);
        }
        return sb.toString();
    }
}
