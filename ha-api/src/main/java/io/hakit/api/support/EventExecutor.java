package io.hakit.api.support;

import io.hakit.api.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The serial executor every callback of one {@code HaServices} runs on, plus a timer. Wraps an injected executor
 * (which must be serial) or owns a daemon thread; sets its timers through an injected {@link Scheduler} (a test's
 * manual time) or a daemon timer thread of its own. Knows whether the current thread is running one of its tasks, so
 * that blocking waits are never made from inside a callback.
 */
public final class EventExecutor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventExecutor.class);

    private final ThreadLocal<Boolean> inTask = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final Executor delegate;
    private final ExecutorService owned;
    private final Scheduler scheduler;
    private final ScheduledExecutorService ownTimer;
    private volatile boolean closed;

    public EventExecutor(String name, Executor injected) {
        this(name, injected, null);
    }

    /**
     * @param injected  a serial executor, or null for a thread of its own
     * @param scheduler the timer seam, or null for a timer thread of its own
     */
    public EventExecutor(String name, Executor injected, Scheduler scheduler) {
        if (injected != null) {
            this.delegate = injected;
            this.owned = null;
        } else {
            ScheduledThreadPoolExecutor own = new ScheduledThreadPoolExecutor(1, daemon("hakit-events-" + name));
            this.delegate = own;
            this.owned = own;
        }
        if (scheduler != null) {
            this.scheduler = scheduler;
            this.ownTimer = null;
        } else {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("hakit-timer-" + name));
            t.setRemoveOnCancelPolicy(true);
            this.ownTimer = t;
            this.scheduler = (task, delayNanos) -> {
                ScheduledFuture<?> f = t.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            };
        }
    }

    /** Runs {@code task} on the serial executor; an exception it throws is logged and does not stop later tasks. */
    public void execute(Runnable task) {
        if (closed) {
            return;
        }
        try {
            delegate.execute(() -> runTask(task));
        } catch (RejectedExecutionException e) {
            if (!closed) {
                LOG.warn("HA event executor rejected a task", e);
            }
        }
    }

    private void runTask(Runnable task) {
        boolean nested = inTask.get();
        inTask.set(Boolean.TRUE);
        try {
            task.run();
        } catch (Throwable t) {
            LOG.error("Uncaught exception in HA callback", t);
        } finally {
            inTask.set(nested);
        }
    }

    /** Whether the calling thread is running a task of this executor right now. */
    public boolean inEventThread() {
        return inTask.get();
    }

    /**
     * Runs {@code task} on the executor and waits for it at most {@code timeoutNanos}; inline when already on the
     * event thread. Returns whether it ran within the bound.
     */
    public boolean runAndWait(Runnable task, long timeoutNanos) {
        if (inEventThread()) {
            runTask(task);
            return true;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            delegate.execute(() -> {
                try {
                    runTask(task);
                } finally {
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException e) {
            return false;
        }
        try {
            done.get(timeoutNanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /**
     * Runs {@code task} on the serial executor after {@code delayNanos}, as the scheduler's time goes.
     *
     * @return a handle that cancels it if it has not been handed to the executor yet
     */
    public Scheduler.Cancellable schedule(Runnable task, long delayNanos) {
        if (closed) {
            return () -> { };
        }
        try {
            return scheduler.schedule(() -> execute(task), delayNanos);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                LOG.warn("HA timer rejected a task", e);
            }
            return () -> { };
        }
    }

    /**
     * Runs {@code task} on the serial executor every {@code periodNanos}, the first time after one period, until
     * {@link #shutdown}; the next run is scheduled when one has run (even if it threw).
     */
    public void scheduleWithFixedDelay(Runnable task, long periodNanos) {
        schedule(() -> {
            try {
                task.run();
            } finally {
                scheduleWithFixedDelay(task, periodNanos);
            }
        }, periodNanos);
    }

    /** Stops accepting tasks; lets queued tasks run for at most {@code timeoutNanos}. */
    public void shutdown(long timeoutNanos) {
        closed = true;
        if (ownTimer != null) {
            ownTimer.shutdownNow();
        }
        if (owned != null) {
            owned.shutdown();
            if (!inEventThread()) {
                try {
                    if (!owned.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS)) {
                        owned.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    owned.shutdownNow();
                }
            }
        }
    }

    @Override
    public void close() {
        shutdown(TimeUnit.SECONDS.toNanos(5));
    }

    /** A factory of named daemon threads. */
    public static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }
}
