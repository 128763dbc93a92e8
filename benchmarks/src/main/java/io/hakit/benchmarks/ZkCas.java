package io.hakit.benchmarks;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.data.Stat;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code zk-cas}: compare-and-set writes of one key, one after the other from one thread, on a 3-member ZooKeeper
 * ensemble: HAKit's leader-fenced {@link StateStore#put(LeaderSession, String, byte[], long)} against a raw Curator
 * {@code setData().withVersion(v)} in the same run.
 *
 * <p>HAKit's write is one multi-op: a check of the leader's latch node, a check of the epoch znode's version and the
 * versioned setData. Curator's is the setData alone, unfenced. Short rounds of {@link #WRITES_PER_ROUND} writes
 * alternate between the two (and which goes first), so both see the same ensemble, machine load and JIT state, and
 * a stall of the machine lands on either about as often. Throughput is the writes of a system divided by the time its
 * rounds took; latency is per write. {@code throughput_ratio_median_of_rounds} is the median over round pairs of
 * HAKit's rate over Curator's in the adjacent round: a figure that one long stall cannot move.
 */
final class ZkCas implements Runner.Scenario {

    static final String NAME = "zk-cas";
    static final String PEER = "curator-setdata";
    static final int MEMBERS = 3;
    static final int VALUE_BYTES = 256;
    static final int WRITES_PER_ROUND = 50;
    static final int WARMUP_ROUNDS = 10;
    static final int QUICK_ROUNDS = 50;
    static final int FULL_ROUNDS = 200;
    static final double GOAL_THROUGHPUT_RATIO = 0.9;
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    static final Duration GRANT_BOUND = Duration.ofSeconds(30);
    private static final String CLUSTER_ID = "bench-zk-cas";
    private static final String KEY = "checkpoint-pointer";
    private static final String RAW_PATH = "/curator-bench/cas/checkpoint-pointer";

    @Override
    public String description() {
        return "fenced CAS writes (HAKit StateStore) vs raw Curator setData().withVersion(), one writer, same"
                + " 3-member ensemble";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        return measure(WARMUP_ROUNDS, quick ? QUICK_ROUNDS : FULL_ROUNDS, WRITES_PER_ROUND, quick, out);
    }

