package io.hakit.api.support;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The serial executor every callback of one {@code HaServices} runs on, plus a timer. Wraps an injected executor
 * (which must be serial) or owns a daemon thread. Knows whether the current thread is running one of its tasks, so
 * that blocking waits are never made from inside a callback.
 */
public final class EventExecutor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventExecutor.class);

    private final ThreadLocal<Boolean> inTask = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private final Executor delegate;
    private final ExecutorService owned;
    private final ScheduledExecutorService timer;
    private volatile boolean closed;

    public EventExecutor(String name, Executor injected) {
        if (injected != null) {
            this.delegate = injected;
            this.owned = null;
        } else {
            ScheduledThreadPoolExecutor own = new ScheduledThreadPoolExecutor(1, daemon("hakit-events-" + name));
            this.delegate = own;
            this.owned = own;
        }
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("hakit-timer-" + name));
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
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

    /** Runs {@code task} on the serial executor after {@code delayNanos} of real time. */
    public void schedule(Runnable task, long delayNanos) {
        if (closed) {
            return;
        }
        try {
            timer.schedule(() -> execute(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                LOG.warn("HA timer rejected a task", e);
            }
        }
    }

    /** The timer, for periodic jobs that submit to this executor. */
    public ScheduledExecutorService timer() {
        return timer;
    }

    /** Stops accepting tasks; lets queued tasks run for at most {@code timeoutNanos}. */
    public void shutdown(long timeoutNanos) {
        closed = true;
        timer.shutdownNow();
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
