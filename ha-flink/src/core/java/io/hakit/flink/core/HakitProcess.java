package io.hakit.flink.core;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.alarm.RestartLoopDetector;
import io.hakit.api.support.ConfigParsing;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.checkpoint.CheckpointIDCounter;
import org.apache.flink.runtime.checkpoint.CompletedCheckpoint;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStore;
import org.apache.flink.runtime.checkpoint.DefaultCompletedCheckpointStore;
import org.apache.flink.runtime.checkpoint.DefaultCompletedCheckpointStoreUtils;
import org.apache.flink.runtime.highavailability.HighAvailabilityServicesUtils;
import org.apache.flink.runtime.leaderelection.LeaderElectionDriverFactory;
import org.apache.flink.runtime.leaderretrieval.DefaultLeaderRetrievalService;
import org.apache.flink.runtime.leaderretrieval.LeaderRetrievalService;
import org.apache.flink.runtime.persistence.filesystem.FileSystemStateStorageHelper;
import org.apache.flink.runtime.state.SharedStateRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One Flink HA services object as one HAKit process: its own {@link HaServices} on the configured backend, one
 * election for every component of the JobManager (dispatcher, resource manager, REST endpoint, each job), and the
 * stores Flink's HA services hand out. The core that Flink 2.3's and Flink 1.20's services share.
 *
 * <p><b>Fencing.</b> A store or counter this process creates binds to the leadership the process holds at that moment
 * (Flink creates them right after it granted the component: the dispatcher's execution-plan store when it starts
 * leading, a job's checkpoint store and counter when its JobMaster is created). Every write of it is fenced with that
 * session, so a JobManager that lost leadership cannot complete a checkpoint, hand out a checkpoint id or change an
 * execution plan, even before it hears that it lost; one created while the process does not lead writes nothing.
 * Flink closes a component's stores before it starts the next leadership's, so a store made in the instant between a
 * revoke and a new grant is closed before it is used.
 *
 * <p>Thread-safe.
 */
public final class HakitProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HakitProcess.class);

    /** The HAKit component of the process-wide election; Flink's components publish under their own ids. */
    public static final String PROCESS_COMPONENT = "flink-jobmanager-process";
    /** The namespace of Flink's execution plans (job graphs). */
    public static final String EXECUTION_PLANS = "flink-execution-plans";
    /** The namespace of Flink 2.3's applications. */
    public static final String APPLICATIONS = "flink-applications";

    /**
     * What the name of every state file of HAKit's stores under {@link #clusterStoragePath()} starts with, one per
     * kind (checkpoints; execution plans, called job graphs before Flink 2; applications). Cluster cleanup deletes
     * the files of these names that are left: those of writes whose outcome was unknown, which Flink keeps ("needs to
     * be cleaned up manually").
     */
    public static final List<String> STATE_FILE_PREFIXES = List.of("completedCheckpoint", "submittedExecutionPlan",
            "submittedJobGraph", "submittedApplication");

    /** The component id the resource manager publishes its address under. */
    public static final String RESOURCE_MANAGER = "resource_manager";
    /** The component id the dispatcher publishes its address under. */
    public static final String DISPATCHER = "dispatcher";
    /** The component id the REST endpoint publishes its address under (what clients retrieve). */
    public static final String REST_SERVER = "rest_server";

    /** Flink-only keys of Flink's own ZooKeeper layout that HAKit does not use (HAKit keeps its own layout). */
    private static final String FLINK_ZK_PATHS = "high-availability.zookeeper.path.";
    /** Flink's high-availability.* keys of its own that HAKit does not read (HaConfig refuses unknown keys). */
    private static final Set<String> FLINK_ONLY = Set.of("high-availability.jobmanager.port",
            "high-availability.job.delay");

    /**
     * Flink's Kubernetes keys ({@code kubernetes.namespace}, {@code kubernetes.context}, {@code kubernetes.config.file})
     * mean the same to HAKit's Kubernetes backend; the backend reads only those it knows.
     */
    private static final String FLINK_KUBERNETES = "kubernetes.";
    /** How often {@link #storageEntries} lists a directory whose entries vanish while it reads them. */
    private static final int LISTING_ATTEMPTS = 10;

    /** Open processes by cluster id, for the restart-loop listener that Flink creates by class name. */
    private static final Map<String, List<HakitProcess>> OPEN = new ConcurrentHashMap<>();

    private final HaServices ha;
    private final Configuration flinkConfig;
    private final Path clusterStoragePath;
    private final String clusterId;
    private final int maxRestarts;
    private final Duration restartWindow;
    private final Duration quietPeriod;
    private final Map<JobID, RestartLoopDetector> restartLoops = new ConcurrentHashMap<>();
    private volatile LeaderElection election;
    private volatile boolean closed;

    private HakitProcess(HaServices ha, Configuration flinkConfig, Path clusterStoragePath) {
        this.ha = ha;
        this.flinkConfig = flinkConfig;
        this.clusterStoragePath = clusterStoragePath;
        this.clusterId = ha.config().clusterId();
        this.maxRestarts = flinkConfig.toMap().containsKey(HakitFlinkOptions.RESTART_LOOP_MAX_RESTARTS)
                ? ConfigParsing.integer(HakitFlinkOptions.RESTART_LOOP_MAX_RESTARTS,
                        flinkConfig.toMap().get(HakitFlinkOptions.RESTART_LOOP_MAX_RESTARTS))
                : RestartLoopDetector.DEFAULT_MAX_RESTARTS;
        this.restartWindow = duration(flinkConfig, HakitFlinkOptions.RESTART_LOOP_WINDOW,
                RestartLoopDetector.DEFAULT_WINDOW);
        this.quietPeriod = duration(flinkConfig, HakitFlinkOptions.RESTART_LOOP_QUIET_PERIOD, restartWindow);
        if (maxRestarts < 1) {
            throw new IllegalConfigurationException(HakitFlinkOptions.RESTART_LOOP_MAX_RESTARTS
                    + " must be at least 1, was " + maxRestarts);
        }
    }

    private static Duration duration(Configuration c, String key, Duration fallback) {
        String v = c.toMap().get(key);
        return v == null ? fallback : ConfigParsing.duration(key, v);
    }

    /**
     * Starts a process from Flink's configuration (see {@link #haConfig(Configuration)}): connects to the backend and
     * registers the process in this JVM under its cluster id until {@link #close()}.
     *
     * <p>Not API: the Flink 2.3 and 1.20 factories call it; in a JobManager, Flink creates processes through
     * {@code high-availability.type}.
     *
     * @param flinkConfig Flink's configuration; needs {@value HakitFlinkOptions#BACKEND} and
     *     {@code high-availability.storageDir}. Kept, not copied: do not change it afterwards
     * @return the started process, which does not lead yet (it contends once Flink opens its election driver); the
     *     caller closes it
     * @throws IllegalConfigurationException as {@link #start(Configuration, Consumer)}
     */
    public static HakitProcess start(Configuration flinkConfig) {
        return start(flinkConfig, b -> { });
    }

    /**
     * Starts a process from Flink's configuration; {@code customizer} may adjust HAKit's configuration before the
     * services start (a ticker or an event executor in tests, a node id). Connects to the backend and registers the
     * process in this JVM under its cluster id until {@link #close()}.
     *
     * <p>Not API: the Flink 2.3 and 1.20 factories call it (through {@link #start(Configuration)}), and the tests of
     * both Flink lines.
     *
     * @param flinkConfig Flink's configuration; needs {@value HakitFlinkOptions#BACKEND} and
     *     {@code high-availability.storageDir}. Kept, not copied: do not change it afterwards
     * @param customizer called once, on the caller's thread, with HAKit's configuration builder: Flink's keys are
     *     applied and its blob store is set ({@code <storageDir>/<cluster-id>/hakit-blobs} on Flink's file systems)
     * @return the started process, which does not lead yet (it contends once Flink opens its election driver); the
     *     caller closes it
     * @throws IllegalConfigurationException naming the key when Flink's configuration does not make a valid HAKit
     *     configuration (the cause names HAKit's field), {@code high-availability.storageDir} is missing, or a
     *     restart-loop option ({@link HakitFlinkOptions}) is invalid
     * @throws NullPointerException if {@code flinkConfig} is null
     */
    public static HakitProcess start(Configuration flinkConfig, Consumer<HaConfig.Builder> customizer) {
        Objects.requireNonNull(flinkConfig, "flinkConfig");
        Path storage = HighAvailabilityServicesUtils.getClusterHighAvailableStoragePath(flinkConfig);
        HaConfig.Builder b = haConfig(flinkConfig).blobStore(new FlinkFileSystemBlobStore(new Path(storage,
                "hakit-blobs")));
        customizer.accept(b);
        HaServices ha;
        try {
            ha = HaServices.create(b.build());
        } catch (io.hakit.api.InvalidConfigException e) {
            throw new IllegalConfigurationException("HAKit: " + e.getMessage(), e);
        }
        HakitProcess p;
        try {
            p = new HakitProcess(ha, flinkConfig, storage);
        } catch (io.hakit.api.InvalidConfigException e) {
            ha.close(); // a bad restart-loop option: nothing may stay connected
            throw new IllegalConfigurationException("HAKit: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            ha.close();
            throw e;
        }
        OPEN.computeIfAbsent(p.clusterId, k -> new CopyOnWriteArrayList<>()).add(p);
        LOG.info("HAKit process {} started on the {} backend for cluster {} (storage {})", ha.config().nodeId(),
                ha.config().type(), p.clusterId, storage);
        return p;
    }

    /**
     * HAKit's configuration from Flink's: {@value HakitFlinkOptions#BACKEND} selects the backend, Flink's
     * {@code high-availability.*} keys keep their meaning (cluster id, storage dir, ZooKeeper quorum and client
     * settings, Kubernetes lease timings, ...) and so do Flink's {@code kubernetes.*} keys (namespace, context,
     * kubeconfig file), Flink's {@code high-availability.type} (the factory class), the keys of Flink's own that HAKit
     * does not read (job manager port, job delay) and Flink's own ZooKeeper paths are left out. Without a blob store: {@link #start} adds one on Flink's file systems.
     *
     * @param flinkConfig Flink's configuration; read, not changed
     * @return a new builder holding the backend type and the translated keys; not built yet, so the caller may still
     *     change it
     * @throws IllegalConfigurationException if {@value HakitFlinkOptions#BACKEND} is missing or a value is invalid
     */
    public static HaConfig.Builder haConfig(Configuration flinkConfig) {
        Map<String, String> flink = flinkConfig.toMap();
        String backend = flink.get(HakitFlinkOptions.BACKEND);
        if (backend == null || backend.isBlank()) {
            throw new IllegalConfigurationException(HakitFlinkOptions.BACKEND + " must be set to the HAKit backend: "
                    + "zookeeper, kubernetes or embedded (" + HighAvailabilityOptions.HA_MODE.key()
                    + " holds the factory class)");
        }
        Map<String, String> ha = new TreeMap<>();
        for (Map.Entry<String, String> e : flink.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(FLINK_KUBERNETES)) {
                ha.put(key, e.getValue()); // kubernetes.namespace, .context, .config.file: Flink's own names
                continue;
            }
            if (!key.startsWith("high-availability.") || key.equals(HighAvailabilityOptions.HA_MODE.key())
                    || key.startsWith("high-availability.hakit.")) {
                continue;
            }
            if (FLINK_ONLY.contains(key)) {
                LOG.info("{} is Flink's own; HAKit does not read it", key);
                continue;
            }
            if (key.startsWith(FLINK_ZK_PATHS) && !key.equals(FLINK_ZK_PATHS + "root")) {
                LOG.info("{} is Flink's own ZooKeeper layout; HAKit keeps its own under {}root and ignores it", key,
                        FLINK_ZK_PATHS);
                continue;
            }
            ha.put(key, e.getValue());
        }
        ha.put(HaConfig.TYPE, backend.trim().toLowerCase(Locale.ROOT));
        try {
            return HaConfig.builder().options(ha);
        } catch (io.hakit.api.InvalidConfigException e) {
            throw new IllegalConfigurationException("HAKit: " + e.getMessage(), e);
        }
    }

    /**
     * HAKit's cluster id for Flink's {@code high-availability.cluster-id} (Flink's "/default" is "default").
     *
     * @param flinkConfig Flink's configuration; only {@code high-availability.cluster-id} is read (Flink's default
     *     when it is not set)
     * @return the cluster id without leading and trailing slashes, as HAKit keys its data and
     *     {@link #forCluster(String)} finds open processes
     * @throws io.hakit.api.InvalidConfigException if the id is not 1-128 of {@code [A-Za-z0-9._-]} once the slashes
     *     are stripped
     */
    public static String clusterId(Configuration flinkConfig) {
        return HaConfig.builder().options(Map.of(HaConfig.CLUSTER_ID,
                flinkConfig.get(HighAvailabilityOptions.HA_CLUSTER_ID))).build().clusterId();
    }

    /**
     * The HAKit services of this process: its alarms, connection state and stores. Closed by {@link #close()}; do not
     * close them directly, and do not open an election for {@link #PROCESS_COMPONENT} on them (Flink's election driver
     * holds it).
     *
     * @return the services, the same object for the life of the process
     */
    public HaServices services() {
        return ha;
    }

    /**
     * Flink's configuration this process was started with.
     *
     * @return the configuration object given to {@link #start(Configuration)}, not a copy
     */
    public Configuration flinkConfig() {
        return flinkConfig;
    }

    /**
     * Where Flink's state files of this cluster go: the stores' files, and HAKit's blobs under {@code hakit-blobs}.
     *
     * @return {@code <high-availability.storageDir>/<cluster-id>}, as Flink computes it
     */
    public Path clusterStoragePath() {
        return clusterStoragePath;
    }

    /**
     * The session this process leads with, if it leads (through Flink's current election driver). A local check, no
     * backend call.
     *
     * <p>Hazard: the answer can be stale. A leader cut off from the backend or paused may have lost its leadership
     * before it hears so; a write fenced with this session is then refused by the backend, never applied.
     *
     * @return the current session, or empty if this process does not lead or no election driver is open
     */
    public Optional<LeaderSession> currentSession() {
        LeaderElection e = election;
        return e == null ? Optional.empty() : e.currentSession();
    }

    void attach(LeaderElection e) {
        election = e;
    }

    void detach(LeaderElection e) {
        if (election == e) {
            election = null;
        }
    }

    /**
     * The leader election driver factory of Flink's {@code DefaultLeaderElectionService}. Each driver it creates
     * contends in the process-wide election ({@link #PROCESS_COMPONENT}) and publishes each of Flink's components
     * under its own id. The driver calls Flink's listener in order on a thread of its own (named
     * {@code hakit-flink-leader-events-<node id>}), never on HAKit's event thread, and drops a grant or revoke that
     * arrives after the driver is closed.
     *
     * <p>Not API: shared by the Flink 2.3 and 1.20 adapters.
     *
     * @return the factory; only one of its drivers can be open at a time, creating a second while one is open fails
     *     with {@link IllegalStateException}
     */
    public LeaderElectionDriverFactory leaderElectionDriverFactory() {
        return listener -> new HakitLeaderElectionDriver(this, listener);
    }

    /**
     * A leader retrieval service for one of Flink's components, served by the process's one leader watch. Once
     * started, it calls its listener on HAKit's event thread, in order, with no address while no leader of the
     * component is confirmed; an error of the watch goes to Flink's fatal error handler.
     *
     * <p>Not API: shared by the Flink 2.3 and 1.20 adapters.
     *
     * @param componentId the component: {@link #DISPATCHER}, {@link #RESOURCE_MANAGER}, {@link #REST_SERVER} or
     *     {@link #jobManagerComponent(JobID)}
     * @return a new retrieval service, not started yet
     */
    public LeaderRetrievalService leaderRetrievalService(String componentId) {
        return new DefaultLeaderRetrievalService(new HakitLeaderRetrievalDriverFactory(ha, componentId));
    }

    /**
     * A state handle store on {@code namespace}, bound to the current leadership, with state files named
     * {@code <filePrefix>...} under {@link #clusterStoragePath()}.
     *
     * <p>Hazard: the store is fenced with {@link #currentSession()} as it is at this call, for its whole life. Made
     * while this process does not lead, it refuses every write; made under a leadership that ends later, it refuses
     * every write from then on, even after this process leads again. Make a new store for each leadership, as Flink
     * does.
     *
     * <p>Not API: shared by the Flink 2.3 and 1.20 adapters.
     *
     * @param <T> the type of the state the store keeps
     * @param namespace the HAKit namespace of the store's entries, 1-128 of {@code [A-Za-z0-9._-]}
     * @param filePrefix the first part of the name of each state file this store writes; starts with one of
     *     {@link #STATE_FILE_PREFIXES}
     * @return a new store
     * @throws IOException if the file system of {@link #clusterStoragePath()} cannot be loaded
     * @throws IllegalArgumentException if {@code filePrefix} does not start with one of {@link #STATE_FILE_PREFIXES}
     */
    public <T extends Serializable> HakitStateHandleStore<T> stateHandleStore(String namespace, String filePrefix)
            throws IOException {
        if (STATE_FILE_PREFIXES.stream().noneMatch(filePrefix::startsWith)) {
            throw new IllegalArgumentException("state file prefix '" + filePrefix + "' does not start with one of "
                    + STATE_FILE_PREFIXES + " (cluster cleanup would not find its files)");
        }
        return new HakitStateHandleStore<>(ha.stateStore(namespace),
                new FileSystemStateStorageHelper<>(clusterStoragePath, filePrefix), currentSession());
    }

    /**
     * The component id one job's JobMaster publishes its address under.
     *
     * @param jobId the job
     * @return {@code job-} followed by the job id in hex
     */
    public static String jobManagerComponent(JobID jobId) {
        return "job-" + jobId;
    }

    /**
     * A job's completed checkpoint store as Flink's HA services hand it out on recovery: Flink's
     * {@link DefaultCompletedCheckpointStore} on a {@link HakitStateHandleStore} bound to the current leadership, with
     * the checkpoints already in the backend. {@code sharedStateRegistry} builds the registry from them (its recovery
     * mode parameter differs between Flink lines).
     *
     * <p>The store is fenced with the leadership of this call, as {@link #stateHandleStore(String, String)}'s: after
     * that leadership ends, adding a checkpoint fails and Flink counts it as a failed checkpoint. Reading the existing
     * checkpoints runs on the caller's thread and reads each one's state file; an entry that cannot be deserialized is
     * left out and logged.
     *
     * <p>Not API: shared by the Flink 2.3 and 1.20 adapters.
     *
     * @param jobId the job whose checkpoints are recovered
     * @param maxNumberOfCheckpointsToRetain how many completed checkpoints the store keeps before it discards the
     *     oldest; at least 1
     * @param sharedStateRegistry builds Flink's shared state registry from the recovered checkpoints; called once
     * @param ioExecutor runs the store's blocking work, such as discarding subsumed checkpoints
     * @return the store, holding the recovered checkpoints in id order
     * @throws Exception if a recovered checkpoint's state cannot be read (its file is missing, or it was written by an
     *     incompatible Flink version) or the file system of {@link #clusterStoragePath()} cannot be loaded
     */
    public CompletedCheckpointStore recoveredCheckpointStore(JobID jobId, int maxNumberOfCheckpointsToRetain,
            Function<Collection<CompletedCheckpoint>, SharedStateRegistry> sharedStateRegistry, Executor ioExecutor)
            throws Exception {
        HakitStateHandleStore<CompletedCheckpoint> handles = stateHandleStore(checkpointNamespace(jobId),
                checkpointFilePrefix(jobId));
        Collection<CompletedCheckpoint> checkpoints = DefaultCompletedCheckpointStoreUtils
                .retrieveCompletedCheckpoints(handles, HakitCheckpointStoreUtil.INSTANCE);
        return new DefaultCompletedCheckpointStore<>(maxNumberOfCheckpointsToRetain, handles,
                HakitCheckpointStoreUtil.INSTANCE, checkpoints, sharedStateRegistry.apply(checkpoints), ioExecutor);
    }

    /**
     * The namespace of one job's completed checkpoints.
     *
     * @param jobId the job
     * @return {@code flink-checkpoints-} followed by the job id in hex
     */
    public static String checkpointNamespace(JobID jobId) {
        return "flink-checkpoints-" + jobId;
    }

    /**
     * What the names of one job's checkpoint state files start with, so that the job's cleanup finds those Flink
     * keeps after a write whose outcome was unknown.
     *
     * @param jobId the job
     * @return {@code completedCheckpoint-}, the job id in hex, {@code -}
     */
    public static String checkpointFilePrefix(JobID jobId) {
        return "completedCheckpoint-" + jobId + "-";
    }

    /**
     * The counter name of one job's checkpoint ids.
     *
     * @param jobId the job
     * @return {@code flink-checkpoint-id-} followed by the job id in hex
     */
    public static String checkpointCounterName(JobID jobId) {
        return "flink-checkpoint-id-" + jobId;
    }

    /**
     * A job's checkpoint id counter, bound to the current leadership: a new counter starts at
     * {@link CheckpointIDCounter#INITIAL_CHECKPOINT_ID}. Hazard: as with {@link #stateHandleStore(String, String)},
     * it is fenced with {@link #currentSession()} as it is at this call; after that leadership ends (or if there was
     * none) it hands out no id and sets nothing, reads still work. It deletes the counter when the job reaches a
     * globally terminal state and keeps it when the job is suspended.
     *
     * <p>Not API: shared by the Flink 2.3 and 1.20 adapters.
     *
     * @param jobId the job
     * @return a new counter on {@link #checkpointCounterName(JobID)}
     */
    public CheckpointIDCounter checkpointIdCounter(JobID jobId) {
        return new HakitCheckpointIDCounter(ha.counter(checkpointCounterName(jobId),
                CheckpointIDCounter.INITIAL_CHECKPOINT_ID), currentSession(), jobId);
    }

    /**
     * Deletes a job's HA data in the backend (its checkpoints' pointers and its checkpoint id counter), fenced with the
     * current leadership, then the job's checkpoint state files left under {@link #clusterStoragePath()}: Flink's
     * cleanup of the checkpoint store deletes those its pointers name, and this deletes those of checkpoints whose
     * write had an unknown outcome (Flink keeps them: "needs to be cleaned up manually"). Also ends the job's
     * restart-loop count. Flink calls it on its I/O executor once the job reached a globally terminal state.
     *
     * <p>Flink retries a failed cleanup until one succeeds (with its default strategy for ever, up to an hour apart),
     * and a JobManager's dispatcher cannot stop, nor a new one start in its process, before. So when this process no
     * longer leads (its leadership moved on, or Flink closed the election while the job's cleanup was still due, as it
     * does when a JobManager shuts down), the cleanup succeeds without leadership once the backend holds nothing more
     * of the job: no checkpoint entry, and the counter absent or at its initial value. That is the usual case: the
     * job's master deletes both when the job ends, and the new leader cleans up what a failed attempt left. It deletes
     * nothing then: the state files of writes with an unknown outcome are left to the leader's cleanup, or to the
     * cluster's ({@link #cleanupAllData()}), since a job resubmitted with the same id may be writing them.
     *
     * <p>Not API: shared by the Flink 2.3 and 1.20 adapters.
     *
     * @param jobId the job whose HA data is deleted
     * @throws io.hakit.api.LeadershipLostException if this process does not lead and the backend still holds HA data
     *     of the job, or its leadership ended during the deletes (what was deleted stays deleted; Flink retries the
     *     cleanup)
     * @throws io.hakit.api.HaException if the backend fails otherwise, as
     *     {@link HaServices#deleteNamespace(LeaderSession, String)} (Flink retries the cleanup)
     * @throws UncheckedIOException if the storage directory cannot be listed or a file in it not deleted (Flink
     *     retries the cleanup)
     */
    public void cleanupJobData(JobID jobId) {
        Optional<LeaderSession> session = currentSession();
        if (session.isEmpty()) {
            cleanupJobDataWithoutLeadership(jobId);
            return;
        }
        LeaderSession s = session.get();
        int keys = ha.deleteNamespace(s, checkpointNamespace(jobId));
        boolean counter = ha.counter(checkpointCounterName(jobId)).delete(s);
        endRestartCount(jobId);
        String prefix = checkpointFilePrefix(jobId);
        int files = deleteStateFiles(name -> name.startsWith(prefix));
        LOG.info("HAKit: deleted the HA data of job {} ({} checkpoint entries, counter {}, {} state files left by "
                + "writes of unknown outcome)", jobId, keys, counter ? "deleted" : "absent", files);
    }

    private void cleanupJobDataWithoutLeadership(JobID jobId) {
        int keys = ha.stateStore(checkpointNamespace(jobId)).list("").size();
        long counter = ha.counter(checkpointCounterName(jobId), CheckpointIDCounter.INITIAL_CHECKPOINT_ID).get();
        if (keys > 0 || counter != CheckpointIDCounter.INITIAL_CHECKPOINT_ID) {
            throw new io.hakit.api.LeadershipLostException(ha.config().nodeId() + " does not lead and the backend "
                    + "still holds HA data of job " + jobId + " (" + keys + " checkpoint entries, counter at " + counter
                    + "): it is left to the leader's cleanup, and this one succeeds once nothing is left");
        }
        endRestartCount(jobId);
        LOG.info("HAKit: {} does not lead; nothing of job {} is left in the backend, so its cleanup is done here (state "
                + "files of writes with an unknown outcome, if any, are left to the leader's or the cluster's cleanup)",
                ha.config().nodeId(), jobId);
    }

    /** Ends the restart-loop count of a job that reached a globally terminal state. */
    private void endRestartCount(JobID jobId) {
        RestartLoopDetector d = restartLoops.remove(jobId);
        if (d != null) {
            d.close();
        }
    }

    /**
     * Closes this process's services and deletes everything of the cluster in the backend (see
     * {@link HaServices#closeAndDeleteAllData()}), then the state files of {@link #STATE_FILE_PREFIXES} left under
     * {@link #clusterStoragePath()}: with every pointer gone, those are files of writes whose outcome was unknown. Flink
     * calls it when the cluster shuts down for good.
     *
     * <p>Hazard: every other JobManager of the cluster must be stopped first; one still running re-creates what it
     * writes, and with the election's storage gone its epochs may start again at 1. The process stays registered in
     * this JVM until {@link #close()}, which Flink calls right after.
     *
     * <p>Not API: shared by the Flink 2.3 and 1.20 adapters.
     *
     * @throws UnsupportedOperationException if the backend cannot delete its data (the services are closed anyway)
     * @throws UncheckedIOException if the storage directory cannot be listed or a file in it not deleted
     */
    public void cleanupAllData() {
        ha.closeAndDeleteAllData();
        int files = deleteStateFiles(name -> STATE_FILE_PREFIXES.stream().anyMatch(name::startsWith));
        LOG.info("HAKit: deleted the HA data of cluster {} ({} state files left by writes of unknown outcome)",
                clusterId, files);
    }

    /**
     * Deletes {@link #clusterStoragePath()} itself if nothing is left in it. Flink's HA services call it last in their
     * cluster cleanup, after Flink's blob store deleted its own directory there; a directory that is not empty (files
     * that are neither HAKit's nor Flink's) is kept and named in the log.
     *
     * <p>Not API: shared by the Flink 2.3 and 1.20 adapters.
     */
    public void deleteStorageDirectoryIfEmpty() {
        try {
            FileSystem fs = clusterStoragePath.getFileSystem();
            FileStatus[] left = storageEntries(fs, clusterStoragePath);
            if (left == null) {
                return;
            }
            if (left.length > 0) {
                LOG.warn("HAKit: kept the storage directory {} of cluster {}: it still holds {}", clusterStoragePath,
                        clusterId, Arrays.stream(left).map(f -> f.getPath().getName()).sorted().limit(10)
                                .collect(Collectors.toList()));
                return;
            }
            fs.delete(clusterStoragePath, false);
        } catch (IOException e) {
            LOG.warn("HAKit: could not delete the storage directory {} of cluster {}: {}", clusterStoragePath,
                    clusterId, e.toString());
        }
    }

    /** Deletes the files directly under the cluster's storage directory whose names match; returns how many. */
    private int deleteStateFiles(Predicate<String> names) {
        try {
            FileSystem fs = clusterStoragePath.getFileSystem();
            FileStatus[] children = storageEntries(fs, clusterStoragePath);
            int deleted = 0;
            for (FileStatus f : children == null ? new FileStatus[0] : children) {
                if (!f.isDir() && names.test(f.getPath().getName()) && deleteFile(fs, f.getPath())) {
                    deleted++;
                }
            }
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException("HAKit: could not delete the state files of cluster " + clusterId
                    + " under " + clusterStoragePath + ": " + e.getMessage(), e);
        }
    }

    /**
     * What is directly under {@code dir}; null if it does not exist. Flink's local file system lists the names, then
     * reads each one's status, and fails with {@link FileNotFoundException} on a name deleted in between (Flink's
     * cleanup of execution plans deletes files there while HAKit's runs; that failed a job's cleanup, which Flink then
     * retried): it is listed again, up to {@value #LISTING_ATTEMPTS} times.
     */
    static FileStatus[] storageEntries(FileSystem fs, Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (!fs.exists(dir)) {
                return null;
            }
            try {
                FileStatus[] entries = fs.listStatus(dir);
                return entries == null ? new FileStatus[0] : entries;
            } catch (FileNotFoundException e) {
                if (attempt == LISTING_ATTEMPTS) {
                    throw new IOException("listing " + dir + " failed " + LISTING_ATTEMPTS + " times in a row on an "
                            + "entry that is gone by the time its status is read (a dangling symbolic link?): "
                            + e.getMessage(), e);
                }
            }
        }
    }

    private static boolean deleteFile(FileSystem fs, Path file) throws IOException {
        try {
            return fs.delete(file, false);
        } catch (FileNotFoundException e) {
            return false; // deleted meanwhile
        }
    }

    /**
     * Counts a restart of {@code jobId}; RESTART_LOOP (45690) is raised on {@link HaServices#alarms()} with the job id
     * as its source when there are more than the configured restarts within the window, and cleared after the quiet
     * period.
     *
     * <p>Not API: public for {@code io.hakit.flink.RestartLoopListenerFactory} (Flink 2.3), which calls it from the
     * job's main thread; it takes short locks and makes no backend call, and the alarm's listeners run later on HAKit's
     * event thread, not on the caller's.
     *
     * @param jobId the job that restarts; its count lives until {@link #cleanupJobData(JobID)} or {@link #close()}
     * @param jobName the job's name, shown with the id in the alarm's source; may be null
     * @param cause what happened, shown in the alarm's detail; not null
     * @return whether the alarm is raised for the job
     * @throws NullPointerException if {@code cause} is null
     */
    public boolean recordRestart(JobID jobId, String jobName, String cause) {
        RestartLoopDetector d = restartLoops.computeIfAbsent(jobId, id -> RestartLoopDetector.builder(ha.alarms(),
                "flink-job " + id + (jobName == null ? "" : " (" + jobName + ")"))
                .maxRestarts(maxRestarts).window(restartWindow).quietPeriod(quietPeriod).build());
        boolean raised = d.recordRestart(cause);
        if (raised) {
            LOG.warn("HAKit: RESTART_LOOP for job {} ({}): {} restarts within {}; latest: {}", jobId, jobName,
                    d.restartsInWindow(), restartWindow, cause);
        } else {
            LOG.info("HAKit: job {} ({}) restarts ({} within {}): {}", jobId, jobName, d.restartsInWindow(),
                    restartWindow, cause);
        }
        return raised;
    }

    /**
     * The open process of {@code clusterId} in this JVM that should count a restart: the one that leads, else the
     * latest started.
     *
     * <p>Not API: public for {@code io.hakit.flink.RestartLoopListenerFactory}, which Flink creates by class name and
     * which therefore cannot be handed its process.
     *
     * @param clusterId HAKit's cluster id, as {@link #clusterId(Configuration)} gives it
     * @return the process, or empty if no process of the cluster is open in this JVM
     */
    public static Optional<HakitProcess> forCluster(String clusterId) {
        List<HakitProcess> open = new ArrayList<>(OPEN.getOrDefault(clusterId, List.of()));
        for (HakitProcess p : open) {
            if (p.currentSession().isPresent()) {
                return Optional.of(p);
            }
        }
        return open.isEmpty() ? Optional.empty() : Optional.of(open.get(open.size() - 1));
    }

    /**
     * The processes of {@code clusterId} open in this JVM, oldest first (for tests and tools).
     *
     * @param clusterId HAKit's cluster id, as {@link #clusterId(Configuration)} gives it
     * @return a snapshot copy; empty if none is open
     */
    public static List<HakitProcess> openProcesses(String clusterId) {
        return new ArrayList<>(OPEN.getOrDefault(clusterId, List.of()));
    }

    /** Closes the HAKit services: every election gives up leadership. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<HakitProcess> open = OPEN.get(clusterId);
        if (open != null) {
            open.remove(this);
        }
        restartLoops.values().forEach(RestartLoopDetector::close);
        ha.close();
    }

    @Override
    public String toString() {
        return "HakitProcess{" + ha + "}";
    }
}
