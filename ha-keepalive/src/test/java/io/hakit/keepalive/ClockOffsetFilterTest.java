package io.hakit.keepalive;

import io.hakit.keepalive.internal.proto.Ack;
import io.hakit.keepalive.internal.proto.Envelope;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The clock offset's arithmetic on driven clocks: this node's wall clock is an {@link Instant} the test sets, the round
 * trip a figure in ns, the peer's answer an {@link Ack} carrying the peer's time. No network, no sleeping.
 */
class ClockOffsetFilterTest {

    /** This node's wall clock when it sends a heartbeat. */
    private static final Instant SENT = Instant.parse("2026-12-03T08:00:00Z");

    @Test
    void aPeerThreeSecondsAheadIsPlusThreeSecondsWithinHalfTheRoundTrip() {
        ClockOffsetFilter f = new ClockOffsetFilter();
        assertThat(f.current().isKnown()).isFalse();
        assertThat(f.current().reason()).isEqualTo(ClockOffset.NOT_MEASURED);

        // the peer's clock is 3 s ahead; it answers 1 ms after the heartbeat left, the answer arrives 4 ms after it
        // left (an asymmetric path: 1 ms there, 3 ms back)
        Duration rtt = Duration.ofMillis(4);
        f.answered(ack(SENT.plusSeconds(3).plusMillis(1)), rtt.toNanos(), SENT.plus(rtt));

        ClockOffset c = f.current();
        assertThat(c.isKnown()).isTrue();
        assertThat(c.uncertainty()).isEqualTo(Duration.ofMillis(2));
        // peer - (sent + rtt / 2) = 3 s + 1 ms - 2 ms
        assertThat(c.offset()).isEqualTo(Duration.ofSeconds(3).minusMillis(1));
        assertThat(c.offset().minusSeconds(3).abs()).isLessThanOrEqualTo(c.uncertainty());
        assertThat(c.toString()).isEqualTo("+2999.000 ms ± 2.000 ms");

        // and a peer behind is negative (of equally delayed answers, the latest counts)
        f.answered(ack(SENT.minusSeconds(3).plusMillis(2)), rtt.toNanos(), SENT.plus(rtt));
        assertThat(f.current().offset()).isEqualTo(Duration.ofSeconds(-3));
    }

    @Test
    void anOlderPeerWithoutTheFieldIsUnknownNotZero() throws Exception {
        ClockOffsetFilter f = new ClockOffsetFilter();
        f.answered(ack(SENT.plusSeconds(3)), 1_000_000, SENT.plusMillis(1));
        assertThat(f.current().isKnown()).isTrue();

        // what an older node sends: sequence and echoed send time only, through the wire's bytes
        byte[] old = Envelope.newBuilder().setAck(Ack.newBuilder().setSequence(7).setEchoedSendTimeNanos(123))
                .build().toByteArray();
        Ack parsed = Envelope.parseFrom(old).getAck();
        assertThat(parsed.getWallTimeMicros()).isZero(); // what a reader that ignored presence would take
        f.answered(parsed, 1_000_000, SENT.plusMillis(1));

        ClockOffset c = f.current();
        assertThat(c.isKnown()).isFalse();
        assertThat(c.reason()).isEqualTo(ClockOffset.PEER_SENDS_NO_TIME);
        assertThat(c.toString()).startsWith("unknown: ");
        assertThatThrownBy(c::offset).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("carry no wall-clock time");
    }

    @Test
    void implausibleTimesAreUnknownNotTrusted() {
        ClockOffsetFilter f = new ClockOffsetFilter();
        for (long micros : new long[] {0, -1, Long.MIN_VALUE, 1_000_000, // 1970-01-01T00:00:01Z: an RTC without power
                ClockOffsetFilter.EARLIEST_MICROS - 1, ClockOffsetFilter.LATEST_MICROS, Long.MAX_VALUE}) {
            f.answered(ack(SENT), 1_000_000, SENT.plusMillis(1));
            assertThat(f.current().isKnown()).isTrue();
            f.answered(Ack.newBuilder().setWallTimeMicros(micros).build(), 1_000_000, SENT.plusMillis(1));
            assertThat(f.current().isKnown()).as("%d µs", micros).isFalse();
            assertThat(f.current().reason()).as("%d µs", micros).startsWith(ClockOffset.IMPLAUSIBLE);
        }
        // a negative round trip (an echo that is not ours) is no sample either
        f.answered(ack(SENT), 1_000_000, SENT.plusMillis(1));
        assertThat(f.current().isKnown()).isTrue();
        f.answered(ack(SENT), -5, SENT);
        assertThat(f.current().reason()).startsWith(ClockOffset.IMPLAUSIBLE);
        // the bounds themselves: 2000-01-01 is plausible; a node whose own clock is absurd gets no overflowing figure
        assertThat(ClockOffsetFilter.offsetNanos(ClockOffsetFilter.EARLIEST_MICROS, 0, SENT)).isNotNull();
        assertThat(ClockOffsetFilter.offsetNanos(ClockOffsetFilter.EARLIEST_MICROS, 0, Instant.MAX)).isNull();
    }

    @Test
    void theLeastDelayedOfTheLastEightAnswersIsReported() {
        ClockOffsetFilter f = new ClockOffsetFilter();
        // a quick answer (rtt 1 ms) saying +3 s, then slow ones (rtt 100 ms) whose midpoint guess is 40 ms off
        f.answered(ack(SENT.plusSeconds(3).plusNanos(500_000)), 1_000_000, SENT.plusMillis(1));
        for (int i = 0; i < ClockOffsetFilter.SAMPLES - 1; i++) {
            f.answered(ack(SENT.plusSeconds(3).plusMillis(90)), 100_000_000, SENT.plusMillis(100));
            assertThat(f.current().offset()).isEqualTo(Duration.ofSeconds(3));
            assertThat(f.current().uncertainty()).isEqualTo(Duration.ofNanos(500_000));
        }
        // the quick one is the ninth last now: the slow ones' figure, with their uncertainty
        f.answered(ack(SENT.plusSeconds(3).plusMillis(90)), 100_000_000, SENT.plusMillis(100));
        assertThat(f.current().offset()).isEqualTo(Duration.ofSeconds(3).plusMillis(40));
        assertThat(f.current().uncertainty()).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void losingThePeerForgetsTheSamples() {
        ClockOffsetFilter f = new ClockOffsetFilter();
        f.answered(ack(SENT.plusSeconds(3)), 1_000_000, SENT.plusMillis(1));
        f.forget(ClockOffset.NOT_CONNECTED);
        assertThat(f.current().isKnown()).isFalse();
        assertThat(f.current().toString()).isEqualTo("unknown: " + ClockOffset.NOT_CONNECTED);
        // the peer comes back with its clock set right: nothing of the old skew remains
        f.answered(ack(SENT.plusNanos(500_000)), 1_000_000, SENT.plusMillis(1));
        assertThat(f.current().offset()).isZero();
    }

    @Test
    void theWireCarriesMicrosecondsSince1970() {
        assertThat(ClockOffsetFilter.micros(Instant.parse("1970-01-01T00:00:01.000002Z"))).isEqualTo(1_000_002);
        assertThat(ClockOffsetFilter.micros(SENT)).isEqualTo(SENT.getEpochSecond() * 1_000_000);
    }

    private static Ack ack(Instant peerNow) {
        return Ack.newBuilder().setSequence(1).setEchoedSendTimeNanos(1).setWallTimeMicros(
                ClockOffsetFilter.micros(peerNow)).build();
    }
}
