package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The extension's own service under test: it contends for component {@code service} and, every 10 ms while it
 * believes it leads, acts (recorded) and writes key {@code owner} with its session (fenced, recorded).
 * {@link #broken} makes it ignore revokes and never check its session: it keeps acting and writes unfenced.
 */
final class TickingService implements AutoCloseable {

    private final ProcessRecorder recorder;
    private final LeaderElection election;
    private final StateStore store;
    private final boolean broken;
    private final ScheduledExecutorService ticker;
    private final AtomicInteger ticks = new AtomicInteger();
    private volatile LeaderSession session;

    private TickingService(HaServices process, ProcessRecorder recorder, boolean broken) {
        this.recorder = recorder;
        this.broken = broken;
        this.store = process.stateStore("service");
        this.election = process.leaderElection("service");
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "ticking-" + recorder.nodeId()));
        election.startLeaderElection(new LeaderContender() {
            @Override
            public void grantLeadership(LeaderSession granted) {
                session = granted;
            }

            @Override
            public void revokeLeadership() {
                if (!broken) {
                    session = null;
                }
            }
        });
        ticker.scheduleWithFixedDelay(this::tick, 0, 10, TimeUnit.MILLISECONDS);
    }

    /** A service that checks its session before it acts and fences its writes. */
    static TickingService correct(HaServices process, ProcessRecorder recorder) {
        return new TickingService(process, recorder, false);
    }

    /** A service that keeps acting after it lost leadership and writes unfenced. */
    static TickingService broken(HaServices process, ProcessRecorder recorder) {
        return new TickingService(process, recorder, true);
    }

    private void tick() {
        LeaderSession s = session;
        if (s == null || (!broken && !election.hasLeadership(s))) {
            return;
        }
        int n = ticks.incrementAndGet();
        recorder.acting(s, "tick " + n);
        byte[] value = (recorder.nodeId() + "@" + s.epoch()).getBytes(StandardCharsets.UTF_8);
        try {
            if (broken) {
                store.put("owner", value, StateStore.ANY);
                recorder.wrote(s, "owner");
            } else {
                recorder.write(s, "owner", () -> store.put(s, "owner", value, StateStore.ANY));
            }
        } catch (LeadershipLostException e) {
            // fenced off: this leader is deposed (recorded as refused)
        } catch (RuntimeException e) {
            // the backend is unreachable (a partition): try again next tick
        }
    }

    /** How many times it acted. */
    int ticks() {
        return ticks.get();
    }

    @Override
    public void close() throws InterruptedException {
        ticker.shutdownNow();
        ticker.awaitTermination(10, TimeUnit.SECONDS);
        election.close();
    }

    @Override
    public String toString() {
        return "TickingService{" + recorder.nodeId() + (broken ? ", broken" : "") + "}";
    }
}
