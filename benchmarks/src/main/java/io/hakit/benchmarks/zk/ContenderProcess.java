package io.hakit.benchmarks.zk;

import io.hakit.testkit.ChildJvm;

import java.io.IOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The parent's handle on one {@link ContenderMain} child JVM ({@link ChildJvm}), started with this JVM's class path.
 * Takes the child's protocol lines with the time each arrived; every wait is bounded.
 *
 * <p>Children never outlive the parent: {@link #close()} ends one (stdin closed, then SIGKILL if it does not exit
 * within {@link #EXIT_BOUND}); a shutdown hook kills every child still running when the parent exits; a parent that
 * dies without running hooks closes the children's stdin by dying, which ends them; and each child halts itself after
 * its maximum lifetime.
 */
public final class ContenderProcess implements AutoCloseable {

    /** How long a child may take to exit once asked. */
    public static final Duration EXIT_BOUND = Duration.ofSeconds(10);

    private static final Set<ContenderProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ContenderProcess p : LIVE) {
                p.process.destroyForcibly();
            }
        }, "kill-contender-children"));
    }

    /** One protocol line and when it arrived ({@link System#nanoTime()}). */
    public record Line(String text, long nanos) {
    }

    private final String name;
    private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
    private ChildJvm child;
    private Process process;

    private ContenderProcess(String name) {
        this.name = name;
    }

    /**
     * Starts a child JVM running {@link ContenderMain} with {@code args}; its stderr goes to a log file whose tail
     * a failure names.
     *
     * @throws IllegalStateException if the JVM cannot be started
     */
    public static ContenderProcess start(String name, String[] args) {
        ContenderProcess c = new ContenderProcess(name);
        try {
            c.child = ChildJvm.builder("contender-" + name, ContenderMain.class.getName()).jvmOptions("-Xmx256m")
                    .args(args).onLine(line -> c.lines.add(new Line(line, System.nanoTime()))).start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start contender " + name + ": " + e.getMessage(), e);
        }
        c.process = c.child.process();
        LIVE.add(c);
        return c;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Takes the child's lines until one matches {@code wanted}; lines before it are dropped.
     *
     * @throws IllegalStateException if none matches within {@code bound}, or the child reports ERROR or exits first
     */
    public Line awaitLine(Predicate<String> wanted, Duration bound, String what) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            Line l;
            try {
                l = lines.poll(Math.min(Math.max(0, deadline - System.nanoTime()), TimeUnit.MILLISECONDS.toNanos(100)),
                        TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name + ": interrupted while waiting for " + what, e);
            }
            if (l != null) {
                if (wanted.test(l.text())) {
                    return l;
                }
                if (l.text().startsWith(ContenderMain.ERROR)) {
                    throw new IllegalStateException(name + " failed while waiting for " + what + ": " + l.text());
                }
                continue;
            }
            if (!process.isAlive() && lines.isEmpty()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " while waiting for "
                        + what + "; output:\n" + child.output());
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException(name + ": no " + what + " within " + bound.toMillis() + " ms; output:\n"
                        + child.output());
            }
        }
    }

    /**
     * SIGKILL (on Linux, {@link Process#destroyForcibly()}), and waits for the child to be gone.
     *
     * @return whether it was gone within {@link #EXIT_BOUND}
     */
    public boolean kill() {
        process.destroyForcibly();
        boolean gone = waitFor(EXIT_BOUND);
        if (gone) {
            LIVE.remove(this);
        }
        return gone;
    }

    /** The child's exit code, or empty while it runs. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    private boolean waitFor(Duration bound) {
        try {
            return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** Asks the child to exit (closes its stdin); kills it if it has not exited within {@link #EXIT_BOUND}. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already closed or the child is gone: it ends either way
        }
        if (!waitFor(EXIT_BOUND)) {
            process.destroyForcibly();
            waitFor(EXIT_BOUND);
        }
        LIVE.remove(this);
    }

    @Override
    public String toString() {
        return "contender " + name + " (pid " + process.pid() + ")";
    }
}
