package io.hakit.benchmarks;

import io.hakit.testkit.campaign.CampaignResult;
import io.hakit.zookeeper.ZkCampaignTarget;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code zk-campaign}: many seeded randomized fault campaigns on a real 3-member ZooKeeper ensemble, and how many
 * safety violations they find (the goal is 0).
 *
 * <p>Each schedule is the campaign of {@code ZooKeeperCampaignTest} ({@link ZkCampaignTarget#campaign(long)}): three
 * processes write one key with leader-fenced puts while {@value ZkCampaignTarget#STEPS} random faults are applied
 * (members killed and restarted, the quorum lost, processes partitioned and blipped through proxies, sessions
 * expired, leaders closing their election or stalling), then the target heals and the leadership history is checked.
 * All schedules share one ensemble. The seeds are drawn from a random base seed, printed in {@code params}; a failed
 * schedule's own seed is in {@code failed_seeds}, and {@code ./mvnw -pl ha-zookeeper verify
 * -Dtest=ZooKeeperCampaignTest -Dhakit.campaign.seed=<seed>} reruns its schedule.
 */
final class ZkCampaign implements Runner.Scenario {

    static final String NAME = "zk-campaign";
    static final int QUICK_SCHEDULES = 15; // ~6 s each: --quick stays under two minutes
    static final int FULL_SCHEDULES = 200;

    @Override
    public String description() {
        return "seeded fault campaigns (kills, quorum loss, partitions, expiries) on a 3-member ZooKeeper ensemble;"
                + " violations found (goal 0)";
    }

    /** slf4j-simple's level of the ZooKeeper servers, whose members this scenario kills on purpose. */
    static final String SERVER_LOG_LEVEL = "org.slf4j.simpleLogger.log.org.apache.zookeeper.server";

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        // every killed member makes the others log an ERROR with a stack trace: expected here, and only noise
        if (System.getProperty(SERVER_LOG_LEVEL) == null) {
            System.setProperty(SERVER_LOG_LEVEL, "off");
        }
        long base = new Random().nextLong();
        return measure(quick ? QUICK_SCHEDULES : FULL_SCHEDULES, base, quick, out);
    }

    /**
     * Runs {@code schedules} campaigns with seeds drawn from {@code baseSeed}; returns the scenario's JSON object.
     * Package-private so that a test can run one.
     *
     * @throws Runner.BenchmarkFailure if the ensemble cannot be started or closed
     */
    static Map<String, Object> measure(int schedules, long baseSeed, boolean quick, PrintStream out) {
        if (schedules < 1) {
            throw new IllegalArgumentException("need at least one schedule, got " + schedules);
        }
        out.println(NAME + ": " + schedules + " schedules of " + ZkCampaignTarget.STEPS + " faults, base seed "
                + baseSeed);
        Random seeds = new Random(baseSeed);
        long violations = 0;
        long steps = 0;
        List<Object> failedSeeds = new ArrayList<>();
        long start = System.nanoTime();
        try (ZkCampaignTarget target = ZkCampaignTarget.start(ZkCampaignTarget.SESSION_TIMEOUT)) {
            for (int i = 0; i < schedules; i++) {
                long seed = seeds.nextLong();
                CampaignResult r = ZkCampaignTarget.campaign(seed).run(target);
                steps += r.steps();
                violations += r.violations().size();
                out.println(NAME + " " + (i + 1) + "/" + schedules + ": " + r.summary());
                if (!r.passed()) {
                    failedSeeds.add(Long.toString(seed));
                    out.println(r.report());
                }
            }
        } catch (Exception e) {
            throw new Runner.BenchmarkFailure("the ZooKeeper ensemble failed: " + e, e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<String, Object> params = new LinkedHashMap<>();
        params.put("schedules", schedules);
        params.put("steps_per_schedule", ZkCampaignTarget.STEPS);
        params.put("session_timeout_ms", ZkCampaignTarget.SESSION_TIMEOUT.toMillis());
        params.put("processes", 3);
        params.put("ensemble_members", 3);
        params.put("base_seed", Long.toString(baseSeed));
        params.put("quick", quick);
        Map<String, Object> hakit = new LinkedHashMap<>();
        hakit.put("schedules", schedules);
        hakit.put("violations", violations);
        hakit.put("failed_seeds", failedSeeds);
        hakit.put("steps", steps);
        hakit.put("duration_s", Json.decimal(seconds, 1));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("hakit", hakit);
        Map<String, Object> json = Json.scenario(NAME, params, results);
        return json;
    }
}
