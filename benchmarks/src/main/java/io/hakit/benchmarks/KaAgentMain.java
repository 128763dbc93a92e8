package io.hakit.benchmarks;

import io.hakit.keepalive.KeepaliveAgent;

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
 * The HAKit side of the ka-* scenarios, one process per node (what {@code hakit agent} runs, plus a report of role
 * changes): {@code KaAgentMain SETTINGS.properties} starts {@link KeepaliveAgent} and closes it on SIGTERM. Each role
 * change is printed to stdout as {@code ROLE <System.nanoTime()> <from> <to> <epoch>} when it happens.
 */
public final class KaAgentMain {

    private KaAgentMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: KaAgentMain SETTINGS.properties");
            System.exit(2);
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> settings = new HashMap<>();
        p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k)));
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
        }, "ka-agent-shutdown"));
        closed.await();
    }

    private static void print(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
