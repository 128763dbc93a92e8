package io.hakit.benchmarks;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeaderSession;
import io.hakit.api.embedded.EmbeddedHaBackend;

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
 * {@code embedded-handover}: how long leadership takes to move between processes on the embedded backend, as a
 * retriever sees it.
 *
 * <p>Three processes ({@link HaServices} on one {@link EmbeddedHaBackend}) contend for one component and confirm
 * their address when granted; an observer process watches retrieval. Each cycle closes the current leader's election
 * (the process gives up leadership) and measures from just before {@code close()} until the observer's retrieval
 * listener is called with a new address at a higher epoch; then that process opens its election again and queues up
 * behind the others. The time covers the revoke, the grant to the next process, its confirmation and the retrieval
 * notification, each hop on its own thread.
 */
final class EmbeddedHandover implements Runner.Scenario {

    static final String NAME = "embedded-handover";
    static final int NODES = 3;
    static final int WARMUP_CYCLES = 50;
    static final int QUICK_CYCLES = 200;
    static final int FULL_CYCLES = 2000;
    static final Duration POLL_BOUND = Duration.ofSeconds(5);
    private static final String COMPONENT = "handover";

    @Override
    public String description() {
        return NODES + " processes on the embedded backend hand leadership over; latency until a retriever sees the"
                + " new leader";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        return measure(WARMUP_CYCLES, quick ? QUICK_CYCLES : FULL_CYCLES, quick, out);
    }

    /** What the observer's listener was told, and when (System.nanoTime()). */
    private record Seen(LeaderInformation info, long nanos) {
    }

    /**
     * Runs {@code warmup} uncounted cycles then {@code cycles} measured ones; returns the scenario's JSON object.
     * Package-private so that a test can run a few cycles.
     *
     * @throws Runner.BenchmarkFailure if a handover is not seen within {@link #POLL_BOUND}
     */
    static Map<String, Object> measure(int warmup, int cycles, boolean quick, PrintStream out) {
        if (warmup < 0 || cycles < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and cycles >= 1, got " + warmup + " and " + cycles);
        }
        out.println(NAME + ": " + NODES + " processes, " + warmup + " warm-up + " + cycles + " measured handovers");
        EmbeddedHaBackend backend = EmbeddedHaBackend.create();
        List<HaServices> processes = new ArrayList<>();
        try {
            BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
            HaServices observer = backend.newServices(config("observer", warmup + cycles));
            processes.add(observer);
            observer.watchLeader(COMPONENT, info -> seen.add(new Seen(info, System.nanoTime())));

            HaServices[] nodes = new HaServices[NODES];
            LeaderElection[] elections = new LeaderElection[NODES];
            for (int i = 0; i < NODES; i++) {
                nodes[i] = backend.newServices(config(nodeId(i), warmup + cycles));
                processes.add(nodes[i]);
                elections[i] = contend(nodes[i], i);
            }

            LeaderInformation current = awaitNewLeader(seen, null, -1).info();
            double[] samples = new double[cycles];
            for (int c = 0; c < warmup + cycles; c++) {
                int leader = nodeIndex(current);
                long start = System.nanoTime();
                elections[leader].close();
                Seen next = awaitNewLeader(seen, current, c);
                if (c >= warmup) {
                    samples[c - warmup] = (next.nanos() - start) / 1e6;
                }
                elections[leader] = contend(nodes[leader], leader);
                current = next.info();
            }

            Stats stats = new Stats(samples);
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("nodes", NODES);
            params.put("cycles", cycles);
            params.put("quick", quick);
            Map<String, Object> hakit = new LinkedHashMap<>();
            hakit.put("p50_ms", Json.decimal(stats.percentile(50), 3));
            hakit.put("p99_ms", Json.decimal(stats.percentile(99), 3));
            hakit.put("max_ms", Json.decimal(stats.max(), 3));
            hakit.put("n", stats.n());
            Map<String, Object> results = new LinkedHashMap<>();
            results.put("hakit", hakit);
            Map<String, Object> json = Json.scenario(NAME, params, results);
            return json;
        } finally {
            for (HaServices s : processes) {
                s.close();
            }
        }
    }

    /**
     * Takes what the observer saw until a leader other than {@code previous}'s address at a higher epoch shows up
     * (any leader when {@code previous} is null).
     */
    private static Seen awaitNewLeader(BlockingQueue<Seen> seen, LeaderInformation previous, int cycle) {
        long deadline = System.nanoTime() + POLL_BOUND.toNanos();
        while (true) {
            Seen s;
            try {
                s = seen.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Runner.BenchmarkFailure("interrupted while waiting for a handover", e);
            }
            if (s == null) {
                throw new Runner.BenchmarkFailure(previous == null
                        ? "no leader seen within " + POLL_BOUND.toSeconds() + " s of starting"
                        : "cycle " + cycle + ": no new leader seen within " + POLL_BOUND.toSeconds()
                                + " s of closing the election of " + previous.address().orElseThrow() + " at epoch "
                                + previous.epoch());
            }
            LeaderInformation info = s.info();
            if (info.isEmpty()) {
                continue;
            }
            if (previous == null
                    || (!info.address().equals(previous.address()) && info.epoch() > previous.epoch())) {
                return s;
            }
        }
    }

    private static LeaderElection contend(HaServices services, int index) {
        LeaderElection election = services.leaderElection(COMPONENT);
        election.startLeaderElection(new LeaderContender() {
            @Override
            public void grantLeadership(LeaderSession session) {
                // false when the grant went stale on the way; the next grant confirms again.
                election.confirmLeadership(session, address(index));
            }

            @Override
            public void revokeLeadership() {
                // nothing to stop: this contender only publishes its address
            }
        });
        return election;
    }

    private static HaConfig config(String nodeId, int handovers) {
        // The benchmark moves leadership on purpose: keep the flapping alarm (and its log line) out of the way.
        return HaConfig.builder().clusterId("bench-handover").nodeId(nodeId)
                .flappingAlarm(handovers + 1, Duration.ofMinutes(5)).build();
    }

    private static String nodeId(int index) {
        return "node-" + (index + 1);
    }

    private static String address(int index) {
        return nodeId(index) + ":9000";
    }

    private static int nodeIndex(LeaderInformation info) {
        String address = info.address().orElseThrow();
        for (int i = 0; i < NODES; i++) {
            if (address.equals(address(i))) {
                return i;
            }
        }
        throw new Runner.BenchmarkFailure("the observer sees an unknown leader address " + address);
    }
}
