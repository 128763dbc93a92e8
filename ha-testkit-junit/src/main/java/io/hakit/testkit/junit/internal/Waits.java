package io.hakit.testkit.junit.internal;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** Bounded polls for the harness (Awaitility, a short poll interval, never a fixed sleep). */
public final class Waits {

    private static final Duration POLL = Duration.ofMillis(10);

    private Waits() {
    }

    /**
     * Waits up to {@code bound} for {@code condition}.
     *
     * @return whether it held within the bound
     */
    public static boolean until(Duration bound, Callable<Boolean> condition) {
        try {
            Awaitility.await().atMost(bound).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(POLL)
                    .until(condition);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /**
     * Waits up to {@code bound} for {@code condition}, else fails naming what was awaited and how things stand.
     *
     * @throws IllegalStateException if it did not hold within the bound
     */
    public static void require(Duration bound, String what, Callable<Boolean> condition, Supplier<String> state) {
        if (!until(bound, condition)) {
            throw new IllegalStateException(what + " did not happen within " + bound.toMillis() + " ms; "
                    + state.get());
        }
    }
}
