package io.hakit.api.alarm;

import io.hakit.api.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The active alarms of one process, with idempotent raise and clear, automatic clearing when the cause is gone,
 * a bounded history and listeners.
 *
 * <p><b>One alarm per (type, source).</b> {@link #raise(AlarmType, String, String)} of an alarm that is already
 * active does not emit a second {@link AlarmEvent.Kind#RAISED}: it increments the alarm's occurrence count, replaces
 * its detail and emits {@link AlarmEvent.Kind#UPDATED} only if the detail changed. {@link #clear(AlarmType, String)}
 * of an alarm that is not active does nothing. So callers can raise on every failed check and clear on every
 * successful one without flooding operators.
 *
 * <p><b>Automatic clearing.</b> Two mechanisms clear an alarm when its cause is gone, both applied by
 * {@link #evaluate()} (which {@link #start(ScheduledExecutorService, Duration)} runs periodically):
 * <ul>
 *   <li>{@link #condition(AlarmType, String, Supplier)} registers a check; each evaluation raises the alarm with the
 *       detail the check returns, or clears it when the check returns empty;</li>
 *   <li>{@link #raiseFor(AlarmType, String, String, Duration)} raises an alarm that clears itself unless raised
 *       again within the given time, measured with the ticker. Such expired alarms are also cleared by every other
 *       call on the registry, so queries never report an alarm whose time is up.</li>
 * </ul>
 *
 * <p><b>Time.</b> Timestamps shown to operators ({@link Alarm#raisedAt()}, {@link AlarmEvent#time()}) come from the
 * wall {@link Clock}; durations (auto-clear) are measured with the monotonic {@link Ticker}, so a clock jump never
 * clears or prolongs an alarm.
 *
 * <p><b>Threading.</b> Thread-safe. The state is guarded by one internal lock, held only briefly and never while
 * calling listeners or condition checks. Events are queued in the order of the changes while the lock is held and
 * delivered afterwards through the serial executor, one at a time and in that order (see {@link AlarmListener}).
 * The registry additionally serialises its own deliveries, so ordering holds even if the executor given runs tasks
 * concurrently; a direct executor ({@code Runnable::run}) delivers on the thread that made the change, after the
 * lock is released. A listener that throws is logged and does not stop the others. Every event is also logged
 * (slf4j, logger {@code io.hakit.api.alarm.AlarmRegistry}) from the executor: raised and updated alarms of severity
 * {@link Severity#MAJOR} or worse at WARN, the others at INFO.
 */
public final class AlarmRegistry implements AutoCloseable {

    /** Default capacity of {@link #history()}: 1000 events. */
    public static final int DEFAULT_HISTORY_CAPACITY = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(AlarmRegistry.class);

    /** Identity of an alarm. */
    private static final class Key {
        final AlarmType type;
        final String source;

        Key(AlarmType type, String source) {
            this.type = type;
            this.source = source;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).type == type && ((Key) o).source.equals(source);
        }

        @Override
        public int hashCode() {
            return 31 * type.hashCode() + source.hashCode();
        }

        @Override
        public String toString() {
            return type + "/" + source;
        }
    }

    /** An event with the listeners registered when it happened. */
    private static final class Delivery {
        final AlarmEvent event;
        final List<AlarmListener> listeners;

        Delivery(AlarmEvent event, List<AlarmListener> listeners) {
            this.event = event;
            this.listeners = listeners;
        }
    }

    private final Executor serialExecutor;
    private final Clock wallClock;
    private final Ticker ticker;
    private final int historyCapacity;

    private final Object lock = new Object();
    /** Guarded by {@link #lock}; insertion order = order of first raise. */
    private final Map<Key, Alarm> active = new LinkedHashMap<>();
    /** Guarded by {@link #lock}: ticker deadlines of alarms raised with {@link #raiseFor}. */
    private final Map<Key, Long> autoClearDeadlines = new HashMap<>();
    /** Guarded by {@link #lock}. */
    private final Map<Key, Supplier<Optional<String>>> conditions = new LinkedHashMap<>();
    /** Guarded by {@link #lock}; oldest first. */
    private final ArrayDeque<AlarmEvent> history = new ArrayDeque<>();
    /** Immutable; replaced while holding {@link #lock}. */
    private volatile List<AlarmListener> listeners = List.of();

    /** Events waiting for delivery, in the order of the changes (appended while holding {@link #lock}). */
    private final ConcurrentLinkedQueue<Delivery> outbox = new ConcurrentLinkedQueue<>();
    /** True while a drain task is scheduled or running; ensures one delivery at a time. */
    private final AtomicBoolean draining = new AtomicBoolean();

    /** Serialises {@link #evaluate()} so results of concurrent evaluations cannot be applied out of order. */
    private final ReentrantLock evaluationLock = new ReentrantLock();
    /** Package-private hooks run by {@link #evaluate()}, for example {@link RestartLoopDetector#evaluate()}. */
    private final CopyOnWriteArrayList<Runnable> evaluationHooks = new CopyOnWriteArrayList<>();

    private final Object lifecycleLock = new Object();
    /** Guarded by {@link #lifecycleLock}. */
    private ScheduledFuture<?> periodicEvaluation;
    /** Guarded by {@link #lifecycleLock}. */
    private boolean closed;

    private AlarmRegistry(Executor serialExecutor, Clock wallClock, Ticker ticker, int historyCapacity) {
        this.serialExecutor = serialExecutor;
        this.wallClock = wallClock;
        this.ticker = ticker;
        this.historyCapacity = historyCapacity;
    }

    /**
     * Creates a registry with a history of {@value #DEFAULT_HISTORY_CAPACITY} events.
     *
     * @param serialExecutor runs listener deliveries, one at a time
     * @param wallClock wall-clock time for the alarms and events
     * @param ticker monotonic time for auto-clear deadlines
     * @return a new registry with no alarms, not started
     * @throws NullPointerException if an argument is null
     * @see #create(Executor, Clock, Ticker, int)
     */
    public static AlarmRegistry create(Executor serialExecutor, Clock wallClock, Ticker ticker) {
        return create(serialExecutor, wallClock, ticker, DEFAULT_HISTORY_CAPACITY);
    }

    /**
     * Creates a registry.
     *
     * @param serialExecutor  runs listener deliveries, for example a single-thread executor shared by the service;
     *                        the registry never runs two deliveries at once on it. If it rejects a task, pending
     *                        events stay queued and are delivered with the next change.
     * @param wallClock       wall-clock time for {@link Alarm#raisedAt()} and {@link AlarmEvent#time()}, usually
     *                        {@link Clock#systemUTC()}
     * @param ticker          monotonic time for auto-clear deadlines, usually {@link Ticker#system()}
     * @param historyCapacity how many events {@link #history()} keeps (oldest dropped first); at least 1
     * @return a new registry with no alarms, not started
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code historyCapacity < 1}
     */
    public static AlarmRegistry create(Executor serialExecutor, Clock wallClock, Ticker ticker, int historyCapacity) {
        Objects.requireNonNull(serialExecutor, "serialExecutor");
        Objects.requireNonNull(wallClock, "wallClock");
        Objects.requireNonNull(ticker, "ticker");
        if (historyCapacity < 1) {
            throw new IllegalArgumentException("historyCapacity must be >= 1, was " + historyCapacity);
        }
        return new AlarmRegistry(serialExecutor, wallClock, ticker, historyCapacity);
    }

    // ----------------------------------------------------------------------------------------------- raise / clear

    /**
     * Raises the alarm {@code (type, source)}, or raises it again if it is already active.
     *
     * <p>A new alarm emits {@link AlarmEvent.Kind#RAISED}. For an active one the occurrence count is incremented
     * and the detail replaced; {@link AlarmEvent.Kind#UPDATED} is emitted only if the detail changed. If the alarm
     * had been raised with {@link #raiseFor}, this cancels its automatic clearing: it now stays active until
     * cleared.
     *
     * @param type the alarm type
     * @param source what the alarm is about, for example a node id or a path; not blank
     * @param detail a human-readable detail for operators; may be empty
     * @return the alarm as it is now active
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code source} is blank
     */
    public Alarm raise(AlarmType type, String source, String detail) {
        Alarm alarm = raiseWithoutDispatch(type, source, detail);
        dispatch();
        return alarm;
    }

    /**
     * Raises the alarm like {@link #raise(AlarmType, String, String)}, and clears it automatically once
     * {@code autoClearAfter} has passed (measured with the ticker) unless it is raised again before. Raising again
     * with this method restarts the time; raising again with {@code raise} makes the alarm permanent.
     *
     * <p>Use it for causes that are only visible while they happen, for example "no heartbeat for 30 s": raise on
     * each miss, and the alarm clears itself once misses stop. The clearing happens at the first
     * {@link #evaluate()} or any other call on this registry after the deadline.
     *
     * @param type the alarm type
     * @param source what the alarm is about, for example a node id or a path; not blank
     * @param detail a human-readable detail for operators; may be empty
     * @param autoClearAfter how long after this raise the alarm clears itself, positive
     * @return the alarm as it is now active
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code source} is blank or {@code autoClearAfter} is not positive
     */
    public Alarm raiseFor(AlarmType type, String source, String detail, Duration autoClearAfter) {
        Objects.requireNonNull(autoClearAfter, "autoClearAfter");
        if (autoClearAfter.isNegative() || autoClearAfter.isZero()) {
            throw new IllegalArgumentException("autoClearAfter must be positive, was " + autoClearAfter);
        }
        Key key = key(type, source);
        Objects.requireNonNull(detail, "detail");
        long afterNanos = saturatedNanos(autoClearAfter);
        Alarm alarm;
        synchronized (lock) {
            long now = ticker.read();
            expireLocked(now);
            alarm = raiseLocked(key, detail);
            // Wrap-around arithmetic, compared as now - deadline >= 0 like System.nanoTime() values.
            autoClearDeadlines.put(key, now + afterNanos);
        }
        dispatch();
        return alarm;
    }

    /**
     * Clears the alarm {@code (type, source)} if it is active, emitting {@link AlarmEvent.Kind#CLEARED}; does
     * nothing otherwise. A registered {@linkplain #condition condition} for the same alarm raises it again at the
     * next evaluation if its cause is still present.
     *
     * @param type the alarm type
     * @param source what the alarm is about, for example a node id or a path; not blank
     * @return {@code true} if the alarm was active
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code source} is blank
     */
    public boolean clear(AlarmType type, String source) {
        boolean wasActive = clearWithoutDispatch(type, source);
        dispatch();
        return wasActive;
    }

    /** Like {@link #raise} but leaves the queued events for a later {@link #dispatch()}. */
    Alarm raiseWithoutDispatch(AlarmType type, String source, String detail) {
        Key key = key(type, source);
        Objects.requireNonNull(detail, "detail");
        synchronized (lock) {
            expireLocked(ticker.read());
            Alarm alarm = raiseLocked(key, detail);
            autoClearDeadlines.remove(key);
            return alarm;
        }
    }

    /** Like {@link #clear} but leaves the queued events for a later {@link #dispatch()}. */
    boolean clearWithoutDispatch(AlarmType type, String source) {
        Key key = key(type, source);
        synchronized (lock) {
            expireLocked(ticker.read());
            return clearLocked(key);
        }
    }

    private Alarm raiseLocked(Key key, String detail) {
        Instant now = wallClock.instant();
        Alarm existing = active.get(key);
        if (existing == null) {
            Alarm alarm = Alarm.of(key.type, key.source, detail, now);
            active.put(key, alarm);
            emitLocked(AlarmEvent.Kind.RAISED, alarm, now);
            return alarm;
        }
        Alarm alarm = existing.reraised(detail, now);
        active.put(key, alarm);
        if (!existing.detail().equals(detail)) {
            emitLocked(AlarmEvent.Kind.UPDATED, alarm, now);
        }
        return alarm;
    }

    private boolean clearLocked(Key key) {
        autoClearDeadlines.remove(key);
        Alarm removed = active.remove(key);
        if (removed == null) {
            return false;
        }
        emitLocked(AlarmEvent.Kind.CLEARED, removed, wallClock.instant());
        return true;
    }

    /** Clears every {@link #raiseFor} alarm whose deadline has passed at ticker reading {@code now}. */
    private void expireLocked(long now) {
        if (autoClearDeadlines.isEmpty()) {
            return;
        }
        Iterator<Map.Entry<Key, Long>> it = autoClearDeadlines.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Long> e = it.next();
            if (now - e.getValue() >= 0) {
                it.remove();
                Alarm removed = active.remove(e.getKey());
                if (removed != null) {
                    emitLocked(AlarmEvent.Kind.CLEARED, removed, wallClock.instant());
                }
            }
        }
    }

    private void emitLocked(AlarmEvent.Kind kind, Alarm alarm, Instant time) {
        AlarmEvent event = AlarmEvent.of(kind, alarm, time);
        if (history.size() == historyCapacity) {
            history.removeFirst();
        }
        history.addLast(event);
        // Queued even without listeners: the drain also logs the event, outside the lock.
        outbox.add(new Delivery(event, listeners));
    }

    // --------------------------------------------------------------------------------------------------- conditions

    /**
     * Registers a condition that {@link #evaluate()} turns into a raise or a clear of the alarm
     * {@code (type, source)}: when {@code check} returns a detail the alarm is raised with it (see
     * {@link #raise}, so the alarm's count is the number of evaluations that found the cause present), when it
     * returns empty the alarm is cleared. This is how an alarm clears itself once its cause is gone. The check is
     * not run by this call; the first evaluation runs it.
     *
     * <p>The check runs on the thread calling {@link #evaluate()} (the scheduler's thread after {@link #start}),
     * one evaluation at a time, without the registry's lock held; it may block briefly (file or certificate checks)
     * but delays the other checks while doing so. If it throws or returns null, the failure is logged and the alarm
     * is left as it is.
     *
     * @param type the alarm type
     * @param source what the alarm is about, for example a node id or a path; not blank
     * @param check returns the detail while the cause is present, empty once it is gone
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code source} is blank
     * @throws IllegalStateException    if a condition is already registered for {@code (type, source)}
     */
    public void condition(AlarmType type, String source, Supplier<Optional<String>> check) {
        Key key = key(type, source);
        Objects.requireNonNull(check, "check");
        synchronized (lock) {
            if (conditions.containsKey(key)) {
                throw new IllegalStateException("a condition is already registered for alarm " + key
                        + "; removeCondition it first");
            }
            conditions.put(key, check);
        }
    }

    /**
     * Unregisters the condition of {@code (type, source)}. The alarm itself is left as it is; clear it if its cause
     * is no longer monitored.
     *
     * @param type the alarm type
     * @param source what the alarm is about, for example a node id or a path; not blank
     * @return {@code true} if a condition was registered
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code source} is blank
     */
    public boolean removeCondition(AlarmType type, String source) {
        Key key = key(type, source);
        synchronized (lock) {
            return conditions.remove(key) != null;
        }
    }

    /**
     * Runs every registered condition and applies its result, and clears the {@link #raiseFor} alarms whose time is
     * up. Evaluations are serialised: a concurrent call waits for the running one. Conditions run on the calling
     * thread without the registry's lock held; a condition that throws is logged and skipped.
     */
    public void evaluate() {
        evaluationLock.lock();
        try {
            List<Map.Entry<Key, Supplier<Optional<String>>>> snapshot;
            synchronized (lock) {
                expireLocked(ticker.read());
                snapshot = new ArrayList<>(conditions.size());
                for (Map.Entry<Key, Supplier<Optional<String>>> e : conditions.entrySet()) {
                    snapshot.add(Map.entry(e.getKey(), e.getValue()));
                }
            }
            dispatch();
            for (Map.Entry<Key, Supplier<Optional<String>>> e : snapshot) {
                applyCondition(e.getKey(), e.getValue());
            }
            for (Runnable hook : evaluationHooks) {
                try {
                    hook.run();
                } catch (RuntimeException ex) {
                    LOG.error("Alarm evaluation hook {} failed", hook, ex);
                }
            }
        } finally {
            evaluationLock.unlock();
        }
    }

    private void applyCondition(Key key, Supplier<Optional<String>> check) {
        Optional<String> result;
        try {
            result = check.get();
        } catch (RuntimeException ex) {
            LOG.error("Alarm condition for {} threw; leaving the alarm as it is", key, ex);
            return;
        }
        if (result == null) {
            LOG.error("Alarm condition for {} returned null instead of an Optional; leaving the alarm as it is", key);
            return;
        }
        synchronized (lock) {
            if (conditions.get(key) != check) {
                return; // removed or replaced while it ran
            }
            expireLocked(ticker.read());
            if (result.isPresent()) {
                raiseLocked(key, result.get());
                autoClearDeadlines.remove(key);
            } else {
                clearLocked(key);
            }
        }
        dispatch();
    }

    /** Adds a hook that {@link #evaluate()} runs after the conditions, without the registry's lock held. */
    void addEvaluationHook(Runnable hook) {
        evaluationHooks.add(Objects.requireNonNull(hook, "hook"));
    }

    void removeEvaluationHook(Runnable hook) {
        evaluationHooks.remove(hook);
    }

    // ------------------------------------------------------------------------------------------------------ queries

    /**
     * Returns the active alarms, in the order they were first raised, as an immutable snapshot.
     *
     * @return the active alarms; empty if none
     */
    public List<Alarm> active() {
        List<Alarm> snapshot;
        synchronized (lock) {
            expireLocked(ticker.read());
            snapshot = List.copyOf(active.values());
        }
        dispatch();
        return snapshot;
    }

    /**
     * Returns whether the alarm {@code (type, source)} is active.
     *
     * @param type the alarm type
     * @param source what the alarm is about, for example a node id or a path; not blank
     * @return whether the alarm is active
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code source} is blank
     */
    public boolean isActive(AlarmType type, String source) {
        return get(type, source).isPresent();
    }

    /**
     * Returns the alarm {@code (type, source)} if it is active.
     *
     * @param type the alarm type
     * @param source what the alarm is about, for example a node id or a path; not blank
     * @return the active alarm, or empty if it is not active
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code source} is blank
     */
    public Optional<Alarm> get(AlarmType type, String source) {
        Key key = key(type, source);
        Alarm alarm;
        synchronized (lock) {
            expireLocked(ticker.read());
            alarm = active.get(key);
        }
        dispatch();
        return Optional.ofNullable(alarm);
    }

    /**
     * Returns the most recent events (raised, updated, cleared), oldest first and newest last, at most
     * {@link #historyCapacity()} of them, as an immutable snapshot.
     *
     * @return the recent events, oldest first
     */
    public List<AlarmEvent> history() {
        synchronized (lock) {
            return List.copyOf(history);
        }
    }

    /**
     * The capacity of {@link #history()} given at construction.
     *
     * @return the most events the history keeps
     */
    public int historyCapacity() {
        return historyCapacity;
    }

    /** The ticker the registry measures auto-clear times with. */
    Ticker ticker() {
        return ticker;
    }

    // ---------------------------------------------------------------------------------------------------- listeners

    /**
     * Adds a listener that receives the events of every change made after this call returns (see
     * {@link AlarmListener} for the threading contract). Adding the same listener twice has no effect.
     *
     * <p>To start from the current state without missing a change, add the listener first, then read
     * {@link #active()}.
     *
     * @param listener the listener to add
     * @return {@code true} if the listener was added, {@code false} if it was already registered
     * @throws NullPointerException if {@code listener} is null
     */
    public boolean addListener(AlarmListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            if (listeners.contains(listener)) {
                return false;
            }
            List<AlarmListener> next = new ArrayList<>(listeners);
            next.add(listener);
            listeners = List.copyOf(next);
            return true;
        }
    }

    /**
     * Removes a listener. Events of changes made before this call may still be delivered to it afterwards.
     *
     * @param listener the listener to remove
     * @return {@code true} if the listener was registered
     * @throws NullPointerException if {@code listener} is null
     */
    public boolean removeListener(AlarmListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            if (!listeners.contains(listener)) {
                return false;
            }
            List<AlarmListener> next = new ArrayList<>(listeners);
            next.remove(listener);
            listeners = List.copyOf(next);
            return true;
        }
    }

    /** Schedules delivery of the queued events, unless a delivery is already scheduled or running. */
    void dispatch() {
        if (outbox.isEmpty() || !draining.compareAndSet(false, true)) {
            return;
        }
        try {
            serialExecutor.execute(this::drain);
        } catch (RejectedExecutionException ex) {
            draining.set(false);
            LOG.warn("Alarm listener executor rejected delivery; {} event(s) stay queued until the next change",
                    outbox.size(), ex);
        }
    }

    private void drain() {
        try {
            Delivery d;
            while ((d = outbox.poll()) != null) {
                log(d.event);
                for (AlarmListener listener : d.listeners) {
                    try {
                        listener.onAlarmEvent(d.event);
                    } catch (RuntimeException | LinkageError | AssertionError ex) {
                        LOG.error("Alarm listener {} threw on {}", listener, d.event, ex);
                    }
                }
            }
        } finally {
            draining.set(false);
            // An event queued after the last poll but before the flag was reset would otherwise wait.
            dispatch();
        }
    }

    private static void log(AlarmEvent e) {
        Alarm a = e.alarm();
        if (e.kind() == AlarmEvent.Kind.CLEARED) {
            LOG.info("Alarm CLEARED {} {} source={} (raised {} time(s) since {})", a.type().id(), a.type(),
                    a.source(), a.count(), a.raisedAt());
        } else if (a.severity().compareTo(Severity.MAJOR) <= 0) {
            LOG.warn("Alarm {} {} {} ({}) source={}: {}", e.kind(), a.type().id(), a.type(), a.severity(),
                    a.source(), a.detail());
        } else {
            LOG.info("Alarm {} {} {} ({}) source={}: {}", e.kind(), a.type().id(), a.type(), a.severity(),
                    a.source(), a.detail());
        }
    }

    // ---------------------------------------------------------------------------------------------------- lifecycle

    /**
     * Runs {@link #evaluate()} on {@code scheduler} now and then every {@code period} (with fixed delay) until
     * {@link #close()}. The scheduler is not owned: {@link #close()} cancels the task but does not shut it down.
     * Failures of an evaluation are logged and do not stop later ones.
     *
     * <p>Hazard: the period bounds how late a condition's alarm is raised or cleared; evaluation runs every
     * condition on the scheduler's thread, so slow checks delay the others.
     *
     * @param scheduler runs the evaluations; not shut down by this registry
     * @param period the delay between the end of one evaluation and the start of the next, positive
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code period} is not positive
     * @throws IllegalStateException    if already started or closed
     */
    public void start(ScheduledExecutorService scheduler, Duration period) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        synchronized (lifecycleLock) {
            if (closed) {
                throw new IllegalStateException("AlarmRegistry is closed");
            }
            if (periodicEvaluation != null) {
                throw new IllegalStateException("AlarmRegistry is already started");
            }
            periodicEvaluation = scheduler.scheduleWithFixedDelay(this::evaluateLogged, 0L,
                    saturatedNanos(period), TimeUnit.NANOSECONDS);
        }
    }

    private void evaluateLogged() {
        try {
            evaluate();
        } catch (RuntimeException ex) {
            LOG.error("Periodic alarm evaluation failed", ex);
        }
    }

    /**
     * Stops the periodic evaluation started by {@link #start}, if any. Idempotent. The registry stays usable:
     * raise, clear, queries and {@link #evaluate()} keep working and listeners keep receiving events; only
     * {@link #start} is refused afterwards.
     */
    @Override
    public void close() {
        synchronized (lifecycleLock) {
            closed = true;
            if (periodicEvaluation != null) {
                periodicEvaluation.cancel(false);
                periodicEvaluation = null;
            }
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "AlarmRegistry{active=" + active.values() + '}';
        }
    }

    private static Key key(AlarmType type, String source) {
        Objects.requireNonNull(type, "type");
        return new Key(type, Alarm.checkSource(source));
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
