package io.hakit.testkit;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * A serial executor that a test can pause: while paused, submitted tasks queue up and none runs. Inject it as a
 * process's event executor to hold back that process's view of the world (for example so that an old leader has
 * not yet heard of its revoke) and check that the backend's fencing still holds.
 */
public final class PausableSerialExecutor implements Executor, AutoCloseable {

    private final ThreadPoolExecutor thread;
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    private boolean paused;

    /**
     * An executor running on one daemon thread of its own, not paused.
     *
     * @param name the thread's name, as it shows in thread dumps and in a contender's recorded callbacks
     */
    public PausableSerialExecutor(String name) {
        this.thread = new ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.MILLISECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                });
    }

    @Override
    public synchronized void execute(Runnable task) {
        if (paused) {
            held.add(task);
        } else {
            thread.execute(task);
        }
    }

    /** Holds every task submitted from now on. */
    public synchronized void pause() {
        paused = true;
    }

    /** Releases the held tasks in order and runs new ones again. */
    public synchronized void resume() {
        paused = false;
        while (!held.isEmpty()) {
            thread.execute(held.poll());
        }
    }

    /**
     * The number of tasks held back.
     *
     * @return how many tasks were submitted while paused and have not been released by {@link #resume()}
     */
    public synchronized int heldTasks() {
        return held.size();
    }

    /** Releases the held tasks, lets them and the queued ones finish, and stops the thread; waits for nothing. */
    @Override
    public void close() {
        resume();
        thread.shutdown();
    }
}
