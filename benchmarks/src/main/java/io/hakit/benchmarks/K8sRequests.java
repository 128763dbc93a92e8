package io.hakit.benchmarks;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.Subscription;
import io.hakit.kubernetes.KubernetesOptions;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code k8s-requests}: API requests per second of an idle HAKit leader with 1, 100 and 1,000 components (each
 * contending and confirmed) and as many open store watches, counted at the API server: the difference of its
 * {@code apiserver_request_total} for leases and configmaps over a window, plus its open watches
 * ({@code apiserver_registered_watchers}). The goal: the same rate at every size (one Lease renewal per retry period,
 * two watches). Flink 2.3's {@code KubernetesLeaderElectionHaServices} is not measured: Flink is not a dependency of
 * this repository.
 */
final class K8sRequests implements Runner.Scenario {

    static final String NAME = "k8s-requests";
    private static final Pattern REQUESTS = Pattern.compile(
            "^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$", Pattern.MULTILINE);
    private static final Pattern WATCHERS = Pattern.compile(
            "^apiserver_registered_watchers\\{([^}]*)\\} ([0-9.e+]+)$", Pattern.MULTILINE);

    @Override
    public String description() {
        return "requests per second of an idle HAKit leader on a real kube-apiserver with 1, 100 and 1000 components"
                + " and store watches, counted at the API server";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        Duration window = quick ? Duration.ofSeconds(10) : Duration.ofSeconds(60);
        Duration retry = Duration.ofSeconds(2);
        List<AutoCloseable> toClose = new ArrayList<>();
        try {
            K8sHandover.ApiServer api = K8sHandover.ApiServer.open(out);
            toClose.add(api);
            String kubeconfig = api.kubeconfig;
            KubernetesClient admin = api.admin;
            Config config = api.config;
            Map<String, Object> results = new LinkedHashMap<>();
            Map<String, Object> hakit = new LinkedHashMap<>();
            for (int components : new int[] {1, 100, 1000}) {
                String ns = "hakit-req-" + components + "-" + ProcessHandle.current().pid();
                admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                        .build()).createOr(x -> x.update());
                HaServices leader = HaServices.create(HaConfig.builder().type("kubernetes").clusterId("bench-req")
                        .nodeId("leader-" + components).leaseDuration(Duration.ofSeconds(15))
                        .renewDeadline(Duration.ofSeconds(10)).retryPeriod(retry)
                        .backendOption(KubernetesOptions.CONFIG_FILE, kubeconfig)
                        .backendOption(KubernetesOptions.NAMESPACE, ns).build());
                CountDownLatch confirmed = new CountDownLatch(components);
                List<LeaderElection> elections = new ArrayList<>();
                List<Subscription> watches = new ArrayList<>();
                for (int i = 0; i < components; i++) {
                    LeaderElection e = leader.leaderElection("c" + i);
                    elections.add(e);
                    e.startLeaderElection(new LeaderContender() {
                        @Override
                        public void grantLeadership(LeaderSession session) {
                            if (e.confirmLeadership(session, "leader:" + e.componentId())) {
                                confirmed.countDown();
                            }
                        }

                        @Override
                        public void revokeLeadership() {
                        }
                    });
                    watches.add(leader.stateStore("job-" + i).watch("", ev -> { }));
                }
                if (!confirmed.await(300, TimeUnit.SECONDS)) {
                    throw new Runner.BenchmarkFailure(components + " components were not all confirmed in 300 s");
                }
                Thread.sleep(3 * retry.toMillis()); // settle
                String before = admin.raw(config.getMasterUrl() + "metrics");
                long t0 = System.nanoTime();
                Thread.sleep(window.toMillis());
                String after = admin.raw(config.getMasterUrl() + "metrics");
                double seconds = (System.nanoTime() - t0) / 1e9;
                // the two metric scrapes are not leases or configmaps, so they do not count
                double requests = count(after) - count(before);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("requests_per_s", Json.decimal(requests / seconds, 3));
                f.put("open_watches", (long) watchers(after));
                f.put("components", components);
                hakit.put("components_" + components, f);
                out.println(NAME + ": " + components + " components: " + f);
                watches.forEach(Subscription::close);
                leader.close();
            }
            results.put("hakit", hakit);
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("api_server", System.getenv("KUBECONFIG") == null ? "kube-apiserver 1.20.2 + etcd, loopback"
                    : "KUBECONFIG");
            params.put("window_s", window.toSeconds());
            params.put("retry_period_ms", retry.toMillis());
            params.put("store_watches_per_component", 1);
            params.put("quick", quick);
            Map<String, Object> json = Json.scenario(NAME, params, results);
            return json;
        } catch (Exception e) {
            throw new Runner.BenchmarkFailure(NAME + " failed: " + e);
        } finally {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                ZkBench.closeQuietly(toClose.get(i));
            }
        }
    }

    /** Requests on leases and configmaps so far. */
    private static double count(String metrics) {
        double n = 0;
        Matcher m = REQUESTS.matcher(metrics);
        while (m.find()) {
            if (m.group(1).contains("resource=\"leases\"") || m.group(1).contains("resource=\"configmaps\"")) {
                n += Double.parseDouble(m.group(2));
            }
        }
        return n;
    }

    /** Open watches on leases and configmaps. */
    private static double watchers(String metrics) {
        double n = 0;
        Matcher m = WATCHERS.matcher(metrics);
        while (m.find()) {
            if (m.group(1).contains("kind=\"Lease\"") || m.group(1).contains("kind=\"ConfigMap\"")) {
                n += Double.parseDouble(m.group(2));
            }
        }
        return n;
    }
}
