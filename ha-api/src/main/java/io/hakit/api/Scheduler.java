package io.hakit.api;

/**
 * Runs a task once after a delay: the seam through which HAKit's services set every timer, next to the
 * {@link Ticker} through which they read time. Lease checks, retries and periodic evaluations are scheduled here; the
 * services then read the ticker to decide, so a test that injects both from one source (for example
 * {@code io.hakit.testkit.ManualTicker}, which is both) decides when every timer fires and what time it sees, without
 * sleeping.
 *
 * <p>Threading: {@link #schedule} is called from any thread. A task may run on any thread, once, at or after its due
 * time; HAKit's tasks only hand work to the services' event executor, so they are short and never block.
 *
 * <p>Hazard: a scheduler whose time is not the ticker's (a manual scheduler with the system ticker, say) makes timers
 * fire at moments the services do not expect; leases are still measured on the ticker, so a timer that fires early
 * only reschedules, and one that never fires leaves a suspended leader leading until the ticker is read again.
 */
@FunctionalInterface
public interface Scheduler {

    /**
     * Runs {@code task} once, {@code delayNanos} from now as this scheduler's time goes (at once, or as soon as it
     * can, if the delay is zero or negative).
     *
     * @param task       the task; must not block
     * @param delayNanos the delay in nanoseconds
     * @return a handle that cancels the task if it has not started yet
     */
    Cancellable schedule(Runnable task, long delayNanos);

    /** A scheduled task, which can still be cancelled until it starts. */
    @FunctionalInterface
    interface Cancellable {

        /** Cancels the task if it has not started yet; does nothing otherwise. Idempotent. */
        void cancel();
    }
}
