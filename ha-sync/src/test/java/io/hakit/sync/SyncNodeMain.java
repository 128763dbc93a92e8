package io.hakit.sync;

import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.keepalive.KeepaliveAgentMain;
import io.hakit.keepalive.Role;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One {@link FileSync} as a process of its own, so that tests and benchmarks can SIGKILL either side:
 * {@code SyncNodeMain SETTINGS.properties}. The file holds the keys of {@link SyncConfig#fromMap} plus
 * <ul>
 * <li>{@code role=active|standby} (default standby): active makes this node the source at once;</li>
 * <li>{@code epoch=N} (default 1): the source's epoch;</li>
 * <li>{@code loop=true} (default false, active only): run full rounds back to back with
 * {@link FileSync#syncNow}, printing {@code ROUND ok|failed <files> <bytes>} after each, instead of leaving the
 * rounds to the watcher and {@code sync.period}.</li>
 * </ul>
 * Prints {@code READY <port>} once the sink listens (and the source, if active, is started), and {@code CLOSED} after
 * a clean stop. Stops on end of stdin (the parent went away) or SIGTERM; a bad setting exits with 1.
 */
public final class SyncNodeMain {

    private SyncNodeMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> settings = KeepaliveAgentMain.settings(args, "SyncNodeMain");
        PrintStream out = System.out;
        FileSync sync;
        boolean active;
        boolean loop;
        try {
            String role = settings.getOrDefault("role", "standby");
            if (!role.equals("active") && !role.equals("standby")) {
                throw new IllegalArgumentException("role must be active or standby, was '" + role + "'");
            }
            active = role.equals("active");
            loop = Boolean.parseBoolean(settings.getOrDefault("loop", "false"));
            long epoch = Long.parseLong(settings.getOrDefault("epoch", "1"));
            SyncConfig config = SyncConfig.fromMap(settings);
            sync = FileSync.start(config, AlarmRegistry.create(Runnable::run, Clock.systemUTC(), Ticker.system()));
            sync.roleChanged(active ? Role.ACTIVE : Role.STANDBY, epoch);
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sync.close();
            print(out, "CLOSED");
            closed.countDown();
        }, "sync-main-shutdown"));
        Thread stdin = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // nothing is read from the parent; only the end of input matters
                }
            } catch (IOException ignored) {
                // as end of input
            }
            System.exit(0); // runs the shutdown hook
        }, "sync-main-stdin");
        stdin.setDaemon(true);
        stdin.start();
        print(out, "READY " + sync.port());
        if (active && loop) {
            while (closed.getCount() > 0) {
                try {
                    var r = sync.syncNow(Duration.ofSeconds(60));
                    print(out, "ROUND " + (r.ok() ? "ok" : "failed") + " " + r.files() + " " + r.bytesSent());
                } catch (IOException | java.util.concurrent.TimeoutException | IllegalStateException e) {
                    print(out, "ROUND failed 0 0 " + e.getMessage());
                    Thread.sleep(100);
                }
            }
        }
        closed.await();
    }

    private static void print(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
