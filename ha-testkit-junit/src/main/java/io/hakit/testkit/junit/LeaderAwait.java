package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.testkit.junit.internal.Recording;
import io.hakit.testkit.junit.internal.Waits;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Bounded waits for who leads, by what the processes' contenders were told (grants and revokes), polled with
 * Awaitility. Each wait returns as soon as its condition holds and fails with an {@link AssertionError} naming what
 * every process believes if it does not hold within the bound. Immutable.
 */
public final class LeaderAwait {

    private final Recording leaders;
    private final Function<String, HaServices> processes;
    private final Duration bound;

    LeaderAwait(Recording leaders, Function<String, HaServices> processes, Duration bound) {
        this.leaders = leaders;
        this.processes = processes;
        this.bound = bound;
    }

    /**
     * The same waits with another bound.
     *
     * @param bound how long each wait may take
     * @return a copy with {@code bound}
     * @throws IllegalArgumentException if {@code bound} is not positive
     */
    public LeaderAwait atMost(Duration bound) {
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException("bound must be positive, was " + bound);
        }
        return new LeaderAwait(leaders, processes, bound);
    }

    /**
     * Waits until exactly one process believes it leads.
     *
     * @return that process
     * @throws AssertionError if that does not happen within the bound
     */
    public HaServices leader() {
        return single("exactly one process leading", n -> true);
    }

    /**
     * Waits until {@code expected}, and no other process, believes it leads.
     *
     * @param expected the process that should lead
     * @return {@code expected}
     * @throws AssertionError if that does not happen within the bound
     */
    public HaServices leaderIs(HaServices expected) {
        String node = expected.config().nodeId();
        return single(node + " leading alone", node::equals);
    }

    /**
     * Waits until exactly one process other than {@code previous} believes it leads (and {@code previous} does not).
     *
     * @param previous the process that led before
     * @return the new leader
     * @throws AssertionError if that does not happen within the bound
     */
    public HaServices leaderOtherThan(HaServices previous) {
        String node = previous.config().nodeId();
        return single("a leader other than " + node, n -> !n.equals(node));
    }

    /**
     * Waits until no process believes it leads.
     *
     * @throws AssertionError if that does not happen within the bound
     */
    public void noLeader() {
        check("no process leading", () -> leaders.leaders().isEmpty());
    }

    private HaServices single(String what, Predicate<String> accept) {
        String[] found = new String[1];
        check(what, () -> {
            List<String> now = leaders.leaders();
            if (now.size() == 1 && accept.test(now.get(0))) {
                found[0] = now.get(0);
                return true;
            }
            return false;
        });
        return processes.apply(found[0]);
    }

    private void check(String what, java.util.concurrent.Callable<Boolean> condition) {
        Objects.requireNonNull(what);
        if (!Waits.until(bound, condition)) {
            throw new AssertionError("expected " + what + " within " + bound.toMillis() + " ms, but: "
                    + leaders.describe());
        }
    }
}
