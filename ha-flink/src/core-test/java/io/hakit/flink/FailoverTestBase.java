package io.hakit.flink;

import io.hakit.api.HaConfig;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.flink.core.HakitProcess;
import io.hakit.flink.core.HakitStateHandleStore;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.CheckpointIDCounter;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.entrypoint.component.DispatcherResourceManagerComponent;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.highavailability.HighAvailabilityServices;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.TestingMiniCluster;
import org.apache.flink.runtime.minicluster.TestingMiniClusterConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A real Flink JobManager (a {@link TestingMiniCluster} with two dispatcher/resource-manager components, each its own
 * HAKit process) fails over on HAKit with a stateful job, per backend: the leader loses its session, or is shut down
 * cleanly; the new leader restores exactly the last completed checkpoint with its state, continues above it, the job
 * never runs twice, and the old leader's writes are refused. Then the cluster restarts on the same HA data, a cancel
 * removes the job's HA data and a cluster shutdown leaves nothing under the cluster id.
 */
abstract class FailoverTestBase {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long CHECKPOINT_INTERVAL_MS = 200;

    @TempDir
    Path storage;

    /** Each HA services object the MiniCluster asked for, with its HAKit process, in order. */
    private final List<JobManagerProcess> created = new CopyOnWriteArrayList<>();
    private final List<MiniCluster> clusters = new ArrayList<>();
    private final ExecutorService ioExecutor = Executors.newCachedThreadPool();
    private HakitProcess reader;

    /** The Flink configuration of this backend (factory, backend, cluster id, storage dir). */
    protected abstract Configuration config(Path storage) throws Exception;

    /** Adjusts the HAKit configuration of the {@code index}-th process (0: the MiniCluster's own). */
    protected void customize(int index, HaConfig.Builder b) {
    }

    /** Ends the session of {@code process} in the backend, as a partition outlasting the session timeout would. */
    protected abstract void expireSession(int index, HakitProcess process) throws Exception;

    /** Undoes what {@link #expireSession} did to the connection (the process may reconnect). */
    protected void heal(int index) {
    }

    /** Asserts that the backend holds nothing of the cluster any more. */
    protected abstract void assertBackendHoldsNothing(Configuration config) throws Exception;

    @AfterEach
    void tearDown() throws Exception {
        for (MiniCluster c : clusters) {
            try {
                c.closeAsync().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // already closed, or failing: keep closing the rest
            }
        }
        for (JobManagerProcess s : created) {
            s.process().close();
        }
        if (reader != null) {
            reader.close();
        }
        ioExecutor.shutdownNow();
    }

    // ------------------------------------------------------------------ the scenarios

    @Test
    void sessionExpiryOfTheLeaderFailsOverThenCancelAndShutdownLeaveNothing() throws Exception {
        Configuration config = config(storage);
        MiniCluster cluster = startWithSupplier(config, 2);
        String run = "expiry-" + System.nanoTime();
        JobID job = submit(cluster, run);
        awaitCompletedCheckpoints(cluster, job, 3);

        JobManagerProcess leader = leaderServices();
        int leaderIndex = created.indexOf(leader);
        OldLeaderWrites old = new OldLeaderWrites(leader, job);
        expireSession(leaderIndex, leader.process());
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(1))
                .until(() -> leader.process().currentSession().isEmpty());
        long n = latestCheckpointInStore(config, job);

        assertRecoveredFrom(cluster, job, run, n);
        heal(leaderIndex); // reconnected, its old session gone: the backend answers, and refuses
        await().atMost(TIMEOUT).untilAsserted(old::assertRefused);

