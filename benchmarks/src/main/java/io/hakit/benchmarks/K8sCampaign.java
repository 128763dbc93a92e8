package io.hakit.benchmarks;

import io.hakit.kubernetes.K8sCampaignTarget;
import io.hakit.testkit.campaign.CampaignResult;
import io.hakit.testkit.junit.internal.kubernetes.ApiServers;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code k8s-campaign}: many seeded randomized fault campaigns on a real kube-apiserver 1.20.2 + etcd (or the cluster
 * of {@code $KUBECONFIG}), and how many safety violations they find (the goal is 0). Each schedule is the campaign of
 * {@code RealCampaignTest} ({@link K8sCampaignTarget#campaign(long)}): partitions, blips, a stolen Lease, the apiserver
 * killed and restarted, leaders closing their election or stalling, while three processes write one key with fenced
 * puts. {@code ./mvnw -pl ha-kubernetes verify -Dtest=RealCampaignTest -Dhakit.campaign.seed=<seed>} reruns one.
 */
final class K8sCampaign implements Runner.Scenario {

    static final String NAME = "k8s-campaign";

    @Override
    public String description() {
        return "seeded fault campaigns (partitions, blips, stolen Lease, apiserver restarts) on a real kube-apiserver;"
                + " violations found (goal 0)";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        int schedules = quick ? 8 : 200;
        long base = new Random().nextLong();
        Random seeds = new Random(base);
        long violations = 0;
        long steps = 0;
        List<Object> failedSeeds = new ArrayList<>();
        long start = System.nanoTime();
        try (ApiServers server = ApiServers.real()) {
            K8sCampaignTarget target = new K8sCampaignTarget(server);
            try {
                for (int i = 0; i < schedules; i++) {
                    long seed = seeds.nextLong();
                    CampaignResult r = K8sCampaignTarget.campaign(seed).run(target);
                    steps += r.steps();
                    violations += r.violations().size();
                    out.println(NAME + " " + (i + 1) + "/" + schedules + ": " + r.summary());
                    if (!r.passed()) {
                        failedSeeds.add(Long.toString(seed));
                        out.println(r.report());
                    }
                }
            } finally {
                target.close();
            }
        } catch (Exception e) {
            throw new Runner.BenchmarkFailure("the API server failed: " + e, e);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("schedules", schedules);
        params.put("steps_per_schedule", K8sCampaignTarget.STEPS);
        params.put("lease_ms", 3000);
        params.put("processes", 3);
        params.put("base_seed", Long.toString(base));
        params.put("quick", quick);
        Map<String, Object> hakit = new LinkedHashMap<>();
        hakit.put("schedules", schedules);
        hakit.put("violations", violations);
        hakit.put("failed_seeds", failedSeeds);
        hakit.put("steps", steps);
        hakit.put("duration_s", Json.decimal((System.nanoTime() - start) / 1e9, 1));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scenario", NAME);
        json.put("params", params);
        json.put("results", Map.of("hakit", hakit));
        return json;
    }
}
