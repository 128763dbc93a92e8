package io.hakit.keepalive;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * A keepalive agent as a process of its own (used by the namespace tests and the ka-* benchmarks, which run one per
 * network namespace): {@code KeepaliveAgentMain SETTINGS.properties}
 * starts {@link KeepaliveAgent#start(Map, RoleListener...)} and closes it on SIGTERM (a shutdown hook). Every role
 * change is printed to stdout at once as {@code ROLE <System.nanoTime()> <from> <to> <epoch>}; on Linux
 * {@code System.nanoTime()} reads CLOCK_MONOTONIC, so the test compares these times with its own. {@code STARTED} and
 * {@code CLOSED} lines mark the agent's start and the end of its clean stop; a bad setting exits with 1.
 */
public final class KeepaliveAgentMain {

    private KeepaliveAgentMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> settings = settings(args, "KeepaliveAgentMain");
        PrintStream out = System.out;
        KeepaliveAgent agent;
        try {
            agent = KeepaliveAgent.start(settings, change -> print(out, "ROLE " + System.nanoTime() + " "
                    + change.from() + " " + change.to() + " " + change.epoch()));
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            print(out, "CLOSED " + System.nanoTime());
            closed.countDown();
        }, "agent-main-shutdown"));
        print(out, "STARTED " + System.nanoTime());
        closed.await();
    }

    /**
     * The flat settings of a process started as {@code <main> SETTINGS.properties} (values trimmed); exits with 2
     * and a usage line naming {@code main} when there is not exactly one argument.
     */
    public static Map<String, String> settings(String[] args, String main) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: " + main + " SETTINGS.properties");
            System.exit(2);
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> settings = new HashMap<>();
        p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k).trim()));
        return settings;
    }

    private static void print(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
