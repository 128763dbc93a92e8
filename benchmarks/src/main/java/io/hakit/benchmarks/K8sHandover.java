package io.hakit.benchmarks;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeaderSession;
import io.hakit.kubernetes.KubernetesOptions;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code k8s-handover}: a leader closes on a real kube-apiserver 1.20.2 + etcd (started by
 * {@code ha-kubernetes/src/test/k8s/kube-apiserver.sh}, or the cluster of {@code $KUBECONFIG}); how long until the next
 * one leads. Same run, interleaved:
 * <ul>
 *   <li><b>hakit</b>: three processes contend for one component and confirm their address; a fourth observes with a
 *   retrieval listener. From just before {@code close()} until the observer sees the next address at a higher epoch
 *   (release, acquisition with a new epoch, seal, grant, fenced publish, retrieval event).
 *   <li><b>fabric8-leaderelector</b>: three fabric8 {@code LeaderElector}s (LeaseLock, release on cancel) with the same
 *   lease duration, renew deadline and retry period; from the leader's cancel until another's onStartLeading.
 * </ul>
 * Lease 15 s, renew deadline 10 s, retry period 2 s (Flink's defaults), or 3/2/0.5 s with {@code --short}.
 */
final class K8sHandover implements Runner.Scenario {

    static final String NAME = "k8s-handover";
    static final String PEER = "fabric8-leaderelector";
    private static final int CONTENDERS = 3;
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Override
    public String description() {
        return "3 HAKit processes vs 3 fabric8 LeaderElectors on a real kube-apiserver: leader closes -> next one"
                + " leads (HAKit: confirmed and seen by a retriever)";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        int cycles = quick ? 20 : 100;
        Duration lease = Duration.ofSeconds(15);
        Duration renew = Duration.ofSeconds(10);
        Duration retry = Duration.ofSeconds(2);
        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            ApiServer api = ApiServer.open(out);
            toClose.add(api);
            String kubeconfig = api.kubeconfig;
            KubernetesClient admin = api.admin;
            Config config = api.config;
            out.println(NAME + ": API server from " + kubeconfig);
            String ns = "hakit-bench-" + ProcessHandle.current().pid();
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .createOr(x -> x.update());
            Files.writeString(Paths.get(System.getProperty("java.io.tmpdir"), "hakit-bench-kubeconfig"),
                    Files.readString(Paths.get(kubeconfig)));

            // HAKit side
            BlockingQueue<Object[]> seen = new LinkedBlockingQueue<>();
            HaServices observer = services(kubeconfig, ns, "observer", lease, renew, retry);
            toClose.add(observer);
            observer.watchLeader("handover", info -> seen.add(new Object[] {info, System.nanoTime()}));
            HaServices[] nodes = new HaServices[CONTENDERS];
            LeaderElection[] elections = new LeaderElection[CONTENDERS];
            for (int i = 0; i < CONTENDERS; i++) {
                nodes[i] = services(kubeconfig, ns, "node-" + i, lease, renew, retry);
                toClose.add(nodes[i]);
                elections[i] = contend(nodes[i], i);
            }
            LeaderInformation current = awaitNew(seen, null);

            // fabric8 side
            BlockingQueue<long[]> started = new LinkedBlockingQueue<>();
            KubernetesClient[] clients = new KubernetesClient[CONTENDERS];
            @SuppressWarnings("unchecked")
            CompletableFuture<?>[] electors = new CompletableFuture<?>[CONTENDERS];
            for (int i = 0; i < CONTENDERS; i++) {
                clients[i] = new KubernetesClientBuilder().withConfig(config)
                        .withHttpClientFactory(new JdkHttpClientFactory()).build();
                toClose.add(clients[i]);
                electors[i] = elector(clients[i], ns, i, lease, renew, retry, started);
            }
            long[] fLeader = started.poll(BOUND.toSeconds(), TimeUnit.SECONDS);
            if (fLeader == null) {
                throw new Runner.BenchmarkFailure("no fabric8 leader within " + BOUND);
            }

            double[] hakitMs = new double[cycles];
            double[] fabricMs = new double[cycles];
            out.println(NAME + ": " + cycles + " handovers of each, interleaved");
            int warmup = 3;
            for (int c = 0; c < warmup + cycles; c++) {
                // HAKit
                int leader = Integer.parseInt(current.address().orElseThrow().replace("node-", "").replace(":9000", ""));
                seen.clear();
                long t0 = System.nanoTime();
                elections[leader].close();
                LeaderInformation next = awaitNew(seen, current);
                double hMs = ((long) lastSeenNanos - t0) / 1e6;
                current = next;
                elections[leader] = contend(nodes[leader], leader);
                // fabric8
                int fl = (int) fLeader[0];
                started.clear();
                long t1 = System.nanoTime();
                electors[fl].cancel(true);
                long[] s = started.poll(BOUND.toSeconds(), TimeUnit.SECONDS);
                if (s == null) {
                    throw new Runner.BenchmarkFailure("fabric8 cycle " + c + ": no new leader within " + BOUND);
                }
                if (c >= warmup) {
                    hakitMs[c - warmup] = hMs;
                    fabricMs[c - warmup] = (s[1] - t1) / 1e6;
                }
                fLeader = s;
                electors[fl] = elector(clients[fl], ns, fl, lease, renew, retry, started);
            }
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("api_server", System.getenv("KUBECONFIG") == null ? "kube-apiserver 1.20.2 + etcd, loopback"
                    : "KUBECONFIG");
            params.put("contenders", CONTENDERS);
            params.put("warmup_cycles", 3);
            params.put("cycles", cycles);
            params.put("lease_duration_s", lease.toSeconds());
            params.put("renew_deadline_s", renew.toSeconds());
            params.put("retry_period_ms", retry.toMillis());
            params.put("quick", quick);
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("hakit", ZkBench.latencyFigures(hakitMs));
            results.put(PEER, ZkBench.latencyFigures(fabricMs));
            Map<String, Object> json = Json.scenario(NAME, params, results);
            Map<String, Object> goal = new LinkedHashMap<>();
            goal.put("p99_ms_target_max", 100);
            goal.put("met", new Stats(hakitMs).percentile(99) < 100);
            json.put("goal", goal);
            return json;
        } catch (Exception e) {
            throw new Runner.BenchmarkFailure(NAME + " failed: " + e);
        } finally {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                ZkBench.closeQuietly(toClose.get(i));
            }
        }
    }

    private static volatile long lastSeenNanos;

    private static LeaderInformation awaitNew(BlockingQueue<Object[]> seen, LeaderInformation previous)
            throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            Object[] s = seen.poll(100, TimeUnit.MILLISECONDS);
            if (s == null) {
                continue;
            }
            LeaderInformation info = (LeaderInformation) s[0];
            if (!info.isEmpty() && (previous == null || info.epoch() > previous.epoch())) {
                lastSeenNanos = (Long) s[1];
                return info;
            }
        }
        throw new Runner.BenchmarkFailure("no new HAKit leader seen within " + BOUND);
    }

    private static HaServices services(String kubeconfig, String ns, String node, Duration lease, Duration renew,
            Duration retry) {
        return HaServices.create(HaConfig.builder().type("kubernetes").clusterId("bench-handover").nodeId(node)
                .leaseDuration(lease).renewDeadline(renew).retryPeriod(retry)
                .backendOption(KubernetesOptions.CONFIG_FILE, kubeconfig).backendOption(KubernetesOptions.NAMESPACE, ns)
                .build());
    }

    private static LeaderElection contend(HaServices s, int index) {
        LeaderElection e = s.leaderElection("handover");
        e.startLeaderElection(new LeaderContender() {
            @Override
            public void grantLeadership(LeaderSession session) {
                e.confirmLeadership(session, "node-" + index + ":9000");
            }

            @Override
            public void revokeLeadership() {
            }
        });
        return e;
    }

    private static CompletableFuture<?> elector(KubernetesClient client, String ns, int index, Duration lease,
            Duration renew, Duration retry, BlockingQueue<long[]> started) {
        return client.leaderElector().withConfig(new LeaderElectionConfigBuilder().withName("bench-fabric8")
                .withLock(new LeaseLock(ns, "bench-fabric8-lock", "fabric8-" + index))
                .withLeaseDuration(lease).withRenewDeadline(renew).withRetryPeriod(retry).withReleaseOnCancel()
                .withLeaderCallbacks(new LeaderCallbacks(() -> started.add(new long[] {index, System.nanoTime()}),
                        () -> { }, id -> { }))
                .build()).build().start();
    }

    /** Starts kube-apiserver 1.20.2 + etcd (data on tmpfs when there is one); returns its directory. */
    /** The API server a k8s-* scenario runs against: {@code $KUBECONFIG}'s, or a real one started for the run. */
    static final class ApiServer implements AutoCloseable {
        final String kubeconfig;
        final Config config;
        final KubernetesClient admin;
        private final Path dir;
        private final PrintStream out;

        private ApiServer(String kubeconfig, Path dir, PrintStream out) {
            this.kubeconfig = kubeconfig;
            this.dir = dir;
            this.out = out;
            this.config = Config.fromKubeconfig(null, Paths.get(kubeconfig).toFile());
            this.admin = new KubernetesClientBuilder().withConfig(config)
                    .withHttpClientFactory(new JdkHttpClientFactory()).build();
        }

        static ApiServer open(PrintStream out) throws Exception {
            String kubeconfig = System.getenv("KUBECONFIG");
            if (kubeconfig != null) {
                return new ApiServer(kubeconfig, null, out);
            }
            Path dir = startApiServer();
            try {
                return new ApiServer(dir.resolve("kubeconfig").toString(), dir, out);
            } catch (RuntimeException e) {
                stopApiServer(dir, out);
                throw e;
            }
        }

        @Override
        public void close() {
            ZkBench.closeQuietly(admin);
            stopApiServer(dir, out);
        }
    }

    static Path startApiServer() throws Exception {
        Path dir = Files.createTempDirectory(Files.isWritable(Paths.get("/dev/shm")) ? Paths.get("/dev/shm")
                : Paths.get(System.getProperty("java.io.tmpdir")), "hakit-bench-apiserver");
        sh(script(), "start", dir.toString());
        return dir;
    }

    /** Stops what {@link #startApiServer()} started; null: nothing. */
    static void stopApiServer(Path dir, PrintStream out) {
        if (dir == null) {
            return;
        }
        try {
            sh(script(), "stop", dir.toString());
            sh(Paths.get("/bin/rm"), "-rf", dir.toString());
        } catch (Exception e) {
            out.println("stopping the API server failed: " + e);
        }
    }

    static Path script() {
        for (Path p : new Path[] {Paths.get("ha-kubernetes/src/test/k8s/kube-apiserver.sh"),
                Paths.get("../ha-kubernetes/src/test/k8s/kube-apiserver.sh")}) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        throw new Runner.BenchmarkFailure("ha-kubernetes/src/test/k8s/kube-apiserver.sh not found; run from the repo");
    }

    private static void sh(Path script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(script.toString().endsWith(".sh") ? List.of("bash", script.toString())
                : List.of(script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new Runner.BenchmarkFailure("kube-apiserver.sh " + String.join(" ", args) + " failed: " + text);
        }
    }
}
