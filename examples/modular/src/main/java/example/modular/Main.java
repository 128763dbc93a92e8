package example.modular;

import io.hakit.api.HaServices;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.KeepaliveNode;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.tls.CertificateGenerator;
import io.hakit.sync.FileSync;
import io.hakit.sync.RoundResult;
import io.hakit.sync.SyncConfig;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * HAKit used from a named module with every jar on the module path: an election on the embedded backend with a
 * fenced write, a keepalive pair over TLS that settles on one active node, a file synchronized from the active to
 * the standby, the Kubernetes backend found by the service loader, and HAKit's modules exporting only their API.
 * Exits with status 1 naming the first step that failed.
 */
public final class Main {

    private static final Duration BOUND = Duration.ofSeconds(30);

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        List<String> failures = new ArrayList<>();
        check(failures, "election", Main::election);
        check(failures, "backends", Main::backends);
        check(failures, "exports", Main::exports);
        check(failures, "keepalive pair and sync", Main::pair);
        if (!failures.isEmpty()) {
            failures.forEach(f -> System.err.println("FAILED: " + f));
            System.exit(1);
        }
        System.out.println("modular example: every step passed with HAKit on the module path");
    }

    private interface Step {
        String run() throws Exception;
    }

    private static void check(List<String> failures, String name, Step step) {
        try {
            String problem = step.run();
            if (problem != null) {
                failures.add(name + ": " + problem);
            } else {
                System.out.println("ok: " + name);
            }
        } catch (Exception e) {
            failures.add(name + ": " + e);
            e.printStackTrace();
        }
    }

    private static String election() throws Exception {
        CountDownLatch wrote = new CountDownLatch(1);
        try (HaServices ha = HaServices.create(Map.of(
                "high-availability.type", "embedded",
                "high-availability.cluster-id", "modular"))) {
            LeaderElection election = ha.leaderElection("dispatcher");
            StateStore store = ha.stateStore("jobs");
            election.startLeaderElection(new LeaderContender() {
                @Override
                public void grantLeadership(LeaderSession session) {
                    election.confirmLeadership(session, "http://127.0.0.1:8081");
                    store.put(session, "latest", "chk-1".getBytes(StandardCharsets.UTF_8), StateStore.ANY);
                    wrote.countDown();
                }

                @Override
                public void revokeLeadership() {
                }
            });
            if (!wrote.await(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                return "never led and wrote within " + BOUND;
            }
            return null;
        }
    }

    private static String backends() {
        try (HaServices ignored = HaServices.create(Map.of(
                "high-availability.type", "zookeeper",
                "high-availability.cluster-id", "modular"))) {
            return "a zookeeper backend was found, but ha-zookeeper is not on the module path";
        } catch (InvalidConfigException e) {
            // the message lists the backends the service loader found: embedded (ha-api) and kubernetes
            return e.getMessage().contains("kubernetes") && e.getMessage().contains("embedded") ? null
                    : "the service loader did not find both backends: " + e.getMessage();
        }
    }

    /** Each HAKit module exports its API packages to everyone and nothing else. */
    private static String exports() {
        Map<String, Set<String>> api = Map.of(
                "io.hakit.api", Set.of("io.hakit.api", "io.hakit.api.spi", "io.hakit.api.alarm",
                        "io.hakit.api.detect", "io.hakit.api.embedded"),
                "io.hakit.keepalive", Set.of("io.hakit.keepalive", "io.hakit.keepalive.tls"),
                "io.hakit.sync", Set.of("io.hakit.sync"),
                "io.hakit.kubernetes", Set.of("io.hakit.kubernetes"));
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : api.entrySet()) {
            Module m = ModuleLayer.boot().findModule(e.getKey()).orElse(null);
            if (m == null) {
                problems.add(e.getKey() + " is not on the module path");
                continue;
            }
            Set<String> exported = new TreeSet<>();
            for (ModuleDescriptor.Exports x : m.getDescriptor().exports()) {
                if (!x.isQualified()) {
                    exported.add(x.source());
                }
            }
            if (!exported.equals(new TreeSet<>(e.getValue()))) {
                problems.add(e.getKey() + " exports " + exported + ", expected " + new TreeSet<>(e.getValue()));
            }
        }
        // strong encapsulation: the core's implementation cannot be reached reflectively from a user's module
        try {
            Class<?> impl = Class.forName("io.hakit.api.internal.DefaultHaServices");
            impl.getConstructors()[0].newInstance(null, null);
            problems.add("io.hakit.api.internal.DefaultHaServices was instantiated from a user's module");
        } catch (IllegalAccessException expected) {
            // as it must be
        } catch (ReflectiveOperationException | RuntimeException e) {
            problems.add("reaching io.hakit.api.internal failed with " + e + " instead of IllegalAccessException");
        }
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    private static String pair() throws Exception {
        Path dir = Files.createTempDirectory("hakit-modular");
        Instant now = Instant.now();
        CertificateGenerator.Issued ca = CertificateGenerator.certificateAuthority("modular-ca", now.minusSeconds(60),
                now.plus(Duration.ofDays(1)));
        int[] ports = {freePort(), freePort(), freePort(), freePort()};
        String[] names = {"node-a", "node-b"};
        List<KeepaliveNode> nodes = new ArrayList<>();
        List<FileSync> syncs = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Path certs = dir.resolve(names[i] + "-certs");
                CertificateGenerator.writeNode(certs, CertificateGenerator.node(ca, names[i], List.of("127.0.0.1"),
                        now.minusSeconds(60), now.plus(Duration.ofDays(1))), ca);
                Path root = Files.createDirectories(dir.resolve(names[i] + "-data"));
                KeepaliveConfig config = KeepaliveConfig.builder()
                        .clusterId("modular")
                        .nodeId(names[i])
                        .priority(100 - i)
                        .bind(new InetSocketAddress("127.0.0.1", ports[i]))
                        .peer(names[1 - i], new InetSocketAddress("127.0.0.1", ports[1 - i]))
                        .heartbeatInterval(Duration.ofMillis(100))
                        .stateDir(dir.resolve(names[i] + "-state"))
                        .arbiter(Arbiter.none())
                        .tls(certs)
                        .build();
                KeepaliveNode node = KeepaliveNode.create(config, null);
                syncs.add(FileSync.follow(SyncConfig.builder()
                        .keepalive(config) // the pair's ids, TLS and state directory
                        .bind(new InetSocketAddress("127.0.0.1", ports[2 + i]))
                        .peer(new InetSocketAddress("127.0.0.1", ports[3 - i]))
                        .stateDir(dir.resolve(names[i] + "-sync-state"))
                        .root("data", root)
                        .period(Duration.ofHours(1))
                        .build(), node));
                nodes.add(node);
            }
            nodes.forEach(KeepaliveNode::start);
            if (!await(() -> nodes.get(0).role() == Role.ACTIVE && nodes.get(1).role() == Role.STANDBY)) {
                return "roles " + nodes.get(0).role() + "/" + nodes.get(1).role() + " after " + BOUND
                        + ", expected ACTIVE/STANDBY";
            }
            Files.writeString(dir.resolve("node-a-data/orders.txt"), "order 1\n");
            RoundResult r = syncs.get(0).syncNow(BOUND);
            Path copy = dir.resolve("node-b-data/orders.txt");
            if (!r.clean() || !Files.exists(copy) || !Files.readString(copy).equals("order 1\n")) {
                return "the standby does not hold the active's file after a clean round: " + r;
            }
            return null;
        } finally {
            syncs.forEach(FileSync::close);
            nodes.forEach(KeepaliveNode::close);
        }
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