    static Map<String, Object> measure(int warmupRounds, int rounds, int writesPerRound, boolean quick,
            PrintStream out) {
        if (warmupRounds < 0 || rounds < 1 || writesPerRound < 1) {
            throw new IllegalArgumentException("need warmupRounds >= 0, rounds >= 1 and writesPerRound >= 1");
        }
        out.println(NAME + ": starting a " + MEMBERS + "-member ZooKeeper ensemble");
        TestingCluster ensemble = ZkBench.startEnsemble(MEMBERS, Map.of());
        CuratorFramework raw = null;
        HaServices process = null;
        try {
            String connect = ensemble.getConnectString();
            raw = ZkBench.curator(connect, SESSION_TIMEOUT);
            process = HaServices.create(ZkBench.hakitConfig(connect, CLUSTER_ID, "writer", SESSION_TIMEOUT, 1)
                    .build());
            LeaderSession session = lead(process);
            byte[] value = new byte[VALUE_BYTES];
            Arrays.fill(value, (byte) 'x');

            StateStore store = process.stateStore("cas");
            Writer hakit = new Writer(store.put(session, KEY, value, StateStore.NEW)) {
                @Override
                long write(long expected) {
                    return store.put(session, KEY, value, expected);
                }
            };
            CuratorFramework client = raw;
            Writer curator = new Writer(createRaw(client, value)) {
                @Override
                long write(long expected) throws Exception {
                    Stat s = client.setData().withVersion((int) expected).forPath(RAW_PATH, value);
                    return s.getVersion();
                }
            };

            out.println(NAME + ": " + warmupRounds + " warm-up + " + rounds + " measured rounds of " + writesPerRound
                    + " writes for each, alternating");
            int measured = rounds * writesPerRound;
            double[] hakitMs = new double[measured];
            double[] curatorMs = new double[measured];
            long hakitNanos = 0;
            long curatorNanos = 0;
            double[] roundRatios = new double[rounds];
            for (int r = 0; r < warmupRounds + rounds; r++) {
                boolean count = r >= warmupRounds;
                int offset = count ? (r - warmupRounds) * writesPerRound : -1;
                long h;
                long c;
                if (r % 2 == 0) {
                    h = hakit.round(writesPerRound, count ? hakitMs : null, offset);
                    c = curator.round(writesPerRound, count ? curatorMs : null, offset);
                } else {
                    c = curator.round(writesPerRound, count ? curatorMs : null, offset);
                    h = hakit.round(writesPerRound, count ? hakitMs : null, offset);
                }
                if (count) {
                    hakitNanos += h;
                    curatorNanos += c;
                    roundRatios[r - warmupRounds] = (double) c / h; // equal writes per round: rate ratio
                }
            }

            double hakitRate = measured / (hakitNanos / 1e9);
            double curatorRate = measured / (curatorNanos / 1e9);
            Map<String, Object> hakitFigures = new LinkedHashMap<>();
            hakitFigures.put("throughput_ops_per_s", Json.decimal(hakitRate, 1));
            hakitFigures.putAll(ZkBench.latencyFigures(hakitMs));
            Map<String, Object> curatorFigures = new LinkedHashMap<>();
            curatorFigures.put("throughput_ops_per_s", Json.decimal(curatorRate, 1));
            curatorFigures.putAll(ZkBench.latencyFigures(curatorMs));

            Map<String, Object> params = new LinkedHashMap<>();
            params.put("ensemble_members", MEMBERS);
            params.put("writers", 1);
            params.put("value_bytes", VALUE_BYTES);
            params.put("warmup_rounds", warmupRounds);
            params.put("rounds", rounds);
            params.put("writes_per_round", writesPerRound);
            params.put("interleaved", true);
            params.put("quick", quick);
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("hakit", hakitFigures);
            results.put(PEER, curatorFigures);
            Map<String, Object> goal = new LinkedHashMap<>();
            goal.put("throughput_ratio", ZkBench.ratio(hakitRate, curatorRate));
            goal.put("throughput_ratio_median_of_rounds", Json.decimal(new Stats(roundRatios).percentile(50), 3));
            goal.put("throughput_ratio_target_min", Json.decimal(GOAL_THROUGHPUT_RATIO, 3));
            goal.put("met", hakitRate >= GOAL_THROUGHPUT_RATIO * curatorRate);
            Map<String, Object> json = Json.scenario(NAME, params, results);
            json.put("goal", goal);
            return json;
        } finally {
            ZkBench.closeQuietly(process);
            ZkBench.closeQuietly(raw);
            ZkBench.closeQuietly(ensemble);
        }
    }

    /** Contends, waits for the grant and confirms; returns the session. */
    private static LeaderSession lead(HaServices process) {
        CompletableFuture<LeaderSession> granted = new CompletableFuture<>();
        LeaderElection election = process.leaderElection("writer");
        election.startLeaderElection(new LeaderContender() {
            @Override
            public void grantLeadership(LeaderSession session) {
                if (election.confirmLeadership(session, "writer:9000")) {
                    granted.complete(session);
                }
            }

            @Override
            public void revokeLeadership() {
                if (!granted.isDone()) {
                    granted.completeExceptionally(new IllegalStateException("revoked before confirming"));
                }
            }
        });
        try {
            return granted.get(GRANT_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Runner.BenchmarkFailure("interrupted while waiting for leadership", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new Runner.BenchmarkFailure("the writer was not granted and confirmed within "
                    + GRANT_BOUND.toSeconds() + " s", e);
        }
    }

    private static long createRaw(CuratorFramework client, byte[] value) {
        try {
            client.create().creatingParentsIfNeeded().forPath(RAW_PATH, value);
            return 0;
        } catch (Exception e) {
            throw new Runner.BenchmarkFailure("could not create " + RAW_PATH, e);
        }
    }

    /** Sequential CAS writes of one key, tracking its version. */
    private abstract static class Writer {
        private long version;

        Writer(long initialVersion) {
            this.version = initialVersion;
        }

        /** Writes at {@code expected}; returns the new version. */
        abstract long write(long expected) throws Exception;

        /**
         * Writes {@code n} times; records each latency (ms) into {@code samples} from {@code offset} unless it is
         * null. Returns the round's duration in ns.
         */
        long round(int n, double[] samples, int offset) {
            long roundStart = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long t = System.nanoTime();
                try {
                    version = write(version);
                } catch (Exception e) {
                    throw new Runner.BenchmarkFailure("CAS write at version " + version + " failed", e);
                }
                if (samples != null) {
                    samples[offset + i] = (System.nanoTime() - t) / 1e6;
                }
            }
            return System.nanoTime() - roundStart;
        }
    }
}
