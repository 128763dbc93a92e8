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

    /**
     * For the suites that extend this base; a backend extends a suite, not this class directly. JUnit makes one
     * instance per test; the cluster is made before each test, not here.
     */
    public ContractTestBase() {
    }

    /** The bound of every wait in the suites; generous, it only matters when a test fails. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A fresh directory per test (JUnit's {@code @TempDir}); the processes' blob stores live under it. */
    @TempDir
    protected Path storageDir;

    /** The cluster of the running test, from {@link #createCluster()}; closed after the test. */
    protected TestCluster cluster;
    private final List<HaServices> processes = new ArrayList<>();

    /**
     * Makes the cluster one test runs against. Called before each test, on the test's thread; the suite closes the
     * cluster after the test, once its processes are closed.
     *
     * @return a new cluster with no process connected
     * @throws Exception if the cluster cannot be started; the test fails
     */
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

    /**
     * The configuration every process of the suites starts from; override to add backend-independent settings.
     * The default: cluster id {@code contract}, blobs under {@link #storageDir}, operation timeout 10 s, lease 15 s,
     * renew deadline 10 s, retry period 200 ms.
     *
     * @param nodeId the process's node id
     * @return a new builder; the suite may change it further before the cluster adds its backend settings
     */
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

    /**
     * Connects a new process with node id {@code nodeId}; it is closed after the test.
     *
     * @param nodeId the process's node id, unique within the test
     * @return the process's services
     */
    protected HaServices process(String nodeId) {
        return process(nodeId, b -> { });
    }

    /**
     * Connects a new process whose configuration {@code customizer} adjusts; it is closed after the test.
     *
     * @param nodeId     the process's node id, unique within the test
     * @param customizer changes {@link #baseConfig(String)}'s builder before the cluster adds its backend settings
     * @return the process's services
     */
    protected HaServices process(String nodeId, java.util.function.Consumer<HaConfig.Builder> customizer) {
        HaConfig.Builder b = baseConfig(nodeId);
        customizer.accept(b);
        HaServices s = cluster.newProcess(b);
        processes.add(s);
        return s;
    }

    /**
     * A contender (confirming {@code nodeId}'s address) started for {@code componentId} on {@code process}.
     *
     * @param process     the process whose election the contender joins
     * @param componentId the component to contend for
     * @return the started contender, named after the process's node id; it confirms {@link #address(HaServices)}
     */
    protected static TestingContender contend(HaServices process, String componentId) {
        LeaderElection election = process.leaderElection(componentId);
        return new TestingContender(process.config().nodeId(), address(process), null).startOn(election);
    }

    /**
     * The address a test process confirms.
     *
     * @param process the process
     * @return {@code akka.tcp://flink@<node-id>:6123}
     */
    protected static String address(HaServices process) {
        return "akka.tcp://flink@" + process.config().nodeId() + ":6123";
    }

    /**
     * Waits (up to {@link #TIMEOUT}) until exactly one of {@code contenders} leads, and returns it.
     *
     * @param contenders the contenders to watch
     * @return the one that leads
     * @throws org.awaitility.core.ConditionTimeoutException if there is not exactly one leader within the bound
     */
    protected static TestingContender awaitSingleLeader(List<TestingContender> contenders) {
        await("a single leader among " + contenders).atMost(TIMEOUT).pollInterval(Duration.ofMillis(2))
                .until(() -> leaders(contenders).size() == 1);
        return leaders(contenders).get(0);
    }

    /**
     * The contenders that currently believe they lead.
     *
     * @param contenders the contenders to look at
     * @return those whose {@link TestingContender#isLeader()} is true now, in the given order
     */
    protected static List<TestingContender> leaders(List<TestingContender> contenders) {
        return contenders.stream().filter(TestingContender::isLeader).collect(Collectors.toList());
    }

    /**
     * Runs {@code call}, retrying (bounded by {@link #TIMEOUT}) while it fails only because the backend is
     * unreachable, as it may while a process's client reconnects after its session was expired.
     *
     * @param <T>  what the call returns
     * @param call the call; retried every 20 ms while it throws {@link io.hakit.api.BackendUnavailableException}
     * @return what the call returned
     * @throws AssertionError if the backend stayed unreachable for {@link #TIMEOUT}
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

    /**
     * Waits (up to {@link #TIMEOUT}) until exactly one of {@code contenders} leads, at an epoch above
     * {@code epoch}, and returns it.
     *
     * @param contenders the contenders to watch
     * @param epoch      the epoch the new leader's must exceed (for example the deposed leader's)
     * @return the one that leads
     * @throws org.awaitility.core.ConditionTimeoutException if there is no such single leader within the bound
     */
    protected static TestingContender awaitSingleLeaderAbove(List<TestingContender> contenders, long epoch) {
        await("a single leader above epoch " + epoch + " among " + contenders).atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(2))
                .until(() -> {
                    List<TestingContender> l = leaders(contenders);
                    return l.size() == 1 && l.get(0).session().map(s -> s.epoch() > epoch).orElse(false);
                });
        return leaders(contenders).get(0);
    }

    /**
     * The epoch a contender holds, or fails.
     *
     * @param c a contender that leads
     * @return the epoch of its session
     * @throws AssertionError if it does not lead
     */
    protected static long epochOf(TestingContender c) {
        Optional<io.hakit.api.LeaderSession> s = c.session();
        return s.orElseThrow(() -> new AssertionError(c + " does not lead")).epoch();
    }
}
