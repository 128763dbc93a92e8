package io.hakit.testkit.junit.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Finds threads a test started that outlive it: a snapshot of the live threads before the test, and after it the
 * threads that are new and still alive once a bounded wait is over.
 *
 * <p>Not counted: the threads the backend says {@linkplain BackendServer#outlivesProcesses(Thread) may outlive the
 * processes} (its servers' own, which start as clients connect and live as long as the servers), and the JDK's
 * shared threads (the common fork-join pool, the process reaper, attach and JMX threads).
 */
public final class ThreadLeaks {

    /** Names of the JDK's shared threads. */
    private static final List<String> SHARED_NAMES = List.of("ForkJoinPool.commonPool-", "process reaper",
            "Attach Listener", "Common-Cleaner", "JMX ", "RMI ", "JFR ", "Signal Dispatcher", "Notification Thread");

    private ThreadLeaks() {
    }

    /** The threads alive now. */
    public static Set<Thread> snapshot() {
        return Thread.getAllStackTraces().keySet();
    }

    /**
     * The threads started since {@code before} that are still alive after waiting up to {@code bound} for them to
     * end, each described with its name, state and the top of its stack; empty if none.
     */
    public static List<String> leaked(Set<Thread> before, Duration bound, Predicate<Thread> tolerated) {
        long deadline = System.nanoTime() + bound.toNanos();
        List<Thread> alive = survivors(before, tolerated);
        while (!alive.isEmpty() && System.nanoTime() - deadline < 0) {
            // the JDK's HTTP client ends its selector thread once the client is garbage
            System.gc();
            for (Thread t : alive) {
                try {
                    t.join(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            alive = survivors(before, tolerated);
        }
        return alive.stream().map(ThreadLeaks::describe).collect(Collectors.toList());
    }

    private static List<Thread> survivors(Set<Thread> before, Predicate<Thread> tolerated) {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!before.contains(t) && t.isAlive() && t != Thread.currentThread() && !shared(t)
                    && !tolerated.test(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private static boolean shared(Thread t) {
        return SHARED_NAMES.stream().anyMatch(t.getName()::startsWith);
    }

    /**
     * Whether {@code t}'s name starts with one of {@code prefixes}, or a frame of its stack is of a class whose name
     * starts with one of {@code framePrefixes}.
     */
    public static boolean matches(Thread t, List<String> prefixes, List<String> framePrefixes) {
        if (prefixes.stream().anyMatch(t.getName()::startsWith)) {
            return true;
        }
        for (StackTraceElement frame : t.getStackTrace()) {
            if (framePrefixes.stream().anyMatch(frame.getClassName()::startsWith)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Thread t) {
        StringBuilder sb = new StringBuilder("thread '").append(t.getName()).append("' (").append(t.getState())
                .append(t.isDaemon() ? ", daemon" : "").append(')');
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 0; i < Math.min(6, stack.length); i++) {
            sb.append("\n        at ").append(stack[i]);
        }
        return sb.toString();
    }
}
