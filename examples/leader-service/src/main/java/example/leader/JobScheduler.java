package example.leader;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A toy leader-elected service: among the processes that run it, the leader dispatches the next job every tick. A
 * dispatch has two parts: it tells a worker (an action no store fences: here only a callback) and then records the
 * job as the last one dispatched, with a write fenced by its leader session, so that a deposed leader's record is
 * refused.
 *
 * <p>It checks that its session is still current before it acts. {@link BrokenJobScheduler} does not.
 */
public class JobScheduler implements AutoCloseable {

    /** Where the scheduler reports what it does as leader; tests record it (the production code passes NONE). */
    public interface Observer {
        /** Does nothing. */
        Observer NONE = new Observer() {
        };

        /** The scheduler acts as leader with {@code session}: it dispatches {@code job}. */
        default void dispatching(LeaderSession session, String job) {
        }

        /** Runs {@code write}, the record of a dispatch under {@code session}; a test records its outcome. */
        default void recording(LeaderSession session, String key, Runnable write) {
            write.run();
        }
    }

    /** The component the schedulers contend for. */
    public static final String COMPONENT = "scheduler";
    /** The namespace of the dispatch record. */
    public static final String NAMESPACE = "scheduler";
    /** The key of the last dispatched job. */
    public static final String LAST_DISPATCHED = "last-dispatched";

    private final HaServices ha;
    private final LeaderElection election;
    private final StateStore store;
    private final Observer observer;
    private final ScheduledExecutorService ticks;
    private final AtomicLong dispatched = new AtomicLong();
    private volatile LeaderSession session;

    /**
     * Starts contending and ticking.
     *
     * @param ha this process's HA services
     * @param observer where to report (tests)
     * @param tick how often the leader dispatches
     */
    public JobScheduler(HaServices ha, Observer observer, Duration tick) {
        this.ha = ha;
        this.observer = observer;
        this.store = ha.stateStore(NAMESPACE);
        this.election = ha.leaderElection(COMPONENT);
        this.ticks = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r,
                "scheduler-" + ha.config().nodeId()));
        election.startLeaderElection(new LeaderContender() {
            @Override
            public void grantLeadership(LeaderSession granted) {
                election.confirmLeadership(granted, "scheduler@" + ha.config().nodeId());
                session = granted;
            }

            @Override
            public void revokeLeadership() {
                onRevoke();
            }
        });
        ticks.scheduleWithFixedDelay(this::tick, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The session this scheduler was last granted, if it has not heard that it lost it. */
    protected LeaderSession session() {
        return session;
    }

    /** Called when leadership is revoked: forget the session. */
    protected void onRevoke() {
        session = null;
    }

    /** Whether this scheduler may still act with {@code s}: its election says the session is current. */
    protected boolean stillLeads(LeaderSession s) {
        return election.hasLeadership(s);
    }

    private void tick() {
        LeaderSession s = session();
        if (s == null || !stillLeads(s)) {
            return;
        }
        String job = "job-" + dispatched.incrementAndGet() + "@" + s.epoch();
        observer.dispatching(s, job);
        try {
            observer.recording(s, LAST_DISPATCHED, () -> record(s, job.getBytes(StandardCharsets.UTF_8)));
        } catch (LeadershipLostException e) {
            // deposed: the record is refused, the next tick finds the session gone
        } catch (RuntimeException e) {
            // the backend is unreachable for now: try again next tick
        }
    }

    /** Records the dispatch, fenced by the leader's session. */
    protected void record(LeaderSession s, byte[] job) {
        store.put(s, LAST_DISPATCHED, job, StateStore.ANY);
    }

    /** The store of the dispatch record. */
    protected StateStore store() {
        return store;
    }

    /** How many jobs this scheduler has dispatched. */
    public long dispatched() {
        return dispatched.get();
    }

    /** The node id of this scheduler's process. */
    public String nodeId() {
        return ha.config().nodeId();
    }

    /** Stops ticking and gives up leadership. */
    @Override
    public void close() throws InterruptedException {
        ticks.shutdownNow();
        ticks.awaitTermination(10, TimeUnit.SECONDS);
        election.close();
    }
}
