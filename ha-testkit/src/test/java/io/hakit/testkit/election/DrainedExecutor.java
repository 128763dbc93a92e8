package io.hakit.testkit.election;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * A serial executor the test drains itself, so that every step's events have run before the check; once
 * {@link #direct()} is called (for the shutdown, which waits for its revokes) it runs tasks at once.
 */
final class DrainedExecutor implements Executor {
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private volatile boolean direct;

    @Override
    public void execute(Runnable command) {
        if (direct) {
            synchronized (this) {
                command.run();
            }
        } else {
            tasks.add(command);
        }
    }

    void direct() {
        drain();
        direct = true;
        drain();
    }

    synchronized void drain() {
        for (Runnable t; (t = tasks.poll()) != null; ) {
            t.run();
        }
    }
}
