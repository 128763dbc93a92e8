package io.hakit.keepalive.internal;

import io.hakit.api.Scheduler;
import io.hakit.api.Ticker;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Every timer of one keepalive node, set through one {@link Scheduler} (the configured one, or the node's thread on
 * real time) and measured on that scheduler's time. A timer's task never runs on the scheduler's thread: it is
 * handed to the executor the timer names (the node's serial thread, or a connection's event loop), so each task runs
 * where the threading contract says it does. After {@link #close()} no task is handed over and no timer is set again;
 * a timer that still fires does nothing.
 */
public final class Timers {

    private static final Scheduler.Cancellable NOTHING = () -> { };

    private final Scheduler scheduler;
    private final Ticker ticker;
    private volatile boolean closed;

    /**
     * @param scheduler where the timers are set
     * @param ticker    the scheduler's time (the configured ticker for a configured scheduler, the system ticker for a
     *                  thread's): periodic timers keep their rate on it, and timeouts measure it
     */
    public Timers(Scheduler scheduler, Ticker ticker) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** The scheduler's time, which the timers are measured on. */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * Hands {@code task} to {@code where} once, {@code delayNanos} from now as the scheduler's time goes.
     *
     * @return cancels the timer if it has not fired yet
     */
    public Scheduler.Cancellable once(Executor where, Runnable task, long delayNanos) {
        if (closed) {
            return NOTHING;
        }
        try {
            return scheduler.schedule(() -> handOver(where, task), delayNanos);
        } catch (RejectedExecutionException e) {
            if (closed) {
                return NOTHING; // the node's thread shut down while it closed
            }
            throw e;
        }
    }

    /**
     * Hands {@code task} to {@code where} at a fixed rate: first {@code firstDelayNanos} from now, then every
     * {@code periodNanos} after that first time. Each next time is set when a timer fires (not when the task has run),
     * so a scheduler that fires late is caught up with at once, and a manual one that is moved several periods ahead
     * fires each of them. Until {@link #close()}.
     */
    public void every(Executor where, Runnable task, long firstDelayNanos, long periodNanos) {
        if (periodNanos <= 0) {
            throw new IllegalArgumentException("the period must be positive, was " + periodNanos + " ns");
        }
        new Periodic(where, task, periodNanos).arm(ticker.read() + firstDelayNanos);
    }

    /** From now on no task is handed over and no timer is set; idempotent. */
    public void close() {
        closed = true;
    }

    private void handOver(Executor where, Runnable task) {
        if (closed) {
            return;
        }
        try {
            where.execute(task);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    private final class Periodic {
        private final Executor where;
        private final Runnable task;
        private final long periodNanos;
        /** When the timer set last is due, on the ticker; touched only by the firing timer (one at a time). */
        private long dueNanos;

        Periodic(Executor where, Runnable task, long periodNanos) {
            this.where = where;
            this.task = task;
            this.periodNanos = periodNanos;
        }

        void arm(long at) {
            dueNanos = at;
            once(Runnable::run, this::fire, at - ticker.read());
        }

        private void fire() {
            handOver(where, task);
            arm(dueNanos + periodNanos);
        }
    }
}
