package example.leader;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;

import java.time.Duration;

/**
 * The same scheduler with the classic bug: it acts without checking its session. It keeps the session it was granted
 * for good (a revoke does not clear it), never asks whether it still leads, and records its dispatches unfenced. A
 * deposed leader therefore keeps dispatching next to the new one. The tests use it to show that the history check
 * catches it; never write a service like this.
 */
public class BrokenJobScheduler extends JobScheduler {

    /**
     * Starts contending and ticking.
     *
     * @param ha this process's HA services
     * @param observer where to report (tests)
     * @param tick how often it dispatches
     */
    public BrokenJobScheduler(HaServices ha, Observer observer, Duration tick) {
        super(ha, observer, tick);
    }

    @Override
    protected void onRevoke() {
        // the bug: the revoke is ignored
    }

    @Override
    protected boolean stillLeads(LeaderSession s) {
        return true; // the bug: the session is never checked
    }

    @Override
    protected void record(LeaderSession s, byte[] job) {
        store().put(LAST_DISPATCHED, job, StateStore.ANY); // the bug: an unfenced write
    }
}
