package io.hakit.testkit.history;

import io.hakit.api.LeaderSession;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A stretch of a {@link LeadershipHistory} during which two contenders both believed they led, by their grant and
 * revoke records. Immutable.
 *
 * @param first the contender whose grant was recorded first
 * @param firstSession the session {@code first} held
 * @param second the other contender
 * @param secondSession the session {@code second} held
 * @param fromSequence the sequence number where the overlap starts (the later of the two grants)
 * @param untilSequence the sequence number of the record that ended it (a revoke, or a newer grant to the same
 *        contender), or empty if both still believed they led at the end of the history
 */
public record Overlap(
        String first,
        LeaderSession firstSession,
        String second,
        LeaderSession secondSession,
        long fromSequence,
        OptionalLong untilSequence) {

    /**
     * Validates the fields. {@link LeadershipHistory#overlaps()} makes them.
     *
     * @param first         the contender whose grant was recorded first
     * @param firstSession  the session {@code first} held
     * @param second        the other contender
     * @param secondSession the session {@code second} held
     * @param fromSequence  the sequence number where the overlap starts
     * @param untilSequence the sequence number of the record that ended it, or empty
     * @throws NullPointerException if an argument is null
     */
    public Overlap {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(firstSession, "firstSession");
        Objects.requireNonNull(second, "second");
        Objects.requireNonNull(secondSession, "secondSession");
        Objects.requireNonNull(untilSequence, "untilSequence");
    }

    @Override
    public String toString() {
        return first + " (epoch " + firstSession.epoch() + ") and " + second + " (epoch " + secondSession.epoch()
                + ") both believed they led from #" + fromSequence
                + (untilSequence.isPresent() ? " until #" + untilSequence.getAsLong() : " to the end of the history");
    }
}
