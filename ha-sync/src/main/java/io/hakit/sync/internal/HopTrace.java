package io.hakit.sync.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A latency probe for the path of one change (benchmarks only): when the system property {@code hakit.sync.trace} is
 * {@code true} at class load, each hop of a round records its name and {@link System#nanoTime}; otherwise
 * {@link #mark} is a test of a constant. Meant for one change at a time with both nodes in one JVM (the
 * {@code sync-latency} benchmark), where the clocks are the same. Thread-safe.
 */
public final class HopTrace {

    /** Whether hops are recorded (the system property {@code hakit.sync.trace}). */
    public static final boolean ON = Boolean.getBoolean("hakit.sync.trace");

    /** One recorded hop. */
    public record Hop(String name, long nanos) {
    }

    private static final List<Hop> HOPS = new ArrayList<>();

    private HopTrace() {
    }

    /** Records a hop (when {@link #ON}). */
    public static void mark(String hop) {
        if (ON) {
            long t = System.nanoTime();
            synchronized (HOPS) {
                if (HOPS.size() < 10_000) {
                    HOPS.add(new Hop(hop, t));
                }
            }
        }
    }

    /** The hops recorded since the last call, in order; empties the list. */
    public static List<Hop> drain() {
        synchronized (HOPS) {
            List<Hop> l = new ArrayList<>(HOPS);
            HOPS.clear();
            return l;
        }
    }
}
