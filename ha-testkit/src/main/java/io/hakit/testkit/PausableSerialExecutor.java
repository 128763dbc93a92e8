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

    /** The number of tasks held back. */
    public synchronized int heldTasks() {
        return held.size();
    }

    @Override
    public void close() {
        resume();
        thread.shutdown();
    }
}
