package io.hakit.benchmarks;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.benchmarks.zk.ContenderMain;
import io.hakit.benchmarks.zk.ContenderProcess;
import io.hakit.kubernetes.KubernetesOptions;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code k8s-failover}: the leader's JVM is killed (SIGKILL) on a real kube-apiserver 1.20.2 + etcd; how long until a
 * standby in this JVM is granted. The leader is a child JVM ({@link ContenderMain} on Kubernetes) that has confirmed its
 * address; the standby contends after that, so it has seen the Lease renewed. From the kill until the standby's
 * {@code grantLeadership}. Goal: at most lease duration + retry period, with Flink's defaults (15 s / 10 s / 2 s) and
 * with 3 s / 2 s / 0.5 s.
 */
final class K8sFailover implements Runner.Scenario {

    static final String NAME = "k8s-failover";
    private static final Duration BOUND = Duration.ofSeconds(60);

    @Override
    public String description() {
        return "leader JVM killed with SIGKILL on a real kube-apiserver -> a standby leads; Flink's defaults and 3/2/0.5 s";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        int cycles = quick ? 3 : 10;
        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            K8sHandover.ApiServer api = K8sHandover.ApiServer.open(out);
            toClose.add(api);
            String kubeconfig = api.kubeconfig;
            KubernetesClient admin = api.admin;
            Config config = api.config;
            Map<String, Object> results = new LinkedHashMap<>();
            Map<String, Object> hakit = new LinkedHashMap<>();
            boolean met = true;
            long[][] settings = {{15_000, 10_000, 2_000}, {3_000, 2_000, 500}};
            for (long[] t : settings) {
                String label = "lease_" + t[0] / 1000.0 + "s";
                String ns = "hakit-fo-" + t[0] + "-" + ProcessHandle.current().pid();
                admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                        .build()).createOr(x -> x.update());
                double[] ms = new double[cycles];
                for (int c = 0; c < cycles; c++) {
                    ms[c] = cycle(kubeconfig, ns, t, c, out);
                }
                Map<String, Object> f = ZkBench.latencyFigures(ms);
                f.put("goal_max_ms", t[0] + t[2]);
                hakit.put(label, f);
                met &= new Stats(ms).percentile(100) <= t[0] + t[2];
                out.println(NAME + ": " + label + ": " + f);
            }
            results.put("hakit", hakit);
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("api_server", System.getenv("KUBECONFIG") == null ? "kube-apiserver 1.20.2 + etcd, loopback"
                    : "KUBECONFIG");
            params.put("cycles_per_setting", cycles);
            params.put("settings_ms", "15000/10000/2000 and 3000/2000/500 (lease/renew/retry)");
            params.put("quick", quick);
            Map<String, Object> json = Json.scenario(NAME, params, results);
            json.put("goal", Map.of("max_within_lease_plus_retry", met));
            return json;
        } catch (Exception e) {
            throw new Runner.BenchmarkFailure(NAME + " failed: " + e);
        } finally {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                ZkBench.closeQuietly(toClose.get(i));
            }
        }
    }

    private static double cycle(String kubeconfig, String ns, long[] t, int c, PrintStream out) throws Exception {
        String cluster = "fo-" + c;
        String[] args = {"--cluster-id=" + cluster, "--node-id=child-" + c, "--component=jm",
            "--address=child:9000", "--kubernetes-config=" + kubeconfig, "--kubernetes-namespace=" + ns,
            "--lease-ms=" + t[0], "--renew-ms=" + t[1], "--retry-ms=" + t[2], "--max-lifetime-s=600"};
        try (ContenderProcess child = ContenderProcess.start("child-" + c, args)) {
            child.awaitLine(l -> l.startsWith(ContenderMain.CONFIRMED), BOUND, "CONFIRMED");
            BlockingQueue<Long> granted = new LinkedBlockingQueue<>();
            try (HaServices standby = HaServices.create(HaConfig.builder().type("kubernetes").clusterId(cluster)
                    .nodeId("standby-" + c).leaseDuration(Duration.ofMillis(t[0]))
                    .renewDeadline(Duration.ofMillis(t[1])).retryPeriod(Duration.ofMillis(t[2]))
                    .backendOption(KubernetesOptions.CONFIG_FILE, kubeconfig)
                    .backendOption(KubernetesOptions.NAMESPACE, ns).build())) {
                LeaderElection e = standby.leaderElection("jm");
                e.startLeaderElection(new LeaderContender() {
                    @Override
                    public void grantLeadership(LeaderSession session) {
                        granted.add(System.nanoTime());
                    }

                    @Override
                    public void revokeLeadership() {
                    }
                });
                Thread.sleep(2 * t[2] + 200); // the standby sees a renewal or two
                if (!granted.isEmpty()) {
                    throw new Runner.BenchmarkFailure("the standby was granted while the child led");
                }
                long killed = System.nanoTime();
                if (!child.kill()) {
                    throw new Runner.BenchmarkFailure("child " + c + " did not die");
                }
                Long at = granted.poll(BOUND.toSeconds(), TimeUnit.SECONDS);
                if (at == null) {
                    throw new Runner.BenchmarkFailure("no failover within " + BOUND);
                }
                return (at - killed) / 1e6;
            }
        }
    }
}
