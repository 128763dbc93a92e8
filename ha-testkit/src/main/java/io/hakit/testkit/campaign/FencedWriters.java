package io.hakit.testkit.campaign;

import io.hakit.api.BackendUnavailableException;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.history.LeadershipHistory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * One writer thread per process that, while that process's contender believes it leads, keeps writing one key with
 * leader-fenced puts and records every outcome into a {@link LeadershipHistory}: the workload of
 * {@link FaultCampaign}, usable on its own in fault tests.
 *
 * <p>Each write stores {@code "<contender>@<epoch>"} with {@link StateStore#ANY}. Before issuing it the writer reads
 * {@link LeadershipHistory#lastSequence()} and records an accepted write with
 * {@link LeadershipHistory#writeAccepted(String, LeaderSession, String, long)}, so a grant recorded while the write
 * was in flight does not count against it; a {@link LeadershipLostException} is recorded as a refused write. An
 * {@link UnknownOutcomeException} or a {@link BackendUnavailableException} is counted and not recorded (the checker
 * judges only writes known to have landed); any other exception is kept in {@link #errors()}.
 *
 * <p>Writers pause {@code pace} between writes and while their contender does not lead: a workload pace, so that the
 * history stays small and the machine keeps CPU for the backend. Thread-safe.
 */
public final class FencedWriters implements AutoCloseable {

    /** At most this many unexpected exceptions are kept. */
    private static final int MAX_ERRORS = 20;

    private final LeadershipHistory history;
    private final String key;
    private final long paceNanos;
    private final List<StateStore> stores;
    private final IntFunction<TestingContender> contenderOf;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicLong unavailable = new AtomicLong();
    private final Map<UUID, Long> lastAcceptedNanos = new ConcurrentHashMap<>();
    private final List<String> errors = new ArrayList<>();

    private FencedWriters(LeadershipHistory history, String key, Duration pace, List<StateStore> stores,
            IntFunction<TestingContender> contenderOf) {
        this.history = Objects.requireNonNull(history, "history");
        this.key = Objects.requireNonNull(key, "key");
        this.paceNanos = Objects.requireNonNull(pace, "pace").toNanos();
        this.stores = List.copyOf(stores);
        this.contenderOf = Objects.requireNonNull(contenderOf, "contenderOf");
        if (pace.isNegative() || pace.isZero()) {
            throw new IllegalArgumentException("pace must be positive, was " + pace);
        }
    }

    /**
     * Starts one writer per store: writer {@code i} writes {@code key} into {@code stores.get(i)} with the session of
     * {@code contenderOf.apply(i)} (asked before every write, so a test may replace the contender). The writers are
     * daemon threads named {@code fenced-writer-<i>}; each first waits {@code pace}.
     *
     * @param history     where accepted and refused writes are recorded
     * @param key         the key every writer writes
     * @param pace        the pause before each write and each look at the contender, positive
     * @param stores      one state store per writer, usually one namespace as each process sees it
     * @param contenderOf writer {@code i}'s contender; it writes only while that contender holds a session, and
     *                    may return null for none
     * @return the running writers; {@link #stop(Duration)} or {@link #close()} them
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code pace} is not positive
     */
    public static FencedWriters start(LeadershipHistory history, String key, Duration pace, List<StateStore> stores,
            IntFunction<TestingContender> contenderOf) {
        FencedWriters w = new FencedWriters(history, key, pace, stores, contenderOf);
        for (int i = 0; i < w.stores.size(); i++) {
            int index = i;
            Thread t = new Thread(() -> w.loop(index), "fenced-writer-" + i);
            t.setDaemon(true);
            w.threads.add(t);
        }
        w.threads.forEach(Thread::start);
        return w;
    }

    private void loop(int index) {
        StateStore store = stores.get(index);
        while (!stop.get()) {
            LockSupport.parkNanos(paceNanos);
            TestingContender c = contenderOf.apply(index);
            LeaderSession s = c == null ? null : c.session().orElse(null);
            if (s == null) {
                continue;
            }
            long issuedAfter = history.lastSequence();
            try {
                store.put(s, key, value(c.name(), s.epoch()), StateStore.ANY);
                history.writeAccepted(c.name(), s, key, issuedAfter);
                lastAcceptedNanos.put(s.id(), System.nanoTime());
                accepted.incrementAndGet();
            } catch (LeadershipLostException e) {
                history.writeRefused(c.name(), s, key);
                refused.incrementAndGet();
            } catch (UnknownOutcomeException e) {
                unknown.incrementAndGet();
            } catch (BackendUnavailableException e) {
                unavailable.incrementAndGet();
            } catch (RuntimeException e) {
                synchronized (errors) {
                    if (errors.size() < MAX_ERRORS) {
                        errors.add(c.name() + " at epoch " + s.epoch() + ": " + e);
                    }
                }
            }
        }
    }

    /**
     * The value a writer stores: {@code "<contender>@<epoch>"}.
     *
     * @param contender the writing contender's name
     * @param epoch     the epoch of the session it writes with
     * @return the value, in UTF-8
     */
    public static byte[] value(String contender, long epoch) {
        return (contender + "@" + epoch).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The epoch in a value written by {@link #value(String, long)}.
     *
     * @param value a value read from the key, UTF-8
     * @return the epoch after the last {@code @}, or -1 if it is not such a value
     */
    public static long epochOf(byte[] value) {
        String s = new String(value, StandardCharsets.UTF_8);
        int at = s.lastIndexOf('@');
        try {
            return at < 0 ? -1 : Long.parseLong(s.substring(at + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The contender in a value written by {@link #value(String, long)}.
     *
     * @param value a value read from the key, UTF-8
     * @return the text before the last {@code @}, or the whole text if there is none
     */
    public static String contenderOf(byte[] value) {
        String s = new String(value, StandardCharsets.UTF_8);
        int at = s.lastIndexOf('@');
        return at < 0 ? s : s.substring(0, at);
    }

    /**
     * Writes accepted so far.
     *
     * @return the number of puts that returned normally
     */
    public long accepted() {
        return accepted.get();
    }

    /**
     * Writes refused by fencing so far.
     *
     * @return the number of puts that threw {@link LeadershipLostException}
     */
    public long refused() {
        return refused.get();
    }

    /**
     * Writes with an unknown outcome so far (not recorded in the history).
     *
     * @return the number of puts that threw {@link UnknownOutcomeException}
     */
    public long unknown() {
        return unknown.get();
    }

    /**
     * Writes the backend could not take so far (not recorded in the history).
     *
     * @return the number of puts that threw {@link BackendUnavailableException}
     */
    public long unavailable() {
        return unavailable.get();
    }

    /**
     * When a write with {@code session} was last accepted, for example to wait for a leader's first write after a
     * heal.
     *
     * @param session a session a writer wrote with
     * @return the {@link System#nanoTime()} right after the last accepted put with it, or empty if none was
     */
    public OptionalLong lastAcceptedNanos(LeaderSession session) {
        Long t = lastAcceptedNanos.get(session.id());
        return t == null ? OptionalLong.empty() : OptionalLong.of(t);
    }

    /**
     * Unexpected exceptions of writes (the first {@value #MAX_ERRORS}), one line each.
     *
     * @return a copy: the contender, the epoch and the exception of each; empty when every write ended as expected
     */
    public List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /**
     * Stops the writers and waits at most {@code timeout} in all for them to end (a write under way may block on the
     * backend). A write under way still completes and is recorded. Idempotent.
     *
     * @param timeout how long to wait for all writer threads together
     * @return the names of writer threads still running after the wait (empty when all stopped)
     */
    public List<String> stop(Duration timeout) {
        stop.set(true);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> stuck = new ArrayList<>();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                stuck.add(t.getName());
            }
        }
        return stuck;
    }

    /** {@link #stop(Duration)} with 30 s. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }
}
