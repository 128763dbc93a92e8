package io.hakit.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * One real {@code hakit} process (a child JVM running {@link Main} on this test's class path), its output in a log
 * file so that it can be read while the process runs and after it ends. What the user meets: the same entry point,
 * configuration loading, start-up order and shutdown hook as {@code ./hakit}.
 */
final class AgentProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final String name;

    private AgentProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code hakit <args>}; its stdout and stderr go to {@code log} (appended, so restarts keep history). */
    static AgentProcess start(String name, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Files.writeString(log, "---- start " + String.join(" ", args) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new AgentProcess(name, p, log);
    }

    /** Runs {@code hakit <args>} to its end (bounded) and returns the exit code; output goes to {@code log}. */
    static int run(Path log, Duration limit, String... args) throws IOException, InterruptedException {
        try (AgentProcess p = start("hakit", log, args)) {
            if (!p.process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("hakit " + String.join(" ", args) + " did not end within " + limit
                        + "; output:\n" + p.output());
            }
            return p.process.exitValue();
        }
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
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
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, then waits for the end. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (the agent's clean stop), then waits (bounded) for the end; returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(name + " did not stop within 30 s of SIGTERM; output:\n" + output());
        }
        return process.exitValue();
    }

    /** Waits (bounded) for the process to end by itself; returns the exit code. */
    int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still runs after " + limit + "; output:\n" + output());
        }
        return process.exitValue();
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
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
