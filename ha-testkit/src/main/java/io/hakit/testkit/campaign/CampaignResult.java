package io.hakit.testkit.campaign;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one {@link FaultCampaign} run found. Immutable.
 *
 * @param seed the seed of the run; {@code -D}{@value FaultCampaign#SEED_PROPERTY}{@code =<seed>} reruns its schedule
 * @param steps the fault steps applied (fewer than asked when the time bound ran out)
 * @param schedule one line per step: number, time since the start, action, and what it did
 * @param violations every safety violation and every failure of the run (empty when it passed), one line each
 * @param grants grants recorded in the history up to the check
 * @param accepted fenced writes accepted
 * @param refused fenced writes refused by fencing
 * @param unknown fenced writes with an unknown outcome
 * @param unavailable fenced writes refused because the backend was unreachable
 * @param finalEpoch the epoch of the leader found after healing, or 0 if none was found
 * @param duration how long the run took, healing and checking included (closing its processes not)
 * @param history a dump of the leadership history for failure messages (see
 *        {@link io.hakit.testkit.history.LeadershipHistory#toString()})
 */
public record CampaignResult(
        long seed,
        int steps,
        List<String> schedule,
        List<String> violations,
        long grants,
        long accepted,
        long refused,
        long unknown,
        long unavailable,
        long finalEpoch,
        Duration duration,
        String history) {

    /**
     * A run's result; {@link FaultCampaign#run} makes it. Copies the lists.
     *
     * @param seed        the seed of the run
     * @param steps       the fault steps applied
     * @param schedule    one line per step
     * @param violations  every safety violation and failure, one line each; empty when the run passed
     * @param grants      grants recorded in the history
     * @param accepted    fenced writes accepted
     * @param refused     fenced writes refused by fencing
     * @param unknown     fenced writes with an unknown outcome
     * @param unavailable fenced writes refused because the backend was unreachable
     * @param finalEpoch  the epoch of the leader found after healing, or 0
     * @param duration    how long the run took
     * @param history     a dump of the leadership history
     * @throws NullPointerException if a list, the duration or the history is null
     */
    public CampaignResult {
        schedule = List.copyOf(schedule);
        violations = List.copyOf(violations);
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(history, "history");
    }

    /**
     * Whether the run found nothing wrong.
     *
     * @return whether {@link #violations()} is empty
     */
    public boolean passed() {
        return violations.isEmpty();
    }

    /**
     * Throws unless the run {@link #passed()}.
     *
     * @throws AssertionError with {@link #report()}
     */
    public void assertPassed() {
        if (!passed()) {
            throw new AssertionError(report());
        }
    }

    /**
     * One line for a log: seed, steps, counts and the verdict.
     *
     * @return for example {@code "seed 42: 30 steps, 12 grants, ... final epoch 13, 9120 ms: no violation"}
     */
    public String summary() {
        return "seed " + seed + ": " + steps + " steps, " + grants + " grants, " + accepted + " writes accepted, "
                + refused + " refused, " + unknown + " unknown, " + unavailable + " unavailable, final epoch "
                + finalEpoch + ", " + duration.toMillis() + " ms: "
                + (passed() ? "no violation" : violations.size() + " violation(s)");
    }

    /**
     * The report for a failure message or a log: the summary, how to rerun the seed, the violations, the schedule
     * and, on failure, the history.
     *
     * @return several lines, each ending with a newline; the history only when the run did not pass
     */
    public String report() {
        StringBuilder sb = new StringBuilder("fault campaign ").append(summary()).append('\n')
                .append("rerun this schedule with -D").append(FaultCampaign.SEED_PROPERTY).append('=').append(seed)
                .append('\n');
        if (!violations.isEmpty()) {
            sb.append("violations:\n");
            violations.forEach(v -> sb.append("  ").append(v).append('\n'));
        }
        sb.append("schedule:\n");
        schedule.forEach(s -> sb.append("  ").append(s).append('\n'));
        if (!violations.isEmpty()) {
            sb.append(history);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "CampaignResult{" + summary() + "}";
    }
}
