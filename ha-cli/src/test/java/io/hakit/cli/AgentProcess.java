package io.hakit.cli;

import io.hakit.testkit.ChildJvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * One real {@code hakit} process (a child JVM running {@link Main} on this test's class path), its output in a log
 * file so that it can be read while the process runs and after it ends. What the user meets: the same entry point,
 * configuration loading, start-up order and shutdown hook as {@code ./hakit}.
 */
final class AgentProcess implements AutoCloseable {

    private final ChildJvm child;
    private final String name;

    private AgentProcess(String name, ChildJvm child) {
        this.name = name;
        this.child = child;
    }

    /** Starts {@code hakit <args>}; its stdout and stderr go to {@code log} (appended, so restarts keep history). */
    static AgentProcess start(String name, Path log, String... args) throws IOException {
        return new AgentProcess(name, ChildJvm.builder(name, Main.class.getName())
                .jvmOptions(ChildJvm.SMALL).jvmOptions("-Xmx192m", "-Xshare:auto").args(args).log(log).start());
    }

    /** Runs {@code hakit <args>} to its end (bounded) and returns the exit code; output goes to {@code log}. */
    static int run(Path log, Duration limit, String... args) throws IOException {
        try (AgentProcess p = start("hakit " + String.join(" ", args), log, args)) {
            return p.child.awaitExit(limit);
        }
    }

    String output() {
        return child.output();
    }

    /** Waits (bounded) until the log matches {@code regex} (found anywhere, multi-line) and returns the log. */
    String awaitOutput(String regex, Duration limit) {
        Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
        try {
            await(name + " prints /" + regex + "/").atMost(limit).pollInterval(Duration.ofMillis(50))
                    .until(() -> p.matcher(output()).find());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; output of " + name + ":\n" + output(), e);
        }
        return output();
    }

    boolean isAlive() {
        return child.isAlive();
    }

    long pid() {
        return child.pid();
    }

    /** SIGKILL, then waits for the end. */
    void kill() {
        child.kill();
    }

    /** SIGTERM (the agent's clean stop), then waits (bounded) for the end; returns the exit code. */
    int stop() {
        return child.stop(Duration.ofSeconds(30));
    }

    /** Waits (bounded) for the process to end by itself; returns the exit code. */
    int awaitExit(Duration limit) {
        return child.awaitExit(limit);
    }

    /** The properties of a status file the agent writes. */
    static Properties status(Path statusFile) {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(statusFile, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            return p; // not written yet, or being replaced
        }
        return p;
    }

    @Override
    public void close() {
        child.close();
    }
}
