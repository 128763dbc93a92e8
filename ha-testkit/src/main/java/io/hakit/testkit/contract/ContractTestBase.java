package io.hakit.testkit.contract;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.TestingContender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * The base of every contract suite: a fresh {@link TestCluster} per test from {@link #createCluster()}, processes
 * that are closed after the test, and bounded waits. A backend runs a suite by extending it and implementing
 * {@link #createCluster()}.
 */
public abstract class ContractTestBase {

    /** The bound of every wait in the suites; generous, it only matters when a test fails. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    protected Path storageDir;

    protected TestCluster cluster;
    private final List<HaServices> processes = new ArrayList<>();

    /** Makes the cluster one test runs against. Called before each test. */
    protected abstract TestCluster createCluster() throws Exception;

    @BeforeEach
    void setUpCluster() throws Exception {
        cluster = createCluster();
    }

    @AfterEach
    void tearDownCluster() throws Exception {
        for (HaServices s : processes) {
            try {
                s.close();
            } catch (RuntimeException e) {
                // keep closing the others
            }
        }
        processes.clear();
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The configuration every process of the suites starts from; override to add backend-independent settings. */
    protected HaConfig.Builder baseConfig(String nodeId) {
        return HaConfig.builder()
                .nodeId(nodeId)
                .clusterId("contract")
                .storageDir(storageDir.resolve("blobs"))
                .operationTimeout(Duration.ofSeconds(10))
                .leaseDuration(Duration.ofSeconds(15))
                .renewDeadline(Duration.ofSeconds(10))
                .retryPeriod(Duration.ofMillis(200));
    }

    /** Connects a new process with node id {@code nodeId}; it is closed after the test. */
    protected HaServices process(String nodeId) {
        return process(nodeId, b -> { });
    }

    /** Connects a new process whose configuration {@code customizer} adjusts; it is closed after the test. */
    protected HaServices process(String nodeId, java.util.function.Consumer<HaConfig.Builder> customizer) {
        HaConfig.Builder b = baseConfig(nodeId);
        customizer.accept(b);
        HaServices s = cluster.newProcess(b);
        processes.add(s);
        return s;
    }

    /** A contender (confirming {@code nodeId}'s address) started for {@code componentId} on {@code process}. */
    protected static TestingContender contend(HaServices process, String componentId) {
        LeaderElection election = process.leaderElection(componentId);
        return new TestingContender(process.config().nodeId(), address(process), null).startOn(election);
    }

    /** The address a test process confirms. */
    protected static String address(HaServices process) {
        return "akka.tcp://flink@" + process.config().nodeId() + ":6123";
    }

    /** Waits until exactly one of {@code contenders} leads, and returns it. */
    protected static TestingContender awaitSingleLeader(List<TestingContender> contenders) {
        await("a single leader among " + contenders).atMost(TIMEOUT).pollInterval(Duration.ofMillis(2))
                .until(() -> leaders(contenders).size() == 1);
        return leaders(contenders).get(0);
    }

    /** The contenders that currently believe they lead. */
    protected static List<TestingContender> leaders(List<TestingContender> contenders) {
        return contenders.stream().filter(TestingContender::isLeader).collect(Collectors.toList());
    }

    /**
     * Runs {@code call}, retrying (bounded by {@link #TIMEOUT}) while it fails only because the backend is
     * unreachable, as it may while a process's client reconnects after its session was expired.
     */
    protected static <T> T onceReachable(java.util.function.Supplier<T> call) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                return call.get();
            } catch (io.hakit.api.BackendUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the backend stayed unreachable for " + TIMEOUT, e);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
        }
    }

    /** {@link TestCluster#deleteElection()}, or skips the test if the backend's test cluster cannot. */
    protected void deleteElectionOrSkip() {
        try {
            cluster.deleteElection();
        } catch (UnsupportedOperationException e) {
            org.junit.jupiter.api.Assumptions.abort(e.getMessage());
        }
    }

    /** {@link TestCluster#deleteEpochHistory()}, or skips the test if the backend's test cluster cannot. */
    protected void deleteEpochHistoryOrSkip() {
        try {
            cluster.deleteEpochHistory();
        } catch (UnsupportedOperationException e) {
            org.junit.jupiter.api.Assumptions.abort(e.getMessage());
        }
    }

    /** Waits until exactly one of {@code contenders} leads, at an epoch above {@code epoch}, and returns it. */
    protected static TestingContender awaitSingleLeaderAbove(List<TestingContender> contenders, long epoch) {
        await("a single leader above epoch " + epoch + " among " + contenders).atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(2))
                .until(() -> {
                    List<TestingContender> l = leaders(contenders);
                    return l.size() == 1 && l.get(0).session().map(s -> s.epoch() > epoch).orElse(false);
                });
        return leaders(contenders).get(0);
    }

    /** The epoch a contender holds, or fails. */
    protected static long epochOf(TestingContender c) {
        Optional<io.hakit.api.LeaderSession> s = c.session();
        return s.orElseThrow(() -> new AssertionError(c + " does not lead")).epoch();
    }
}
