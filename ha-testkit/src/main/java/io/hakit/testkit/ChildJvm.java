package io.hakit.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A JVM started as a child process on this JVM's class path, for tests and benchmarks that need a real process: one
 * that can be killed with SIGKILL, stopped with SIGTERM (its shutdown hooks run), or put in a network namespace.
 *
 * <p>Its standard output is read line by line on a daemon thread of its own: every line is kept ({@link #lines()}),
 * handed to the {@link Builder#onLine line listener} at once (a test that stamps events with
 * {@code System.nanoTime()} in the child compares them with its own), and appended to the log file. Its standard
 * error goes to the log file too, so {@link #output()} shows both, also after the process ended. Every wait is
 * bounded and fails with the log's tail.
 *
 * <p>Thread-safe. {@link #close()} kills the process if it still runs.
 */
public final class ChildJvm implements AutoCloseable {

    private static final int TAIL = 20_000;

    /** Options for a short-lived helper process of a test: the serial collector, the C1 compiler only. */
    public static final String[] SMALL = {"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"};

    private final String name;
    private final Process process;
    private final Path log;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Consumer<String> onLine;
    private final Thread reader;

    private ChildJvm(String name, Process process, Path log, Consumer<String> onLine) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.onLine = onLine;
        this.reader = new Thread(this::read, "child-jvm-stdout-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * A child JVM named {@code name} (in messages and thread names) that runs {@code mainClass}.
     *
     * @param name what the failures and thread names call it
     * @param mainClass the class whose {@code main} it runs, found on this JVM's class path
     * @return a builder; nothing starts before {@link Builder#start()}
     */
    public static Builder builder(String name, String mainClass) {
        return new Builder(name, mainClass);
    }

    private void read() {
        // the log stays open for appending while the child runs (its standard error is appended by the OS too)
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                     StandardOpenOption.APPEND)) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                w.write(line);
                w.write('\n');
                w.flush();
                if (onLine != null) {
                    onLine.accept(line);
                }
            }
        } catch (IOException e) {
            // the process is gone, or its log cannot be written
        }
    }

    /**
     * The lines it printed on standard output so far, as the reader thread keeps them.
     *
     * @return a live, thread-safe list, oldest first: lines printed later appear in it
     */
    public List<String> lines() {
        return lines;
    }

    /**
     * Waits until a line of its standard output matches.
     *
     * @param what the line wanted
     * @param limit how long to wait
     * @return the first matching line
     * @throws AssertionError naming the line, whether the process is still alive, and the log's tail, if no line
     *         matched within {@code limit} or the process ended without one
     */
    public String awaitLine(Predicate<String> what, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            for (String l : lines) {
                if (what.test(l)) {
                    return l;
                }
            }
            boolean ended = !process.isAlive() && !reader.isAlive();
            if (ended || System.nanoTime() - deadline > 0) {
                throw new AssertionError(name + " printed no expected line within " + limit + " (alive: "
                        + process.isAlive() + "); output:\n" + output());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(name + ": interrupted while waiting", e);
            }
        }
    }

    /**
     * The tail of its log, for failure messages.
     *
     * @return the log's last 20,000 characters: standard error and output, also after the process ended
     */
    public String output() {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > TAIL ? s.substring(s.length() - TAIL) : s;
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /**
     * The file its standard output and standard error are appended to.
     *
     * @return the log file
     */
    public Path log() {
        return log;
    }

    /**
     * Whether the process still runs.
     *
     * @return whether the process still runs
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * The operating system's id of the process, for {@code kill} or {@code nsenter}.
     *
     * @return its process id
     */
    public long pid() {
        return process.pid();
    }

    /**
     * The process itself.
     *
     * @return the process, for what this class does not cover (its standard input, for example)
     */
    public Process process() {
        return process;
    }

    /**
     * SIGKILL, then waits until the process is gone.
     *
     * @throws AssertionError if it is still there 30 s later
     */
    public void kill() {
        process.destroyForcibly();
        awaitEnd(Duration.ofSeconds(30), "SIGKILL");
    }

    /**
     * SIGTERM (its shutdown hooks run), then waits for its end; SIGKILL if it does not end in time.
     *
     * @param limit how long it may take to stop
     * @return its exit code
     * @throws AssertionError if it did not end within {@code limit} (it is then killed)
     */
    public int stop(Duration limit) {
        process.toHandle().destroy(); // SIGTERM; Process.destroy would also close our end of its pipes
        return awaitEnd(limit, "SIGTERM");
    }

    /**
     * Waits for the process to end by itself.
     *
     * @param limit how long to wait
     * @return its exit code
     * @throws AssertionError if it still runs after {@code limit}
     */
    public int awaitExit(Duration limit) {
        return awaitEnd(limit, "start");
    }

    private int awaitEnd(Duration limit, String since) {
        try {
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(name + " still runs " + limit + " after " + since + "; output:\n"
                        + output());
            }
            reader.join(TimeUnit.SECONDS.toMillis(5)); // the last lines are in
            try {
                process.getOutputStream().close(); // our end of its standard input
            } catch (IOException ignored) {
                // already closed
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(name + ": interrupted while waiting for its end", e);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** Describes a child JVM; not thread-safe. */
    public static final class Builder {
        private final String name;
        private final String mainClass;
        private final List<String> prefix = new ArrayList<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private Path log;
        private Consumer<String> onLine;

        private Builder(String name, String mainClass) {
            this.name = name;
            this.mainClass = mainClass;
        }

        /**
         * A command that runs the JVM, for example {@code ip netns exec NS}.
         *
         * @param command its words
         * @return this builder
         */
        public Builder prefix(String... command) {
            prefix.addAll(List.of(command));
            return this;
        }

        /**
         * Options of the child JVM ({@code -Xmx128m}, {@code -Dkey=value}); none by default (a benchmark measures
         * the JVM as its users run it; a test's helper process may want {@link #SMALL}).
         *
         * @param options its options, before the main class
         * @return this builder
         */
        public Builder jvmOptions(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        /**
         * Arguments of its main method.
         *
         * @param arguments the arguments
         * @return this builder
         */
        public Builder args(String... arguments) {
            args.addAll(List.of(arguments));
            return this;
        }

        /**
         * The log file its standard error and output are appended to (a restart with the same file keeps the
         * history); default a new temporary file.
         *
         * @param file the log file
         * @return this builder
         */
        public Builder log(Path file) {
            this.log = file;
            return this;
        }

        /**
         * Called with every line of its standard output, on the reading thread, as soon as it is read.
         *
         * @param listener the listener; it must not block
         * @return this builder
         */
        public Builder onLine(Consumer<String> listener) {
            this.onLine = listener;
            return this;
        }

        /**
         * Starts the process.
         *
         * @return the running child
         * @throws IOException if it cannot be started or the log cannot be written
         */
        public ChildJvm start() throws IOException {
            Path file = log != null ? log : Files.createTempFile("child-jvm-" + name + "-", ".log");
            List<String> cmd = new ArrayList<>(prefix);
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
            cmd.addAll(args);
            Files.writeString(file, "---- " + name + ": " + String.join(" ", args) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(file.toFile()))
                    .start();
            return new ChildJvm(name, p, file, onLine);
        }
    }
}
