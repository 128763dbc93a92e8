package io.hakit.flink;

import io.hakit.flink.core.CloseGuardedLeaderElection;
import io.hakit.flink.core.HakitProcess;
import org.apache.flink.api.common.ApplicationID;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.blob.BlobUtils;
import org.apache.flink.runtime.checkpoint.CheckpointIDCounter;
import org.apache.flink.runtime.checkpoint.CheckpointRecoveryFactory;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStore;
import org.apache.flink.runtime.highavailability.AbstractHaServices;
import org.apache.flink.runtime.highavailability.FileSystemApplicationResultStore;
import org.apache.flink.runtime.highavailability.FileSystemJobResultStore;
import org.apache.flink.runtime.jobmanager.ApplicationStore;
import org.apache.flink.runtime.jobmanager.ApplicationStoreUtil;
import org.apache.flink.runtime.jobmanager.DefaultApplicationStore;
import org.apache.flink.runtime.jobmanager.DefaultExecutionPlanStore;
import org.apache.flink.runtime.jobmanager.ExecutionPlanStore;
import org.apache.flink.runtime.jobmanager.ExecutionPlanStoreUtil;
import org.apache.flink.runtime.jobmanager.NoOpExecutionPlanStoreWatcher;
import org.apache.flink.runtime.leaderelection.LeaderElection;
import org.apache.flink.runtime.leaderretrieval.LeaderRetrievalService;
import org.apache.flink.runtime.state.SharedStateRegistryFactory;

import java.util.concurrent.Executor;

/**
 * Flink 2.3's HA services on one {@link HakitProcess}: leader election and retrieval through HAKit, execution plans,
 * applications and completed checkpoints in HAKit's fenced store (state files under
 * {@code high-availability.storageDir/<cluster-id>}), checkpoint ids on a HAKit counter, and Flink's file-system job
 * and application result stores. Job cleanup deletes the job's namespace, counter and the checkpoint files left by
 * writes of unknown outcome; cluster cleanup deletes everything of the cluster in the backend and every such file,
 * Flink deletes its blob store, then the storage directory goes if it is empty.
 *
 * <p>As with Flink's ZooKeeper and Kubernetes services, the execution plan store does not watch for plans added by
 * others: only the leading dispatcher writes them.
 */
public final class HakitHaServices extends AbstractHaServices {

    private final HakitProcess process;

    private HakitHaServices(HakitProcess process, Configuration config, Executor ioExecutor) throws Exception {
        super(config, process.leaderElectionDriverFactory(), ioExecutor, BlobUtils.createBlobStoreFromConfig(config),
                FileSystemJobResultStore.fromConfiguration(config, ioExecutor),
                FileSystemApplicationResultStore.fromConfiguration(config, ioExecutor));
        this.process = process;
    }

    /**
     * Services on {@code process}; the process is closed if they cannot be created. The factory calls it with a
     * process of {@link HakitProcess#start(Configuration)}; a process started with a
     * customized HAKit configuration (a ticker, a node id) goes through here too.
     *
     * @param process the HAKit process the services run on; owned by the services from now on: closed by their
     *     {@code close()}, or at once if they cannot be created
     * @param config Flink's configuration, for Flink's blob store and job and application result stores (by default
     *     under {@code high-availability.storageDir})
     * @param ioExecutor Flink's executor for blocking I/O: the job and application result stores' and the
     *     completed checkpoint stores' file work
     * @return the services; the process contends once the first of Flink's components starts its leader election
     *     (Flink opens the election driver then)
     * @throws Exception if Flink's blob store or a result store cannot be created from {@code config} (for example
     *     an unreachable storage directory)
     */
    public static HakitHaServices create(HakitProcess process, Configuration config, Executor ioExecutor)
            throws Exception {
        try {
            return new HakitHaServices(process, config, ioExecutor);
        } catch (Exception | Error e) {
            process.close();
            throw e;
        }
    }

    /**
     * The HAKit process behind these services (its alarms, its HAKit services).
     *
     * @return the process, the same for the life of the services; closed with them
     */
    public HakitProcess process() {
        return process;
    }

