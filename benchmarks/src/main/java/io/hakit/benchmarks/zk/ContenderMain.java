package io.hakit.benchmarks.zk;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A HAKit contender in a JVM of its own, for benchmarks that kill a leader's process: it connects to a ZooKeeper
 * ensemble, contends for one component and confirms its address whenever it is granted.
 *
 * <p>Usage: {@code java -cp <classpath> io.hakit.benchmarks.zk.ContenderMain --quorum=host:port,...
 * --cluster-id=ID --node-id=ID --component=ID --address=ADDRESS --session-timeout-ms=N [--path-root=/path]
 * [--max-lifetime-s=N]}.
 *
 * <p><b>Protocol.</b> One line per event on stdout, nothing else is written there (logs go to stderr):
 * <ul>
 *   <li>{@code READY} once connected and contending;</li>
 *   <li>{@code GRANTED <epoch>} when granted, then {@code CONFIRMED <epoch>} once the address is published, or
 *   {@code UNCONFIRMED <epoch>} if the grant went stale first;</li>
 *   <li>{@code REVOKED} when leadership ends;</li>
 *   <li>{@code ERROR <message>} when it cannot start (then it exits with 1).</li>
 * </ul>
 * It runs until its stdin ends (the parent closed it, or the parent died), then closes its services and exits with
 * 0; it never outlives {@code --max-lifetime-s} (default 3600), after which it halts with 3. Bad arguments exit
 * with 2.
 */
public final class ContenderMain {

    public static final String READY = "READY";
    public static final String GRANTED = "GRANTED";
    public static final String CONFIRMED = "CONFIRMED";
    public static final String UNCONFIRMED = "UNCONFIRMED";
    public static final String REVOKED = "REVOKED";
    public static final String ERROR = "ERROR";

