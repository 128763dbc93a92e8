package io.hakit.testkit.history;

import java.util.List;
import java.util.Objects;

/**
 * A breach of a leadership safety property found by {@link LeadershipHistory#check(CheckOptions)}. Immutable.
 *
 * @param kind which property was breached
 * @param message a human-readable account naming the contenders, epochs and sequence numbers involved
 * @param sequences the sequence numbers of the events involved, in ascending order
 */
public record Violation(Kind kind, String message, List<Long> sequences) {

    /** The properties the checker verifies. */
    public enum Kind {

        /** Two different contenders, or two different session ids, were granted the same epoch. */
        TWO_HOLDERS_OF_ONE_EPOCH,

        /**
         * A grant's epoch was not greater than an earlier recorded grant's epoch (globally, or of the same contender
         * when {@link CheckOptions#globalGrantOrder()} is off).
         */
        EPOCH_WENT_BACKWARDS,

        /** A fenced write was accepted although a higher epoch had already been granted: it should have been fenced. */
        STALE_WRITE_ACCEPTED,

        /** A fenced write was accepted for a contender that had not been granted that session before. */
        WRITE_WITHOUT_GRANT,

        /**
         * Two contenders both believed they led at once, by their grant and revoke records. Reported only with
         * {@link CheckOptions#strictExclusion()}.
         */
        OVERLAPPING_LEADERS,

        /**
         * A contender acted as leader (see {@link LeadershipHistory#acted(String, io.hakit.api.LeaderSession, String)})
         * with an epoch lower than one another contender had already acted with: two leaders acted at once. Always
         * checked: a leader that acts only while its session is current never does this after the next leader acted.
         */
        OVERLAPPING_ACTIONS,

        /** A contender acted as leader with a session it had not been granted before. */
        ACTION_WITHOUT_GRANT
    }

    /**
     * Validates and copies the fields. {@link LeadershipHistory#check(CheckOptions)} makes them.
     *
     * @param kind      which property was breached
     * @param message   a human-readable account of the breach
     * @param sequences the sequence numbers of the events involved, ascending; copied
     * @throws NullPointerException if an argument is null
     */
    public Violation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
        sequences = List.copyOf(sequences);
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
