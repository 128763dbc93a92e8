package io.hakit.keepalive;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The heartbeat round trips a node measured since it started (every Ack of a Heartbeat, on the node's own monotonic
 * clock), as a histogram: buckets of 1 µs up to 32 µs, then 32 buckets per power of two (about 3% wide), up to about
 * 12 days; longer round trips count in the last bucket. An immutable snapshot; {@link #minus} gives the round
 * trips between two snapshots.
 */
public final class RttHistogram {

    private static final int SUB_BITS = 5;
    private static final int SUB = 1 << SUB_BITS;
    private static final int MAX_EXPONENT = 40; // 2^40 µs, about 12.7 days; values above are clamped
    static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB;

    private final long[] counts;
    private final long total;
    private final long sumNanos;

    private RttHistogram(long[] counts, long sumNanos) {
        this.counts = counts;
        this.sumNanos = sumNanos;
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        this.total = t;
    }

    /**
     * The number of round trips.
     *
     * @return how many round trips the snapshot holds, 0 or more
     */
    public long count() {
        return total;
    }

    /**
     * The sum of the round trips in ms, exact (not from the buckets): with {@link #count()}, the mean round trip of any
     * span between two snapshots (what a Micrometer {@code FunctionTimer} reports).
     *
     * @return the sum in milliseconds, with nanosecond resolution; 0 with no round trips
     */
    public double totalMillis() {
        return sumNanos / 1e6;
    }

    /**
     * The round trip (ms, the middle of its bucket) that at least {@code p} percent of the round trips do not
     * exceed (nearest rank), or -1 with no round trips.
     *
     * @param p the percentile, such as 50 for the median or 99
     * @return the round trip in milliseconds, within about 3% of a true one (exact below 32 µs); -1 with no round
     *     trips
     * @throws IllegalArgumentException unless {@code 0 < p <= 100}
     */
    public double percentileMillis(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], was " + p);
        }
        if (total == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(p * total / 100));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return middleMicros(i) / 1000.0;
            }
        }
        return middleMicros(counts.length - 1) / 1000.0;
    }

    /**
     * The round trips recorded after {@code earlier} (a snapshot of the same node taken before this one).
     *
     * @param earlier an earlier snapshot of the same node's {@link KeepaliveNode#rttHistogram()}
     * @return a new histogram of the difference; a bucket or sum that would be negative (snapshots of different
     *     nodes, or in the wrong order) counts 0
     * @throws NullPointerException if {@code earlier} is null
     */
    public RttHistogram minus(RttHistogram earlier) {
        long[] d = counts.clone();
        for (int i = 0; i < d.length; i++) {
            d[i] = Math.max(0, d[i] - earlier.counts[i]);
        }
        return new RttHistogram(d, Math.max(0, sumNanos - earlier.sumNanos));
    }

    @Override
    public String toString() {
        return total == 0 ? "no round trips" : String.format(java.util.Locale.ROOT,
                "%d round trips, p50 %.3f ms, p99 %.3f ms", total, percentileMillis(50), percentileMillis(99));
    }

    static int bucket(long micros) {
        long v = Math.max(0, Math.min(micros, (1L << (MAX_EXPONENT + 1)) - 1));
        if (v < SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BITS
        int sub = (int) ((v >>> (exponent - SUB_BITS)) & (SUB - 1));
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }

    /** The middle of bucket {@code i} in µs. */
    static double middleMicros(int i) {
        if (i < SUB) {
            return i;
        }
        int exponent = i / SUB + SUB_BITS - 1;
        long width = 1L << (exponent - SUB_BITS);
        long lower = (long) (SUB + i % SUB) << (exponent - SUB_BITS);
        return lower + (width - 1) / 2.0;
    }

    /** Records round trips from any thread without locking. */
    static final class Recorder {
        private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
        private final LongAdder sumNanos = new LongAdder();

        void record(long nanos) {
            // the sum first: a snapshot taken in between sees the sum of a round trip it does not count yet, never a
            // count without its sum
            sumNanos.add(Math.max(0, nanos));
            counts.incrementAndGet(bucket(nanos / 1000));
        }

        RttHistogram snapshot() {
            long[] c = new long[BUCKETS];
            for (int i = 0; i < c.length; i++) {
                c[i] = counts.get(i);
            }
            return new RttHistogram(c, sumNanos.sum());
        }
    }

    /** For tests: a histogram of the given round trips in µs. */
    static RttHistogram ofMicros(long... micros) {
        long[] c = new long[BUCKETS];
        Arrays.stream(micros).forEach(m -> c[bucket(m)]++);
        return new RttHistogram(c, Arrays.stream(micros).sum() * 1000);
    }
}