    @Override
    protected LeaderRetrievalService createLeaderRetrievalService(String componentId) {
        return process.leaderRetrievalService(componentId);
    }

    @Override
    protected CheckpointRecoveryFactory createCheckpointRecoveryFactory() {
        return new CheckpointRecoveryFactory() {
            @Override
            public CompletedCheckpointStore createRecoveredCompletedCheckpointStore(JobID jobId,
                    int maxNumberOfCheckpointsToRetain, SharedStateRegistryFactory sharedStateRegistryFactory,
                    Executor executor, RecoveryClaimMode recoveryClaimMode) throws Exception {
                return process.recoveredCheckpointStore(jobId, maxNumberOfCheckpointsToRetain,
                        checkpoints -> sharedStateRegistryFactory.create(executor, checkpoints, recoveryClaimMode),
                        ioExecutor);
            }

            @Override
            public CheckpointIDCounter createCheckpointIDCounter(JobID jobId) {
                return process.checkpointIdCounter(jobId);
            }
        };
    }

    @Override
    protected ExecutionPlanStore createExecutionPlanStore() throws Exception {
        return new DefaultExecutionPlanStore<>(process.stateHandleStore(HakitProcess.EXECUTION_PLANS,
                "submittedExecutionPlan"), NoOpExecutionPlanStoreWatcher.INSTANCE, new ExecutionPlanStoreUtil() {
                    @Override
                    public String jobIDToName(JobID jobId) {
                        return jobId.toString();
                    }

                    @Override
                    public JobID nameToJobID(String name) {
                        return JobID.fromHexString(name);
                    }
                });
    }

    @Override
    protected ApplicationStore createApplicationStore() throws Exception {
        return new DefaultApplicationStore<>(process.stateHandleStore(HakitProcess.APPLICATIONS,
                "submittedApplication"), new ApplicationStoreUtil() {
                    @Override
                    public String applicationIdToName(ApplicationID applicationId) {
                        return applicationId.toString();
                    }

                    @Override
                    public ApplicationID nameToApplicationId(String name) {
                        return ApplicationID.fromHexString(name);
                    }
                });
    }

    @Override
    protected void internalClose() {
        process.close();
    }

    @Override
    protected void internalCleanup() {
        process.cleanupAllData();
    }

    /**
     * Flink's cluster cleanup (HAKit's data, then Flink's blob store), then the cluster's storage directory itself if
     * nothing is left in it.
     *
     * @throws Exception as Flink's cleanup
     */
    @Override
    public void cleanupAllData() throws Exception {
        super.cleanupAllData();
        process.deleteStorageDirectoryIfEmpty();
    }

    // Flink's elections, each guarded against a confirmation after its close (see CloseGuardedLeaderElection)

    @Override
    public LeaderElection getResourceManagerLeaderElection() {
        return new CloseGuardedLeaderElection(super.getResourceManagerLeaderElection(),
                getLeaderPathForResourceManager());
    }

    @Override
    public LeaderElection getDispatcherLeaderElection() {
        return new CloseGuardedLeaderElection(super.getDispatcherLeaderElection(), getLeaderPathForDispatcher());
    }

    @Override
    public LeaderElection getJobManagerLeaderElection(JobID jobId) {
        return new CloseGuardedLeaderElection(super.getJobManagerLeaderElection(jobId),
                getLeaderPathForJobManager(jobId));
    }

    @Override
    public LeaderElection getClusterRestEndpointLeaderElection() {
        return new CloseGuardedLeaderElection(super.getClusterRestEndpointLeaderElection(),
                getLeaderPathForRestServer());
    }

    @Override
    protected void internalCleanupJobData(JobID jobId) {
        process.cleanupJobData(jobId);
    }

    @Override
    protected String getLeaderPathForResourceManager() {
        return HakitProcess.RESOURCE_MANAGER;
    }

    @Override
    protected String getLeaderPathForDispatcher() {
        return HakitProcess.DISPATCHER;
    }

    @Override
    protected String getLeaderPathForJobManager(JobID jobId) {
        return HakitProcess.jobManagerComponent(jobId);
    }

    @Override
    protected String getLeaderPathForRestServer() {
        return HakitProcess.REST_SERVER;
    }
}
