package io.hakit.testkit.history;

import io.hakit.api.LeaderSession;
import io.hakit.testkit.history.LeadershipEvent.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A thread-safe recorder of what contenders observed during a test, and a checker of leadership safety over it.
 *
 * <p>Contract suites and randomized fault campaigns give one history to every contender. Each contender records:
 * <ul>
 *   <li>{@link #granted(String, LeaderSession)} first thing inside its grant callback, before it acts as leader;
 *   <li>{@link #revoked(String, LeaderSession)} inside its revoke callback, with the session it held;
 *   <li>{@link #writeAccepted(String, LeaderSession, String)} / {@link #writeRefused(String, LeaderSession, String)}
 *       as soon as a leader-fenced write returns (accepted) or fails with a fencing error (refused);
 *   <li>{@link #acted(String, LeaderSession, String)} when it takes a leader-only action that nothing fences.
 * </ul>
 * Every record gets a global sequence number, assigned under a lock together with the append, so the order of
 * sequence numbers is the real-time order of the record calls. {@link #check()} then looks for:
 * <ol>
 *   <li>{@link Violation.Kind#TWO_HOLDERS_OF_ONE_EPOCH}: two contenders, or two session ids, granted one epoch;
 *   <li>{@link Violation.Kind#EPOCH_WENT_BACKWARDS}: a grant whose epoch is not greater than that of every grant
 *       recorded before it (per contender only, if {@link CheckOptions#globalGrantOrder()} is off);
 *   <li>{@link Violation.Kind#STALE_WRITE_ACCEPTED}: an accepted write whose epoch is lower than an epoch granted
 *       (to anyone) before the write was issued: the store should have fenced it;
 *   <li>{@link Violation.Kind#WRITE_WITHOUT_GRANT}: an accepted write by a contender that had not been granted that
 *       session before;
 *   <li>{@link Violation.Kind#OVERLAPPING_LEADERS}: only with {@link CheckOptions#strictExclusion()}, two contenders
 *       that both believed they led at once (see {@link #overlaps()});
 *   <li>{@link Violation.Kind#OVERLAPPING_ACTIONS}: a contender that acted with an epoch lower than one another
 *       contender had already acted with: two leaders acted at once (one violation per stale contender, epoch and
 *       newer epoch, naming the first and last such action);
 *   <li>{@link Violation.Kind#ACTION_WITHOUT_GRANT}: an action with a session the contender had not been granted.
 * </ol>
 *
 * <h2>Assumptions</h2>
 * The global grant-order rule assumes each grant is recorded inside the grant callback, and that a backend never
 * delivers a grant whose epoch had already been superseded when the callback ran: two processes may observe their
 * grants in a different order than the backend issued them only if one callback is delayed past the next grant, which
 * this rule reports. Where a stalled callback executor is expected, turn the rule down to per contender with
 * {@link CheckOptions#withGlobalGrantOrder(boolean)}. Overlaps are not violations by default, since an old leader may
 * learn of its revoke after the new leader's grant; fencing is what keeps that window safe.
 *
 * <p>A write accepted with a stale epoch is judged against the grants recorded before the write was issued. With
 * {@link #writeAccepted(String, LeaderSession, String)} that is every event recorded before the call, which is exact
 * when the write and the newer grant do not run concurrently. When they may (a campaign with concurrent writers),
 * read {@link #lastSequence()} just before issuing the write and record with
 * {@link #writeAccepted(String, LeaderSession, String, long)}, so that a grant recorded while the write was in flight
 * does not count against it.
 *
 * <h2>Threading</h2>
 * Every method is thread-safe. Record methods take a short lock and never block otherwise, so they are safe to call
 * from any callback; {@link #check()} and the snapshots copy the events under the lock and do their work outside it.
 *
 * <h2>Capacity</h2>
 * A history holds at most {@link #capacity()} events (one million by default, some tens of megabytes); a record
 * beyond that throws {@link IllegalStateException} naming the limit, so that a runaway campaign fails loudly rather
 * than exhausting the heap.
 */
public final class LeadershipHistory {

    /** Default {@link #capacity()}: one million events. */
    public static final int DEFAULT_CAPACITY = 1_000_000;

    /** At most this many violations are listed in the message of {@link #assertNoViolations()}. */
    private static final int MAX_LISTED_VIOLATIONS = 50;

    /** {@link #toString()} lists all events up to this many, else the first and last half of it. */
    private static final int MAX_DUMPED_EVENTS = 200;

    private final int capacity;
    private final Object lock = new Object();
    // guarded by lock
    private final List<LeadershipEvent> events = new ArrayList<>();
    // guarded by lock
    private long lastSequence;

    /** Creates an empty history with the {@linkplain #DEFAULT_CAPACITY default capacity}. */
    public LeadershipHistory() {
        this(DEFAULT_CAPACITY);
    }

    /**
     * Creates an empty history that holds at most {@code capacity} events.
     *
     * @param capacity the most events it holds; a record beyond that throws {@link IllegalStateException}
     * @throws IllegalArgumentException if {@code capacity} is not positive
     */
    public LeadershipHistory(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.capacity = capacity;
    }

    // ------------------------------------------------------------------------------------------------ recording

    /**
     * Records that {@code contender} was granted leadership with {@code session}. Call it inside the grant callback,
     * before acting as leader.
     *
     * @param contender the id of the contender, as it appears in violations and in the dump
     * @param session   the session granted
     * @return the recorded event
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the history is full
     */
    public LeadershipEvent granted(String contender, LeaderSession session) {
        return record(Type.GRANTED, contender, session, null, -1);
    }

    /**
     * Records that {@code contender} lost the leadership it held with {@code session}. Call it inside the revoke
     * callback.
     *
     * @param contender the id of the contender, as it appears in violations and in the dump
     * @param session   the session it held (not a newer one it may hear of later)
     * @return the recorded event
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the history is full
     */
    public LeadershipEvent revoked(String contender, LeaderSession session) {
        return record(Type.REVOKED, contender, session, null, -1);
    }

    /**
     * Records that a leader-fenced write of {@code key} with {@code session} was accepted. The write is taken to have
     * been issued after every event recorded before this call; see
     * {@link #writeAccepted(String, LeaderSession, String, long)} for writes concurrent with grants.
     *
     * @param contender the id of the contender, as it appears in violations and in the dump
     * @param session   the session the write was fenced with
     * @param key       the key written
     * @return the recorded event
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the history is full
     */
    public LeadershipEvent writeAccepted(String contender, LeaderSession session, String key) {
        Objects.requireNonNull(key, "key");
        return record(Type.WRITE_ACCEPTED, contender, session, key, -1);
    }

    /**
     * Records that a leader-fenced write of {@code key} with {@code session} was accepted, where
     * {@code issuedAfterSequence} is the value {@link #lastSequence()} returned just before the write was issued.
     * Only grants recorded up to that sequence number can make this write stale.
     *
     * @param contender the id of the contender, as it appears in violations and in the dump
     * @param session             the session the write was fenced with
     * @param key                 the key written
     * @param issuedAfterSequence {@link #lastSequence()} read just before the write was issued
     * @return the recorded event
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code issuedAfterSequence} is negative or greater than
     *         {@link #lastSequence()}
     * @throws IllegalStateException if the history is full
     */
    public LeadershipEvent writeAccepted(String contender, LeaderSession session, String key, long issuedAfterSequence) {
        Objects.requireNonNull(key, "key");
        if (issuedAfterSequence < 0) {
            throw new IllegalArgumentException("issuedAfterSequence must not be negative, was " + issuedAfterSequence);
        }
        return record(Type.WRITE_ACCEPTED, contender, session, key, issuedAfterSequence);
    }

    /**
     * Records that a leader-fenced write of {@code key} with {@code session} was refused by fencing. Refusals are
     * always safe; they are kept for the dump and for tests that count them.
     *
     * @param contender the id of the contender, as it appears in violations and in the dump
     * @param session   the session the write was fenced with
     * @param key       the key written
     * @return the recorded event
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the history is full
     */
    public LeadershipEvent writeRefused(String contender, LeaderSession session, String key) {
        Objects.requireNonNull(key, "key");
        return record(Type.WRITE_REFUSED, contender, session, key, -1);
    }

    /**
     * Records that {@code contender} acted as leader with {@code session}: an action only the leader may take and that
     * no store fences (a message sent, a job started, a file written outside HAKit). Call it when the action is taken,
     * after checking that the session is still current. {@link #check()} reports an action with an epoch lower than
     * one another contender already acted with ({@link Violation.Kind#OVERLAPPING_ACTIONS}).
     *
     * @param contender the id of the contender, as it appears in violations and in the dump
     * @param session   the session it acted with, checked as current just before
     * @param action    what was done, shown in the dump; may be null
     * @return the recorded event
     * @throws NullPointerException if {@code contender} or {@code session} is null
     * @throws IllegalStateException if the history is full
     */
    public LeadershipEvent acted(String contender, LeaderSession session, String action) {
        return record(Type.ACTED, contender, session, action, -1);
    }

    // issuedAfter: the sequence number the write was issued after, or -1 for "every event recorded before this one".
    private LeadershipEvent record(Type type, String contender, LeaderSession session, String key, long issuedAfter) {
        Objects.requireNonNull(contender, "contender");
        Objects.requireNonNull(session, "session");
        synchronized (lock) {
            if (events.size() >= capacity) {
                throw new IllegalStateException("leadership history is full: capacity of " + capacity
                        + " events reached; create it with a larger capacity or record less");
            }
            if (issuedAfter > lastSequence) {
                throw new IllegalArgumentException("issuedAfterSequence " + issuedAfter
                        + " is greater than the last recorded sequence number " + lastSequence);
            }
            long sequence = lastSequence + 1;
            LeadershipEvent event = new LeadershipEvent(
                    sequence, type, contender, session, key, issuedAfter < 0 ? sequence - 1 : issuedAfter);
            events.add(event);
            lastSequence = sequence;
            return event;
        }
    }

    // ------------------------------------------------------------------------------------------------ snapshots

    /**
     * The sequence number of the latest recorded event; read it just before issuing a write that may run
     * concurrently with grants (see {@link #writeAccepted(String, LeaderSession, String, long)}).
     *
     * @return the latest sequence number; 0 when the history is empty
     */
    public long lastSequence() {
        synchronized (lock) {
            return lastSequence;
        }
    }

    /**
     * The number of recorded events.
     *
     * @return how many events are recorded, at most {@link #capacity()}
     */
    public int size() {
        synchronized (lock) {
            return events.size();
        }
    }

    /**
     * The maximum number of events this history holds.
     *
     * @return the capacity given to the constructor, or {@link #DEFAULT_CAPACITY}
     */
    public int capacity() {
        return capacity;
    }

    /**
     * An immutable snapshot of every event, in sequence order.
     *
     * @return the events recorded so far; later records do not change it
     */
    public List<LeadershipEvent> events() {
        synchronized (lock) {
            return List.copyOf(events);
        }
    }

    /**
     * An immutable snapshot of the {@link Type#GRANTED} events, in sequence order.
     *
     * @return the grants recorded so far
     */
    public List<LeadershipEvent> grants() {
        return events().stream().filter(e -> e.type() == Type.GRANTED).toList();
    }

    // ------------------------------------------------------------------------------------------------ checking

    /**
     * Checks the history with {@link CheckOptions#defaults()}.
     *
     * @return every violation found, as {@link #check(CheckOptions)}; empty means none
     */
    public List<Violation> check() {
        return check(CheckOptions.defaults());
    }

    /**
     * Checks the events recorded so far and returns every violation found, in the order of the event that completed
     * each one. An empty list means no violation.
     *
     * @param options which of the optional rules apply
     * @return an immutable list of the violations; empty when there is none
     * @throws NullPointerException if {@code options} is null
     */
    public List<Violation> check(CheckOptions options) {
        Objects.requireNonNull(options, "options");
        List<LeadershipEvent> snapshot = events();
        List<Violation> violations = new ArrayList<>();

        Map<Long, LeadershipEvent> firstGrantOfEpoch = new HashMap<>();
        Map<String, LeadershipEvent> highestGrantOfContender = new HashMap<>();
        Map<String, Set<LeaderSession>> sessionsGranted = new HashMap<>();
        LeadershipEvent highestGrant = null;
        // Grants in sequence order, with the highest grant recorded up to each: a prefix maximum for stale writes.
        List<Long> grantSequences = new ArrayList<>();
        List<LeadershipEvent> highestGrantUpTo = new ArrayList<>();
        StaleActions staleActions = new StaleActions(violations);

        for (LeadershipEvent event : snapshot) {
            switch (event.type()) {
                case GRANTED: {
                    LeadershipEvent sameEpoch = firstGrantOfEpoch.get(event.epoch());
                    if (sameEpoch != null && (!sameEpoch.contender().equals(event.contender())
                            || !sameEpoch.session().id().equals(event.session().id()))) {
                        violations.add(new Violation(Violation.Kind.TWO_HOLDERS_OF_ONE_EPOCH,
                                "epoch " + event.epoch() + " was granted twice: " + describeGrant(sameEpoch)
                                        + " and " + describeGrant(event),
                                List.of(sameEpoch.sequence(), event.sequence())));
                    } else {
                        LeadershipEvent reference = options.globalGrantOrder()
                                ? highestGrant : highestGrantOfContender.get(event.contender());
                        if (reference != null && event.epoch() <= reference.epoch()) {
                            violations.add(new Violation(Violation.Kind.EPOCH_WENT_BACKWARDS,
                                    "epoch went backwards: " + describeGrant(event)
                                            + " was recorded after " + describeGrant(reference)
                                            + "; epoch " + event.epoch() + " is not greater than " + reference.epoch(),
                                    List.of(reference.sequence(), event.sequence())));
                        }
                    }
                    firstGrantOfEpoch.putIfAbsent(event.epoch(), event);
                    highestGrantOfContender.merge(event.contender(), event,
                            (old, neu) -> neu.epoch() > old.epoch() ? neu : old);
                    sessionsGranted.computeIfAbsent(event.contender(), c -> new HashSet<>()).add(event.session());
                    if (highestGrant == null || event.epoch() > highestGrant.epoch()) {
                        highestGrant = event;
                    }
                    grantSequences.add(event.sequence());
                    highestGrantUpTo.add(highestGrant);
                    break;
                }
                case WRITE_ACCEPTED: {
                    if (!sessionsGranted.getOrDefault(event.contender(), Set.of()).contains(event.session())) {
                        violations.add(new Violation(Violation.Kind.WRITE_WITHOUT_GRANT,
                                "write without grant: " + describeWrite(event) + " was accepted, but "
                                        + event.contender() + " had not been granted epoch " + event.epoch()
                                        + " with session " + event.session().id() + " before it",
                                List.of(event.sequence())));
                    }
                    LeadershipEvent superseding = highestGrantAtOrBefore(
                            event.issuedAfterSequence(), grantSequences, highestGrantUpTo);
                    if (superseding != null && superseding.epoch() > event.epoch()) {
                        violations.add(new Violation(Violation.Kind.STALE_WRITE_ACCEPTED,
                                "stale write accepted: " + describeWrite(event) + " was accepted although epoch "
                                        + superseding.epoch() + " had already been granted ("
                                        + describeGrant(superseding) + "); epoch " + event.epoch()
                                        + " should have been fenced",
                                List.of(superseding.sequence(), event.sequence())));
                    }
                    break;
                }
                case ACTED: {
                    if (!sessionsGranted.getOrDefault(event.contender(), Set.of()).contains(event.session())) {
                        violations.add(new Violation(Violation.Kind.ACTION_WITHOUT_GRANT,
                                "action without grant: " + event.contender() + " acted"
                                        + (event.key() == null ? "" : " (" + event.key() + ")") + " with epoch "
                                        + event.epoch() + " at #" + event.sequence() + ", but had not been granted"
                                        + " epoch " + event.epoch() + " with session " + event.session().id()
                                        + " before it",
                                List.of(event.sequence())));
                    }
                    staleActions.add(event);
                    break;
                }
                default:
                    break;
            }
        }
        staleActions.finish();

        if (options.strictExclusion()) {
            for (Overlap overlap : overlaps(snapshot)) {
                List<Long> sequences = new ArrayList<>();
                sequences.add(overlap.fromSequence());
                overlap.untilSequence().ifPresent(sequences::add);
                violations.add(new Violation(Violation.Kind.OVERLAPPING_LEADERS,
                        "overlapping leaders: " + overlap, sequences));
            }
        }
        return List.copyOf(violations);
    }

    /**
     * Checks with {@link CheckOptions#defaults()} and throws if anything is found.
     *
     * @throws AssertionError listing the violations (the first 50) and a dump of the
     *         history
     */
    public void assertNoViolations() {
        assertNoViolations(CheckOptions.defaults());
    }

    /**
     * Checks with {@code options} and throws if anything is found.
     *
     * @param options which of the optional rules apply
     * @throws AssertionError listing the violations (the first 50) and a dump of the
     *         history
     * @throws NullPointerException if {@code options} is null
     */
    public void assertNoViolations(CheckOptions options) {
        List<Violation> violations = check(options);
        if (violations.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder()
                .append(violations.size()).append(" leadership violation(s) in a history of ")
                .append(size()).append(" events:\n");
        for (int i = 0; i < Math.min(violations.size(), MAX_LISTED_VIOLATIONS); i++) {
            sb.append("  ").append(i + 1).append(". ").append(violations.get(i)).append('\n');
        }
        if (violations.size() > MAX_LISTED_VIOLATIONS) {
            sb.append("  ... and ").append(violations.size() - MAX_LISTED_VIOLATIONS).append(" more\n");
        }
        sb.append(this);
        throw new AssertionError(sb.toString());
    }

    /**
     * The stretches of the history during which two different contenders both believed they led. A contender is
     * taken to lead from its grant until the first later record that ends it: its revoke of that same session, or a
     * newer grant to it. Revokes of a session the contender does not currently hold are ignored. The result is in
     * order of the overlap's start, then of the first contender's grant.
     *
     * @return the overlaps found so far, whether or not {@link CheckOptions#strictExclusion()} would report them;
     *     empty when leadership never overlapped
     */
    public List<Overlap> overlaps() {
        return overlaps(events());
    }

    private static List<Overlap> overlaps(List<LeadershipEvent> snapshot) {
        record Interval(LeadershipEvent grant, long end) {
        }
        List<Interval> intervals = new ArrayList<>();
        Map<String, LeadershipEvent> current = new HashMap<>();
        for (LeadershipEvent event : snapshot) {
            if (event.type() == Type.GRANTED) {
                LeadershipEvent previous = current.put(event.contender(), event);
                if (previous != null) {
                    intervals.add(new Interval(previous, event.sequence()));
                }
            } else if (event.type() == Type.REVOKED) {
                LeadershipEvent held = current.get(event.contender());
                if (held != null && held.session().equals(event.session())) {
                    current.remove(event.contender());
                    intervals.add(new Interval(held, event.sequence()));
                }
            }
        }
        current.values().forEach(grant -> intervals.add(new Interval(grant, Long.MAX_VALUE)));
        intervals.sort(Comparator.comparingLong(i -> i.grant().sequence()));

        List<Overlap> overlaps = new ArrayList<>();
        List<Interval> active = new ArrayList<>();
        for (Interval next : intervals) {
            long start = next.grant().sequence();
            active.removeIf(i -> i.end() <= start);
            for (Interval earlier : active) {
                if (earlier.grant().contender().equals(next.grant().contender())) {
                    continue;
                }
                long until = Math.min(earlier.end(), next.end());
                overlaps.add(new Overlap(
                        earlier.grant().contender(), earlier.grant().session(),
                        next.grant().contender(), next.grant().session(),
                        start, until == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(until)));
            }
            active.add(next);
        }
        return List.copyOf(overlaps);
    }

    /**
     * Finds {@link Violation.Kind#OVERLAPPING_ACTIONS}: an action recorded after another contender's action with a
     * higher epoch. Stale actions of one contender and epoch behind one newer epoch make one violation, placed where
     * the first of them was found and completed by {@link #finish()} with the count and the last of them.
     */
    private static final class StaleActions {
        private final List<Violation> violations;
        private final Map<String, Run> runs = new HashMap<>();
        private LeadershipEvent highestAction;

        /** Stale actions of one contender and epoch behind one newer action's epoch. */
        private static final class Run {
            final int index;
            final LeadershipEvent newer;
            final LeadershipEvent first;
            LeadershipEvent last;
            int count;

            Run(int index, LeadershipEvent newer, LeadershipEvent first) {
                this.index = index;
                this.newer = newer;
                this.first = first;
            }
        }

        StaleActions(List<Violation> violations) {
            this.violations = violations;
        }

        void add(LeadershipEvent action) {
            LeadershipEvent newer = highestAction;
            if (newer != null && newer.epoch() > action.epoch() && !newer.contender().equals(action.contender())) {
                String key = action.contender() + '\u0000' + action.epoch() + '\u0000' + newer.epoch();
                Run run = runs.computeIfAbsent(key, k -> {
                    violations.add(null); // placeholder, filled by finish()
                    return new Run(violations.size() - 1, newer, action);
                });
                run.last = action;
                run.count++;
            }
            if (highestAction == null || action.epoch() > highestAction.epoch()) {
                highestAction = action;
            }
        }

        void finish() {
            for (Run run : runs.values()) {
                LeadershipEvent stale = run.first;
                StringBuilder message = new StringBuilder("two leaders acted at once: ")
                        .append(stale.contender()).append(" acted with epoch ").append(stale.epoch())
                        .append(" at #").append(stale.sequence()).append(describeAction(stale))
                        .append(" after ").append(run.newer.contender()).append(" had acted with epoch ")
                        .append(run.newer.epoch()).append(" at #").append(run.newer.sequence())
                        .append(describeAction(run.newer));
                if (run.count > 1) {
                    message.append("; ").append(run.count).append(" actions of ").append(stale.contender())
                            .append(" with epoch ").append(stale.epoch()).append(" came after it, the last at #")
                            .append(run.last.sequence());
                }
                message.append(". Overlapping epochs: ").append(stale.epoch()).append(" (")
                        .append(stale.contender()).append(") and ").append(run.newer.epoch()).append(" (")
                        .append(run.newer.contender()).append(")");
                violations.set(run.index, new Violation(Violation.Kind.OVERLAPPING_ACTIONS, message.toString(),
                        List.of(run.newer.sequence(), stale.sequence())));
            }
        }

        private static String describeAction(LeadershipEvent action) {
            return action.key() == null ? "" : " (" + action.key() + ")";
        }
    }

    private static LeadershipEvent highestGrantAtOrBefore(
            long sequence, List<Long> grantSequences, List<LeadershipEvent> highestGrantUpTo) {
        int low = 0;
        int high = grantSequences.size() - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (grantSequences.get(mid) <= sequence) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found < 0 ? null : highestGrantUpTo.get(found);
    }

    private static String describeGrant(LeadershipEvent grant) {
        return "grant of epoch " + grant.epoch() + " to " + grant.contender() + " (session " + grant.session().id()
                + ", #" + grant.sequence() + ")";
    }

    private static String describeWrite(LeadershipEvent write) {
        return "write of '" + write.key() + "' by " + write.contender() + " with epoch " + write.epoch()
                + " (#" + write.sequence()
                + (write.issuedAfterSequence() != write.sequence() - 1
                        ? ", issued after #" + write.issuedAfterSequence() : "")
                + ")";
    }

    /**
     * A dump for failure messages: the number of events, then one line per event (every event up to
     * 200, else the first 100 and the last 100 with the number omitted between them).
     */
    @Override
    public String toString() {
        List<LeadershipEvent> snapshot = events();
        StringBuilder sb = new StringBuilder("LeadershipHistory of ").append(snapshot.size()).append(" events:\n");
        if (snapshot.size() <= MAX_DUMPED_EVENTS) {
            snapshot.forEach(e -> sb.append("  ").append(e).append('\n'));
        } else {
            int half = MAX_DUMPED_EVENTS / 2;
            snapshot.subList(0, half).forEach(e -> sb.append("  ").append(e).append('\n'));
            sb.append("  ... ").append(snapshot.size() - 2 * half).append(" events omitted ...\n");
            snapshot.subList(snapshot.size() - half, snapshot.size())
                    .forEach(e -> sb.append("  ").append(e).append('\n'));
        }
        return sb.toString();
    }
}
