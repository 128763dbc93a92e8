package io.hakit.testkit.campaign;

import io.hakit.api.HaServices;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.Random;

/**
 * What a {@link FaultAction} sees of a running {@link FaultCampaign}: its processes, which one leads, and a timer for
 * faults that end by themselves. Processes are numbered from 0; their node ids are {@code node-0}, {@code node-1}, ...
 *
 * <p>Thread-safe; actions call it from the campaign's thread.
 */
public interface CampaignView {

    /** The number of processes (3 unless the campaign was built otherwise). */
    int processCount();

    /** Process {@code index}. */
    HaServices process(int index);

    /**
     * The process whose contender currently believes it leads with the highest epoch, or empty when no contender
     * does. This is the processes' own view, which may be stale: it is what a fault aimed "at the leader" aims at.
     */
    OptionalInt leader();

    /**
     * The leader if there is one, else a process chosen with {@code random}. It draws from {@code random} either way,
     * so that the choices that follow do not depend on timing.
     */
    default int leaderOr(Random random) {
        int any = random.nextInt(processCount());
        return leader().orElse(any);
    }

    /**
     * Holds every callback of process {@code index} (grants, revokes, connection states, lease checks) for
     * {@code duration}, like a long stop-the-world pause: the process keeps believing whatever it believed, and its
     * writer keeps writing with that session. The campaign resumes it after {@code duration}, and at the latest when
     * the steps end.
     */
    void pauseEvents(int index, Duration duration);

    /**
     * Runs {@code undo} after {@code delay} on the campaign's timer (for example to heal a partition after a while).
     * Pending tasks are dropped when the steps end, before {@link CampaignTarget#heal()}, so an undo may never run:
     * heal must undo the fault on its own. An undo that is already running when the steps end is waited for (up to a
     * minute), never interrupted. {@code undo} must be quick and must not throw.
     *
     * @param what a description for the log
     */
    void later(Duration delay, String what, Runnable undo);
}
