package io.hakit.testkit;

import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.testkit.history.LeadershipHistory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;

/**
 * A {@link LeaderContender} for tests (after Flink's {@code TestingContender}): records every call, optionally
 * confirms an address when granted and records into a {@link LeadershipHistory}, and notices concurrent callbacks
 * (a contract violation) instead of hiding them.
 */
public final class TestingContender implements LeaderContender {

    /** One recorded callback. Immutable. */
    public static final class Event {
        /** {@code true} for {@link LeaderContender#grantLeadership}, {@code false} for a revoke. */
        public final boolean grant;
        /**
         * The granted session; for a revoke, the session it ended, or null when the contender held none (a revoke
         * without a grant before it).
         */
        public final LeaderSession session;
        /** The name of the thread the callback ran on, to check which executor delivered it. */
        public final String thread;

        Event(boolean grant, LeaderSession session) {
            this.grant = grant;
            this.session = session;
            this.thread = Thread.currentThread().getName();
        }

        @Override
        public String toString() {
            return grant ? "grant(" + session.epoch() + ")" : "revoke";
        }
    }

    private final String name;
    private final String address;
    private final LeadershipHistory history;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicReference<LeaderSession> current = new AtomicReference<>();
    private final List<Event> events = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private volatile LeaderElection election;
    private volatile Duration callbackWork = Duration.ZERO;

    /**
     * A contender that confirms {@code address} when granted and records into {@code history}.
     *
     * @param name the contender's name in the history and in messages
     * @param address the address it confirms when granted, or null not to confirm
     * @param history where grants and revokes are recorded, or null
     */
    public TestingContender(String name, String address, LeadershipHistory history) {
        this.name = name;
        this.address = address;
        this.history = history;
    }

    /**
     * A contender that confirms nothing and records into no history.
     *
     * @param name the contender's name in messages
     */
    public TestingContender(String name) {
        this(name, null, null);
    }

    /**
     * Starts {@code election} with this contender; confirmation (if an address was given) uses it.
     *
     * @param election an election not started yet; {@link LeaderElection#startLeaderElection} is called on it
     * @return this contender
     */
    public TestingContender startOn(LeaderElection election) {
        this.election = election;
        election.startLeaderElection(this);
        return this;
    }

    /**
     * Makes every callback busy-spin this long, to widen windows for concurrency checks. Default zero.
     *
     * @param d how long each grant and revoke spins before it does its work; applies to callbacks from now on
     * @return this contender
     */
    public TestingContender callbackWork(Duration d) {
        this.callbackWork = d;
        return this;
    }

    @Override
    public void grantLeadership(LeaderSession session) {
        enter();
        try {
            // record the grant before publishing the session: a writer thread that reads session() and writes with
            // it must find the grant already in the history (else the checker reports a write without a grant)
            if (history != null) {
                history.granted(name, session);
            }
            current.set(session);
            synchronized (this) {
                events.add(new Event(true, session));
            }
            LeaderElection e = election;
            if (address != null && e != null) {
                e.confirmLeadership(session, address);
            }
        } finally {
            exit();
        }
    }

    @Override
    public void revokeLeadership() {
        enter();
        try {
            LeaderSession old = current.getAndSet(null);
            if (history != null && old != null) {
                history.revoked(name, old);
            }
            synchronized (this) {
                events.add(new Event(false, old));
            }
        } finally {
            exit();
        }
    }

    @Override
    public void handleError(Throwable error) {
        synchronized (this) {
            errors.add(error);
        }
    }

    private void enter() {
        int n = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(n, Math::max);
        long until = System.nanoTime() + callbackWork.toNanos();
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    private void exit() {
        inFlight.decrementAndGet();
    }

    /**
     * The contender's name.
     *
     * @return the name given to the constructor, as in the history and in messages
     */
    public String name() {
        return name;
    }

    /**
     * The session of the last grant not followed by a revoke. Updated on the callback thread; a test thread may see
     * it a moment after the backend changed its mind.
     *
     * @return the current session, or empty when this contender does not lead
     */
    public Optional<LeaderSession> session() {
        return Optional.ofNullable(current.get());
    }

    /**
     * Whether the last callback was a grant.
     *
     * @return whether this contender holds a session ({@link #session()} is present)
     */
    public boolean isLeader() {
        return current.get() != null;
    }

    /**
     * Every callback so far, in order.
     *
     * @return a copy of the recorded grants and revokes
     */
    public synchronized List<Event> events() {
        return new ArrayList<>(events);
    }

    /**
     * The number of grants so far.
     *
     * @return how many times {@link #grantLeadership} was called
     */
    public synchronized long grants() {
        return events.stream().filter(e -> e.grant).count();
    }

    /**
     * The number of revokes so far.
     *
     * @return how many times {@link #revokeLeadership} was called
     */
    public synchronized long revokes() {
        return events.stream().filter(e -> !e.grant).count();
    }

    /**
     * The most callbacks that ever ran at once for this contender (the contract says 1).
     *
     * @return the highest number of grant and revoke callbacks seen in flight together; 0 before the first
     */
    public int maxConcurrentCallbacks() {
        return maxInFlight.get();
    }

    /**
     * The errors the election reported through {@link #handleError}.
     *
     * @return a copy of the errors so far, in order; empty when there were none
     */
    public synchronized List<Throwable> errors() {
        return new ArrayList<>(errors);
    }

    /**
     * Waits (bounded) until this contender is granted, and returns the session. Returns at once if it leads now.
     *
     * @param timeout how long to wait at most
     * @return the session it holds
     * @throws org.awaitility.core.ConditionTimeoutException if it is not granted within {@code timeout}
     */
    public LeaderSession awaitGrant(Duration timeout) {
        await("grant of " + name).atMost(timeout).pollInterval(Duration.ofMillis(2)).until(this::isLeader);
        return current.get();
    }

    /**
     * Waits (bounded) until this contender has been revoked at least {@code n} times.
     *
     * @param n       the number of revokes since the contender was made (not since this call)
     * @param timeout how long to wait at most
     * @throws org.awaitility.core.ConditionTimeoutException if there are fewer revokes after {@code timeout}
     */
    public void awaitRevokes(long n, Duration timeout) {
        await(n + " revokes of " + name).atMost(timeout).pollInterval(Duration.ofMillis(2))
                .until(() -> revokes() >= n);
    }

    @Override
    public String toString() {
        return "TestingContender{" + name + "}";
    }
}
