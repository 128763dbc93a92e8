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

    /**
     * The number of processes (3 unless the campaign was built otherwise).
     *
     * @return the number of processes; valid indexes are 0 to this minus 1
     */
    int processCount();

    /**
     * Process {@code index}.
     *
     * @param index the process's number, from 0
     * @return its services (node id {@code node-<index>}); the campaign closes them at the end of the run
     * @throws IndexOutOfBoundsException if there is no such process
     */
    HaServices process(int index);

    /**
     * The process whose contender currently believes it leads with the highest epoch, or empty when no contender
     * does. This is the processes' own view, which may be stale: it is what a fault aimed "at the leader" aims at.
     *
     * @return the leader's index, or empty
     */
    OptionalInt leader();

    /**
     * The leader if there is one, else a process chosen with {@code random}. It draws from {@code random} either way,
     * so that the choices that follow do not depend on timing.
     *
     * @param random the action's source of choices
     * @return the leader's index, or a random process's index when none leads
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
     *
     * @param index    the process to pause, from 0
     * @param duration how long its callbacks are held
     */
    void pauseEvents(int index, Duration duration);

    /**
     * Runs {@code undo} after {@code delay} on the campaign's timer (for example to heal a partition after a while).
     * Pending tasks are dropped when the steps end, before {@link CampaignTarget#heal()}, so an undo may never run:
     * heal must undo the fault on its own. An undo that is already running when the steps end is waited for (up to a
     * minute), never interrupted. {@code undo} must be quick and must not throw.
     *
     * @param delay how long after now {@code undo} runs
     * @param what  a description for the log
     * @param undo  what ends the fault
     */
    void later(Duration delay, String what, Runnable undo);
}
