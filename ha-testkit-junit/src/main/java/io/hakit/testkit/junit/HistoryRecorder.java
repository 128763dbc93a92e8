package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.testkit.history.CheckOptions;
import io.hakit.testkit.history.LeadershipHistory;
import io.hakit.testkit.history.Violation;

import java.util.List;
import java.util.Objects;

/**
 * One test's record of what its processes did: the grants and revokes their contenders got (recorded by the
 * {@link HaCluster}) and what the service under test said it did through each process's {@link ProcessRecorder}.
 * The cluster checks it when the test ends (see {@link #assertNoViolations()}); a test may check it earlier.
 *
 * <p>Thread-safe.
 */
public final class HistoryRecorder {

    private final LeadershipHistory history;

    HistoryRecorder(LeadershipHistory history) {
        this.history = Objects.requireNonNull(history, "history");
    }

    /**
     * The recorder of one process.
     *
     * @param process a process of this test's cluster
     * @return its recorder (a new, equivalent one each call)
     */
    public ProcessRecorder of(HaServices process) {
        return of(process.config().nodeId());
    }

    /**
     * The recorder of the process with {@code nodeId}.
     *
     * @param nodeId a process's node id
     * @return its recorder
     */
    public ProcessRecorder of(String nodeId) {
        return new ProcessRecorder(history, nodeId);
    }

    /**
     * Everything recorded so far, in order.
     *
     * @return the test's history
     */
    public LeadershipHistory history() {
        return history;
    }

    /**
     * The violations found so far (see {@link LeadershipHistory#check(CheckOptions)}, with the defaults).
     *
     * @return the violations, empty if none
     */
    public List<Violation> check() {
        return history.check();
    }

    /**
     * Throws if the history shows two leaders acting at once, a stale write landing, an epoch granted twice or going
     * backwards, or an action or write without a grant; the message lists the violations (with the overlapping
     * epochs) and then the whole timeline.
     *
     * @throws AssertionError if anything was found
     */
    public void assertNoViolations() {
        history.assertNoViolations();
    }

    @Override
    public String toString() {
        return history.toString();
    }
}
