package io.hakit.testkit;

import io.hakit.api.Scheduler;
import io.hakit.api.Ticker;

import java.time.Duration;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time that only moves when a test advances it: a {@link Ticker} and the {@link Scheduler} that goes with it. Inject
 * the same instance as both ({@code HaConfig.builder().ticker(t).scheduler(t)}); then {@link #advance} runs, on the
 * calling thread and in due order, every task that falls due, each seeing the ticker at its due time. A task due now
 * (a zero delay) runs at the next {@code advance}, {@code advance(Duration.ZERO)} included. Thread-safe.
 */
public final class ManualTicker implements Ticker, Scheduler {

    private final AtomicLong nanos;
    private final Object lock = new Object();
    private final PriorityQueue<Due> queue = new PriorityQueue<>();
    private long sequence;

    /** A ticker reading 0. */
    public ManualTicker() {
        this(0);
    }

    /**
     * A ticker reading {@code startNanos}.
     *
     * @param startNanos the first reading
     */
    public ManualTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    /**
     * Moves time forward by {@code d}, running each task that falls due on the way (tasks those tasks schedule
     * within the same span run too); time ends exactly {@code d} later.
     *
     * @param d how far; a negative amount is refused (a ticker never goes backwards)
     * @return this ticker
     */
    public ManualTicker advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a ticker never goes backwards: " + d);
        }
        long target = nanos.get() + d.toNanos();
        while (true) {
            Due next;
            synchronized (lock) {
                next = queue.peek();
                if (next == null || next.at - target > 0) {
                    break;
                }
                queue.poll();
            }
            nanos.accumulateAndGet(next.at, Math::max);
            next.task.run();
        }
        nanos.accumulateAndGet(target, Math::max);
        return this;
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        Due due;
        synchronized (lock) {
            due = new Due(nanos.get() + Math.max(0, delayNanos), sequence++, task);
            queue.add(due);
        }
        return () -> {
            synchronized (lock) {
                queue.remove(due);
            }
        };
    }

    /**
     * How long until the earliest scheduled task falls due ({@link Duration#ZERO} if it is due now), or empty when
     * none is pending. For a component with threads of its own, which sets its timers some time after the event that
     * asks for them: a test waits until the timer it expects is set (a reconnect 20 ms ahead, say), and moves time
     * from one due task to the next, letting the component act on each before time moves on.
     *
     * @return the time left until the next task, or empty
     */
    public Optional<Duration> nextDue() {
        synchronized (lock) {
            Due next = queue.peek();
            return next == null ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(0, next.at - nanos.get())));
        }
    }

    /**
     * How many tasks are scheduled and have not run.
     *
     * @return the number of pending tasks
     */
    public int pendingTasks() {
        synchronized (lock) {
            return queue.size();
        }
    }

    @Override
    public String toString() {
        return "ManualTicker{" + nanos.get() + " ns, " + pendingTasks() + " tasks pending}";
    }

    private static final class Due implements Comparable<Due> {
        final long at;
        final long seq;
        final Runnable task;

        Due(long at, long seq, Runnable task) {
            this.at = at;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Due o) {
            int c = Long.compare(at - o.at, 0);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