        cancelAndAssertJobDataGone(cluster, config, job);
        closeAndAssertNothingLeft(cluster, config);
    }

    @Test
    void cleanShutdownOfTheLeaderHandsOverAndTheClusterRestartsOnTheSameHaData() throws Exception {
        Configuration config = config(storage);
        MiniCluster cluster = startWithSupplier(config, 2);
        String run = "handover-" + System.nanoTime();
        JobID job = submit(cluster, run);
        awaitCompletedCheckpoints(cluster, job, 3);

        JobManagerProcess leader = leaderServices();
        OldLeaderWrites old = new OldLeaderWrites(leader, job);
        component(cluster, created.indexOf(leader) - 1).closeAsync();
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(1))
                .until(() -> leader.process().currentSession().isEmpty());
        long n = latestCheckpointInStore(config, job);

        assertRecoveredFrom(cluster, job, run, n);
        old.assertRefused();

        // restart on the same HA data: Flink itself loads the factory named in high-availability.type
        awaitClosed(cluster.closeAsyncWithoutCleaningHighAvailabilityData(), "closing without cleaning the HA data");
        for (JobManagerProcess s : created) {
            s.process().close();
        }
        long m = latestCheckpointInStore(config, job);
        assertThat(m).isGreaterThan(n);
        MiniCluster restarted = TestingMiniCluster.newBuilder(TestingMiniClusterConfiguration.newBuilder()
                .setConfiguration(config).setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build()).build();
        clusters.add(restarted);
        restarted.start();
        await().atMost(TIMEOUT).until(() -> restoredCheckpoint(restarted, job).isPresent());
        assertThat(restoredCheckpoint(restarted, job)).contains(m);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(StatefulJob.run(run).restores).anySatisfy(r ->
                assertThat(r).containsExactly(m, StatefulJob.run(run).snapshots.get(m))));

        cancelAndAssertJobDataGone(restarted, config, job);
        closeAndAssertNothingLeft(restarted, config);
        for (HakitProcess p : HakitProcess.openProcesses(HakitProcess.clusterId(config))) {
            p.close();
        }
    }

    // ------------------------------------------------------------------ assertions

    private void assertRecoveredFrom(MiniCluster cluster, JobID job, String run, long n) throws Exception {
        assertThat(n).as("at least three completed checkpoints before the failover").isGreaterThanOrEqualTo(3);
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(5))
                .until(() -> restoredCheckpoint(cluster, job).isPresent());
        assertThat(restoredCheckpoint(cluster, job)).as("the new leader restored checkpoint N").contains(n);
        StatefulJob.Run r = StatefulJob.run(run);
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(r.restores).as("the operator restored the state of N")
                .anySatisfy(x -> assertThat(x).containsExactly(n, r.snapshots.get(n))));
        await().atMost(TIMEOUT).until(() -> latestCompleted(cluster, job).orElse(-1L) > n);
        assertThat(r.maxRunning.get()).as("the job never ran twice at once").isEqualTo(1);
        assertThat(jobs(cluster)).as("one job, still running").extracting(JobStatusMessage::getJobId)
                .containsExactly(job);
    }

    /** Writes through the deposed leader's services, made (bound) while it led. */
    private static final class OldLeaderWrites {
        final CheckpointIDCounter counter;
        final HakitStateHandleStore<Serializable> checkpoints;
        final JobID job;
        final JobManagerProcess services;

        OldLeaderWrites(JobManagerProcess services, JobID job) throws Exception {
            this.services = services;
            this.job = job;
            this.counter = services.services().getCheckpointRecoveryFactory().createCheckpointIDCounter(job);
            this.checkpoints = services.process().stateHandleStore(HakitProcess.checkpointNamespace(job),
                    HakitProcess.checkpointFilePrefix(job));
            assertThat(checkpoints.session()).as("bound while leading").isPresent();
        }

        void assertRefused() throws Exception {
            assertThatThrownBy(() -> counter.getAndIncrement()).hasRootCauseInstanceOf(LeadershipLostException.class);
            String name = "checkpoint-0000000000999999999";
            assertThatThrownBy(() -> checkpoints.addAndLock(name, "stale"))
                    .hasRootCauseInstanceOf(LeadershipLostException.class);
            assertThat(services.process().services().stateStore(HakitProcess.checkpointNamespace(job)).get(name))
                    .as("nothing landed").isEmpty();
        }
    }

    private void cancelAndAssertJobDataGone(MiniCluster cluster, Configuration config, JobID job) throws Exception {
        cluster.cancelJob(job).get(30, TimeUnit.SECONDS);
        await().atMost(TIMEOUT).until(() -> cluster.getJobStatus(job).get() == JobStatus.CANCELED);
        HakitProcess r = reader(config);
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(r.services().stateStore(HakitProcess.checkpointNamespace(job)).list("")).isEmpty();
            assertThat(r.services().stateStore("hakit-counters").get(HakitProcess.checkpointCounterName(job)))
                    .isEmpty();
            assertThat(r.services().stateStore(HakitProcess.EXECUTION_PLANS).get(job.toString())).isEmpty();
        });
    }

    /**
     * Waits up to 60 s for a MiniCluster's close; if it hangs, fails with every thread's stack, so that a rare hang
     * in CI leaves what it waited for in the report.
     */
    private static void awaitClosed(CompletableFuture<?> closed, String what) throws Exception {
        try {
            closed.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            StringBuilder dump = new StringBuilder("MiniCluster still " + what + " after 60 s; threads:\n");
            for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
                dump.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState());
                if (t.getLockName() != null) {
                    dump.append(" on ").append(t.getLockName());
                }
                if (t.getLockOwnerName() != null) {
                    dump.append(" held by \"").append(t.getLockOwnerName()).append('"');
                }
                dump.append('\n');
                for (StackTraceElement f : t.getStackTrace()) {
                    dump.append("    at ").append(f).append('\n');
                }
            }
            throw new AssertionError(dump.toString(), e);
        }
    }

    private void closeAndAssertNothingLeft(MiniCluster cluster, Configuration config) throws Exception {
        if (reader != null) {
            reader.close();
            reader = null;
        }
        awaitClosed(cluster.closeAsync(), "closing and cleaning up");
        assertBackendHoldsNothing(config);
        // Flink's blob store deletes its directory, HAKit its files (also those of checkpoint writes whose outcome was
        // unknown in the failover, which Flink keeps) and then the directory
        Path clusterDir = storage.resolve(HakitProcess.clusterId(config));
        await().atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(files(clusterDir)).as("files under %s", clusterDir).isEmpty();
            assertThat(clusterDir).doesNotExist();
        });
    }

    // ------------------------------------------------------------------ helpers

    /** One JobManager's HA services (of this module's Flink line) and the HAKit process behind them. */
    private static final class JobManagerProcess {
        private final HighAvailabilityServices services;
        private final HakitProcess process;

        JobManagerProcess(HighAvailabilityServices services, HakitProcess process) {
            this.services = services;
            this.process = process;
        }

        HighAvailabilityServices services() {
            return services;
        }

        HakitProcess process() {
            return process;
        }
    }

    private static List<String> files(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .collect(java.util.stream.Collectors.toList());
        } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
            return files(dir); // deleted while walking: look again
        }
    }

    private MiniCluster startWithSupplier(Configuration config, int components) throws Exception {
        MiniCluster cluster = TestingMiniCluster.newBuilder(TestingMiniClusterConfiguration.newBuilder()
                        .setConfiguration(config).setNumberDispatcherResourceManagerComponents(components)
                        .setNumTaskManagers(2).setNumSlotsPerTaskManager(1).build())
                .setHighAvailabilityServicesSupplier(() -> newServices(config)).build();
        clusters.add(cluster);
        cluster.start();
        return cluster;
    }

    private HighAvailabilityServices newServices(Configuration config) {
        int index = created.size();
        Consumer<HaConfig.Builder> c = b -> customize(index, b);
        try {
            HakitProcess p = HakitProcess.start(config, c);
            HighAvailabilityServices s = FlinkLine.services(p, config, ioExecutor);
            created.add(new JobManagerProcess(s, p));
            return s;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JobManagerProcess leaderServices() {
        await().atMost(TIMEOUT).until(() -> created.stream().anyMatch(s -> s.process().currentSession().isPresent()));
        return created.stream().filter(s -> s.process().currentSession().isPresent()).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static DispatcherResourceManagerComponent component(MiniCluster cluster, int i) throws Exception {
        Field f = MiniCluster.class.getDeclaredField("dispatcherResourceManagerComponents");
        f.setAccessible(true);
        return new ArrayList<>((Collection<DispatcherResourceManagerComponent>) f.get(cluster)).get(i);
    }

    private static JobID submit(MiniCluster cluster, String run) throws Exception {
        JobGraph graph = StatefulJob.create(run, CHECKPOINT_INTERVAL_MS);
        cluster.submitJob(graph).get(60, TimeUnit.SECONDS);
        await().atMost(TIMEOUT).until(() -> cluster.getJobStatus(graph.getJobID()).get() == JobStatus.RUNNING);
        return graph.getJobID();
    }

    private static void awaitCompletedCheckpoints(MiniCluster cluster, JobID job, int n) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(20)).until(() -> stats(cluster, job)
                .map(s -> s.getCounts().getNumberOfCompletedCheckpoints() >= n).orElse(false));
    }

    private static Optional<CheckpointStatsSnapshot> stats(MiniCluster cluster, JobID job) {
        try {
            AccessExecutionGraph g = cluster.getExecutionGraph(job).get(5, TimeUnit.SECONDS);
            return Optional.ofNullable(g.getCheckpointStatsSnapshot());
        } catch (Exception e) {
            return Optional.empty(); // no leader yet, or the job is being recovered
        }
    }

    private static Optional<Long> restoredCheckpoint(MiniCluster cluster, JobID job) {
        return stats(cluster, job).map(CheckpointStatsSnapshot::getLatestRestoredCheckpoint)
                .map(RestoredCheckpointStats::getCheckpointId);
    }

    private static Optional<Long> latestCompleted(MiniCluster cluster, JobID job) {
        return stats(cluster, job).map(s -> s.getHistory().getLatestCompletedCheckpoint())
                .map(CompletedCheckpointStats::getCheckpointId);
    }

    private static Collection<JobStatusMessage> jobs(MiniCluster cluster) throws Exception {
        return cluster.listJobs().get(30, TimeUnit.SECONDS);
    }

    private HakitProcess reader(Configuration config) {
        if (reader == null) {
            reader = HakitProcess.start(config, b -> customize(-1, b));
        }
        return reader;
    }

    /** The highest checkpoint id in HAKit's store for {@code job}, read by a process of its own. */
    private long latestCheckpointInStore(Configuration config, JobID job) {
        StateStore store = reader(config).services().stateStore(HakitProcess.checkpointNamespace(job));
        return store.list("").stream().mapToLong(v -> io.hakit.flink.core.HakitCheckpointStoreUtil.INSTANCE
                .nameToCheckpointID(v.key())).max().orElse(-1);
    }
}
