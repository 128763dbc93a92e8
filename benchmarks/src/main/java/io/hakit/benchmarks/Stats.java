package io.hakit.benchmarks;

import java.util.Arrays;

/** Percentiles of a set of samples, by nearest rank on the sorted samples. Immutable. */
public final class Stats {

    private final double[] sorted;

    /**
     * Statistics of {@code samples} (copied).
     *
     * @throws IllegalArgumentException if there are no samples or one is NaN
     */
    public Stats(double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        this.sorted = samples.clone();
        Arrays.sort(sorted);
        if (Double.isNaN(sorted[sorted.length - 1])) {
            throw new IllegalArgumentException("a sample is NaN");
        }
    }

    /** The number of samples. */
    public int n() {
        return sorted.length;
    }

    /**
     * The smallest sample that at least {@code p} percent of the samples are less than or equal to (nearest rank).
     *
     * @throws IllegalArgumentException unless {@code 0 < p <= 100}
     */
    public double percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], was " + p);
        }
        // p * n first: 99.0 / 100 * 200 is 198.00000000000003 in floating point, 99.0 * 200 / 100 is 198
        int rank = (int) Math.ceil(p * sorted.length / 100);
        return sorted[Math.max(rank, 1) - 1];
    }

    public double min() {
        return sorted[0];
    }

    public double max() {
        return sorted[sorted.length - 1];
    }
}
