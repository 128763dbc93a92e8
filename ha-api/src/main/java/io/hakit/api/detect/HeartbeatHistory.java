package io.hakit.api.detect;

/**
 * The heartbeat inter-arrival statistics of {@link PhiAccrualFailureDetector}: the most recent
 * {@code maxSampleSize} intervals in whole milliseconds, with running sums for an O(1) mean and variance.
 * A port of Pekko's {@code HeartbeatHistory}, as a ring buffer instead of an immutable vector.
 *
 * <p>Not thread-safe: the detector only touches it while holding its write lock.
 *
 * <p>Overflow guard (not in Pekko): an interval longer than {@code sqrt(Long.MAX_VALUE / maxSampleSize)} ms is
 * recorded as that value, so the sum of squares cannot overflow (about 26.7 hours with the default 1000 samples;
 * the detector would have suspected the resource long before, and suspected intervals are never recorded).
 */
final class HeartbeatHistory {

    private static final int INITIAL_CAPACITY = 16;

    private final int maxSampleSize;
    private final long maxIntervalMillis;
    private long[] intervals;
    /** Index of the oldest interval. */
    private int head;
    private int size;
    private long intervalSum;
    private long squaredIntervalSum;

    HeartbeatHistory(int maxSampleSize) {
        if (maxSampleSize < 1) {
            throw new IllegalArgumentException("maxSampleSize must be >= 1, was " + maxSampleSize);
        }
        this.maxSampleSize = maxSampleSize;
        this.maxIntervalMillis = (long) Math.floor(Math.sqrt((double) Long.MAX_VALUE / maxSampleSize));
        this.intervals = new long[Math.min(maxSampleSize, INITIAL_CAPACITY)];
    }

    /** Appends an interval, dropping the oldest one when {@code maxSampleSize} intervals are already held. */
    void add(long intervalMillis) {
        long interval = Math.max(0L, Math.min(intervalMillis, maxIntervalMillis));
        if (size == maxSampleSize) {
            long oldest = intervals[head];
            intervalSum -= oldest;
            squaredIntervalSum -= oldest * oldest;
            intervals[head] = interval;
            head = (head + 1) % intervals.length;
        } else {
            if (size == intervals.length) {
                grow();
            }
            intervals[(head + size) % intervals.length] = interval;
            size++;
        }
        intervalSum += interval;
        squaredIntervalSum += interval * interval;
    }

    private void grow() {
        int newCapacity = (int) Math.min((long) maxSampleSize, 2L * intervals.length);
        long[] bigger = new long[newCapacity];
        for (int i = 0; i < size; i++) {
            bigger[i] = intervals[(head + i) % intervals.length];
        }
        intervals = bigger;
        head = 0;
    }

    /** Forgets every interval. */
    void clear() {
        head = 0;
        size = 0;
        intervalSum = 0L;
        squaredIntervalSum = 0L;
    }

    int size() {
        return size;
    }

    int maxSampleSize() {
        return maxSampleSize;
    }

    /** Mean interval in ms; NaN when empty. */
    double mean() {
        return (double) intervalSum / size;
    }

    /** Population variance in ms^2; clamped at 0 so rounding can never produce a NaN standard deviation. */
    double variance() {
        double mean = mean();
        return Math.max(0.0, (double) squaredIntervalSum / size - mean * mean);
    }

    double stdDeviation() {
        return Math.sqrt(variance());
    }
}
