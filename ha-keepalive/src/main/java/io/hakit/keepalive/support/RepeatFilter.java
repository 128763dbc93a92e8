package io.hakit.keepalive.support;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lets each problem (a peer retrying a refused handshake every heartbeat interval) through once per quiet period, on
 * the given ticker; counts the repeats it held back and names their number with the next line of the same problem.
 * Thread-safe; remembers at most 64 problems (the least recently seen is forgotten).
 */
public final class RepeatFilter {
    private static final int MAX_PROBLEMS = 64;
    private final long quietNanos;
    private final io.hakit.api.Ticker ticker;
    private final Map<String, long[]> seen = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
            return size() > MAX_PROBLEMS;
        }
    };

    public RepeatFilter(long quietNanos, io.hakit.api.Ticker ticker) {
        this.quietNanos = quietNanos;
        this.ticker = ticker;
    }

    /** Whether to log {@code problem} now: the first time, and again once a quiet period passed since. */
    public synchronized boolean shouldLog(String problem) {
        long now = ticker.read();
        long[] s = seen.get(problem); // {last logged at, repeats since}
        if (s != null && now - s[0] < quietNanos) {
            s[1]++;
            return false;
        }
        if (s == null) {
            seen.put(problem, new long[] {now, 0});
        } else {
            s[0] = now;
        }
        return true;
    }

    /** " (N more times since the last line)" after {@link #shouldLog} let a repeated problem through, or "". */
    public synchronized String suppressedNote(String problem) {
        long[] s = seen.get(problem);
        if (s == null || s[1] == 0) {
            return "";
        }
        long n = s[1];
        s[1] = 0;
        return " (" + n + " more time" + (n == 1 ? "" : "s") + " since the last line)";
    }
}
