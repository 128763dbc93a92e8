package io.hakit.keepalive;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RttHistogramTest {

    @Test
    void bucketsAreContiguousAndEachHoldsItsOwnValues() {
        int last = -1;
        for (long us = 0; us < 1 << 20; us++) {
            int b = RttHistogram.bucket(us);
            assertThat(b).isBetween(last, last + 1);
            last = b;
        }
        assertThat(RttHistogram.bucket(Long.MAX_VALUE)).isEqualTo(RttHistogram.BUCKETS - 1);
        assertThat(RttHistogram.bucket(-5)).isZero();
    }

    @Test
    void percentilesAreNearestRankWithinThreePercent() {
        long[] micros = new long[1000];
        for (int i = 0; i < micros.length; i++) {
            micros[i] = 100 + i; // 100 us .. 1099 us
        }
        RttHistogram h = RttHistogram.ofMicros(micros);
        assertThat(h.count()).isEqualTo(1000);
        assertThat(h.percentileMillis(50)).isCloseTo(0.599, within(0.599 * 0.03));
        assertThat(h.percentileMillis(99)).isCloseTo(1.089, within(1.089 * 0.03));
        assertThat(h.percentileMillis(100)).isCloseTo(1.099, within(1.099 * 0.03));
        assertThat(RttHistogram.ofMicros(7).percentileMillis(1)).isEqualTo(0.007);
        assertThat(RttHistogram.ofMicros().percentileMillis(50)).isEqualTo(-1);
        assertThatThrownBy(() -> h.percentileMillis(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void minusKeepsWhatCameAfterTheEarlierSnapshot() {
        RttHistogram.Recorder r = new RttHistogram.Recorder();
        r.record(5_000_000); // 5 ms
        RttHistogram before = r.snapshot();
        r.record(200_000);
        r.record(200_000);
        RttHistogram after = r.snapshot();
        assertThat(after.count()).isEqualTo(3);
        RttHistogram delta = after.minus(before);
        assertThat(delta.count()).isEqualTo(2);
        assertThat(delta.percentileMillis(100)).isCloseTo(0.2, within(0.006));
    }
}