    static final Set<String> REQUIRED = Set.of("quorum", "cluster-id", "node-id", "component", "address",
            "session-timeout-ms");
    static final Set<String> OPTIONAL = Set.of("path-root", "max-lifetime-s", "kubernetes-config",
            "kubernetes-namespace", "lease-ms", "renew-ms", "retry-ms");
    /** Required only on ZooKeeper: a contender on Kubernetes gives --kubernetes-config instead. */
    static final Set<String> ZOOKEEPER_ONLY = Set.of("quorum", "session-timeout-ms");

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private ContenderMain() {
    }

    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Map<String, String> opts;
        try {
            opts = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ContenderMain: " + e.getMessage());
            System.exit(2);
            return;
        }
        long maxLifetime = Long.parseLong(opts.getOrDefault("max-lifetime-s", "3600"));
        ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "contender-max-lifetime");
            t.setDaemon(true);
            return t;
        });
        reaper.schedule(() -> {
            System.err.println("ContenderMain: max lifetime of " + maxLifetime + " s reached; halting");
            Runtime.getRuntime().halt(3);
        }, maxLifetime, TimeUnit.SECONDS);

        HaServices services;
        try {
            services = HaServices.create(config(opts));
            LeaderElection election = services.leaderElection(opts.get("component"));
            election.startLeaderElection(new LeaderContender() {
                @Override
                public void grantLeadership(LeaderSession session) {
                    emit(GRANTED + " " + session.epoch());
                    boolean confirmed = election.confirmLeadership(session, opts.get("address"));
                    emit((confirmed ? CONFIRMED : UNCONFIRMED) + " " + session.epoch());
                }

                @Override
                public void revokeLeadership() {
                    emit(REVOKED);
                }
            });
        } catch (RuntimeException e) {
            emit(ERROR + " " + e.toString().replace('\n', ' '));
            System.exit(1);
            return;
        }
        emit(READY);
        awaitEndOfInput(System.in);
        services.close();
        System.exit(0);
    }

    /** Parses {@code --key=value} arguments; throws with a usage message on anything else. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (!a.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("bad argument '" + a + "'; " + usage());
            }
            String key = a.substring(2, eq);
            if (!REQUIRED.contains(key) && !OPTIONAL.contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + "; " + usage());
            }
            m.put(key, a.substring(eq + 1));
        }
        for (String key : REQUIRED) {
            if (m.containsKey("kubernetes-config") && ZOOKEEPER_ONLY.contains(key)) {
                continue;
            }
            if (!m.containsKey(key) || m.get(key).isEmpty()) {
                throw new IllegalArgumentException("missing --" + key + "; " + usage());
            }
        }
        for (String key : new String[] {"session-timeout-ms", "max-lifetime-s", "lease-ms", "renew-ms", "retry-ms"}) {
            if (m.containsKey(key)) {
                try {
                    if (Long.parseLong(m.get(key)) <= 0) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--" + key + " must be a positive number, got '" + m.get(key)
                            + "'");
                }
            }
        }
        return m;
    }

    static String usage() {
        return "usage: ContenderMain --quorum=host:port,... --cluster-id=ID --node-id=ID --component=ID"
                + " --address=ADDRESS --session-timeout-ms=N [--path-root=/path] [--max-lifetime-s=N]"
                + " (Kubernetes: --kubernetes-config=FILE --kubernetes-namespace=NS [--lease-ms=N --renew-ms=N"
                + " --retry-ms=N] instead of --quorum and --session-timeout-ms)";
    }

    static HaConfig config(Map<String, String> opts) {
        if (opts.containsKey("kubernetes-config")) {
            HaConfig.Builder k = HaConfig.builder().type("kubernetes").clusterId(opts.get("cluster-id"))
                    .nodeId(opts.get("node-id"))
                    .backendOption("kubernetes.config.file", opts.get("kubernetes-config"))
                    .backendOption("kubernetes.namespace", opts.getOrDefault("kubernetes-namespace", "default"));
            if (opts.containsKey("lease-ms")) {
                k.leaseDuration(Duration.ofMillis(Long.parseLong(opts.get("lease-ms"))))
                        .renewDeadline(Duration.ofMillis(Long.parseLong(opts.get("renew-ms"))))
                        .retryPeriod(Duration.ofMillis(Long.parseLong(opts.get("retry-ms"))));
            }
            return k.build();
        }
        HaConfig.Builder b = HaConfig.builder().type("zookeeper").clusterId(opts.get("cluster-id"))
                .nodeId(opts.get("node-id"))
                .backendOption("high-availability.zookeeper.quorum", opts.get("quorum"))
                .backendOption("high-availability.zookeeper.client.session-timeout",
                        opts.get("session-timeout-ms") + " ms")
                // Curator caps the connection timeout at the session timeout (and warns when it is larger)
                .backendOption("high-availability.zookeeper.client.connection-timeout",
                        Math.min(10_000, Long.parseLong(opts.get("session-timeout-ms"))) + " ms")
                .backendOption("high-availability.zookeeper.client.retry-wait", "100 ms");
        if (opts.containsKey("path-root")) {
            b.backendOption("high-availability.zookeeper.path.root", opts.get("path-root"));
        }
        return b.build();
    }

    private static void emit(String line) {
        synchronized (OUT) {
            OUT.println(line);
        }
    }

    /** Returns when {@code in} ends or fails: the parent closed our stdin or went away. */
    private static void awaitEndOfInput(InputStream in) {
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) >= 0) {
                // the parent writes nothing; anything it does write is ignored
            }
        } catch (IOException e) {
            // a broken pipe ends the input just as well
        }
    }

    /** For the parent: the arguments of one contender. */
    public static String[] args(String quorum, String clusterId, String nodeId, String component, String address,
            Duration sessionTimeout, String pathRoot, Duration maxLifetime) {
        return new String[] {"--quorum=" + quorum, "--cluster-id=" + clusterId, "--node-id=" + nodeId,
            "--component=" + component, "--address=" + address,
            "--session-timeout-ms=" + sessionTimeout.toMillis(), "--path-root=" + pathRoot,
            "--max-lifetime-s=" + Math.max(1, maxLifetime.toSeconds())};
    }
}
