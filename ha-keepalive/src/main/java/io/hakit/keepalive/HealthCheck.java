package io.hakit.keepalive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A local health check of a keepalive node (keepalived's {@code track_script}). A node whose checks fail
 * {@code fall} times in a row goes to FAULT, and back to STANDBY after {@code rise} passes in a row.
 *
 * <p>Called on the node's health thread, never concurrently with itself, at most once per check interval; it may
 * block up to the node's check timeout, after which it counts as failed.
 */
@FunctionalInterface
public interface HealthCheck {

    /**
     * Runs the check once.
     *
     * @return empty when healthy; otherwise why not (shown in the role change and in status)
     * @throws Exception counted as a failed check, with the exception as its reason; an interrupt means the node gave
     *     up on the check (it timed out or the node is closing)
     */
    Optional<String> check() throws Exception;

    /**
     * A check that runs {@code command} (no shell) and passes on exit code 0 within {@code timeout}. A failure's
     * reason is the command and its exit code with the first 512 bytes of its output (stdout and stderr); the rest of
     * the output is read and dropped while the command runs, so any amount of it is fine. A command still running at
     * {@code timeout} is killed, with the processes it started that are still its descendants.
     *
     * @param command the program and its arguments, at least the program; copied
     * @param timeout how long one run may take; the node also gives up on any check after
     *                {@link KeepaliveConfig#healthTimeout()} ({@value KeepaliveConfig#HEALTH_SCRIPT} gets that one)
     * @return the check; its {@code toString()} is {@code script [words...]}
     * @throws IllegalArgumentException if {@code command} is empty
     * @throws NullPointerException     if {@code command}, one of its words or {@code timeout} is null
     */
    static HealthCheck script(List<String> command, Duration timeout) {
        List<String> cmd = List.copyOf(command);
        if (cmd.isEmpty()) {
            throw new IllegalArgumentException("health check command must not be empty");
        }
        Objects.requireNonNull(timeout, "timeout");
        return new HealthCheck() {
            @Override
            public Optional<String> check() throws IOException, InterruptedException {
                long deadline = System.nanoTime() + timeout.toNanos();
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getOutputStream().close();
                // Read the output while the command runs: a command that writes more than the pipe holds would
                // otherwise block until the timeout and count as failed.
                OutputDrain drain = new OutputDrain(p.getInputStream(), 512);
                Thread reader = new Thread(drain, "hakit-health-output");
                reader.setDaemon(true);
                reader.start();
                try {
                    if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        return Optional.of(String.join(" ", cmd) + " did not finish within " + timeout.toMillis()
                                + " ms");
                    }
                    if (p.exitValue() == 0) {
                        return Optional.empty();
                    }
                    // The JDK closes the pipe when the command exits; the reader may still be copying its last bytes.
                    reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    return Optional.of(String.join(" ", cmd) + " exited with " + p.exitValue() + ": "
                            + drain.head());
                } finally {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.getInputStream().close();
                }
            }

            @Override
            public String toString() {
                return "script " + cmd;
            }
        };
    }
}
