package io.hakit.testkit.junit;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.testkit.ManualTicker;
import io.hakit.testkit.PausableSerialExecutor;
import io.hakit.testkit.history.LeadershipHistory;
import io.hakit.testkit.junit.internal.BackendServer;
import io.hakit.testkit.junit.internal.Backends;
import io.hakit.testkit.junit.internal.ClusterControl;
import io.hakit.testkit.junit.internal.Recording;
import io.hakit.testkit.junit.internal.ThreadLeaks;
import io.hakit.testkit.junit.internal.Waits;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A real HA cluster for a JUnit 5 test: the backend's servers, a number of simulated processes (each its own
 * {@link HaServices}, its own backend session), {@linkplain LeadershipControl leadership control and fault
 * injection} that work alike on every {@link Backend}, and a {@linkplain HistoryRecorder record} of what the
 * processes were told and what the service under test did, checked when each test ends.
 *
 * <pre>{@code
 * class SchedulerTest {
 *     @RegisterExtension
 *     static final HaCluster cluster = HaCluster.zookeeper(3);
 *
 *     @Test
 *     void theNextLeaderTakesOver(HaServices p0, HaServices p1, HaServices p2) {
 *         List<Scheduler> schedulers = cluster.startServices(Scheduler::new);
 *         HaServices leader = cluster.await().leader();
 *         cluster.grant(p2);
 *         cluster.await().leaderIs(p2);
 *     }
 * }
 * }</pre>
 * or, with the defaults, {@code @HaTest(backend = Backend.ZOOKEEPER, processes = 3)} on the class (see
 * {@link HaTest}).
 *
 * <h2>Lifecycle</h2>
 * Registered on a {@code static} field (or through {@link HaTest}), the servers start before the class's first test
 * and stop after its last: one ZooKeeper ensemble or API server per class. On an instance field they start and stop
 * around every test. Before each test the cluster starts {@link Builder#processes(int) its processes} with node ids
 * {@code p0}, {@code p1}, ... under a cluster id (and Kubernetes namespace) of that test's own; after each test it
 * closes the services {@linkplain #startServices(ServiceFactory) it started}, heals every partition, closes the
 * processes, and fails the test (an {@link AssertionError} listing everything found) if
 * <ul>
 *   <li>a process leaked: a thread started during the test still runs after a bounded wait, or the backend still
 *   holds a session, an ephemeral znode, the Lease or a connection of a closed process (see
 *   {@link Builder#checkLeaks(boolean)});
 *   <li>the history shows two leaders acting at once or a stale write landing (see
 *   {@link HistoryRecorder#assertNoViolations()} and {@link Builder#checkHistory(boolean)}).
 * </ul>
 *
 * <h2>Parameters</h2>
 * Test methods (and constructors, and {@code @BeforeEach} methods) may declare: {@code HaCluster} or
 * {@code LeadershipControl}; {@code HaServices} parameters, given processes {@code p0}, {@code p1}, ... in the order
 * they are declared (or the one {@link ProcessIndex @ProcessIndex(n)} names); {@code List<HaServices>} for all of them;
 * {@code HistoryRecorder}; and {@code ManualTicker} when the cluster {@linkplain Builder#manualTicker(boolean) has
 * one}.
 *
 * <h2>Threading</h2>
 * One test at a time per cluster: do not run a class's tests concurrently. The control methods may be called from any
 * thread of the test.
 */
public final class HaCluster implements LeadershipControl, BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {

    /** Which Kubernetes API server a {@link Backend#KUBERNETES} cluster runs on. */
    public enum ApiServer {
        /**
         * A real one when one is available here: the cluster of {@code $KUBECONFIG}, or kube-apiserver 1.20.2 with etcd
         * once ha-kubernetes's {@code kube-apiserver.sh build} has run on this machine (found with
         * {@code -Dhakit.kube-apiserver.script}, from the working directory, or the copy in this artifact); else
         * fabric8's mock server.
         */
        AUTO,
        /** fabric8's mock server in CRUD mode (needs {@code io.fabric8:kubernetes-server-mock}): fast, in process. */
        MOCK,
        /** A real one, or the class fails with why there is none. */
        REAL
    }

    private final Backend backend;
    private final int processCount;
    private final boolean manualTicker;
    private final Consumer<HaConfig.Builder> configure;
    private final ApiServer apiServer;
    private final Duration sessionTimeout;
    private final Duration awaitBound;
    private final boolean checkHistory;
    private final boolean checkLeaks;
    private final Duration leakBound;

    // the servers: from beforeAll to afterAll, or around one test for an instance field
    private BackendServer server;
    private boolean serverPerTest;
    // the current test
    private Run run;

    private HaCluster(Builder b) {
        this.backend = b.backend;
        this.processCount = b.processes;
        this.manualTicker = b.manualTicker;
        this.configure = b.configure;
        this.apiServer = b.apiServer;
        this.sessionTimeout = b.sessionTimeout;
        this.awaitBound = b.awaitBound;
        this.checkHistory = b.checkHistory;
        this.checkLeaks = b.checkLeaks;
        this.leakBound = b.leakBound;
    }

    /**
     * A cluster of {@code processes} processes on the embedded backend, with the defaults.
     *
     * @param processes how many processes each test starts (at least 1)
     * @return the cluster, to register as an extension
     */
    public static HaCluster embedded(int processes) {
        return builder(Backend.EMBEDDED).processes(processes).build();
    }

    /**
     * A cluster of {@code processes} processes on an in-process 3-member ZooKeeper ensemble, with the defaults.
     *
     * @param processes how many processes each test starts (at least 1)
     * @return the cluster, to register as an extension
     */
    public static HaCluster zookeeper(int processes) {
        return builder(Backend.ZOOKEEPER).processes(processes).build();
    }

    /**
     * A cluster of {@code processes} processes on a Kubernetes API server ({@link ApiServer#AUTO}), with the defaults.
     *
     * @param processes how many processes each test starts (at least 1)
     * @return the cluster, to register as an extension
     */
    public static HaCluster kubernetes(int processes) {
        return builder(Backend.KUBERNETES).processes(processes).build();
    }

    /**
     * A builder for a cluster on {@code backend}.
     *
     * @param backend the backend
     * @return a builder with the defaults
     */
    public static Builder builder(Backend backend) {
        return new Builder(Objects.requireNonNull(backend, "backend"));
    }

    // ------------------------------------------------------------------------------------------------ the test's view

    /**
     * The backend this cluster runs on.
     *
     * @return the backend
     */
    public Backend backend() {
        return backend;
    }

    /**
     * What runs: the backend's servers and this test's cluster id.
     *
     * @return a description for messages
     */
    public String describe() {
        return (server == null ? backend + " (not started)" : server.describe())
                + (run == null ? "" : ", cluster " + run.clusterId);
    }

    /**
     * This test's processes, in start order ({@code p0} first).
     *
     * @return the processes, including those {@linkplain #newProcess(String) started later}
     * @throws IllegalStateException outside a test
     */
    public List<HaServices> processes() {
        return List.copyOf(current().processes.values());
    }

    /**
     * Process {@code p<index>}.
     *
     * @param index from 0
     * @return the process
     * @throws IllegalArgumentException if there is no such process
     * @throws IllegalStateException outside a test
     */
    public HaServices process(int index) {
        return process("p" + index);
    }

    /**
     * The process with {@code nodeId}.
     *
     * @param nodeId its node id
     * @return the process
     * @throws IllegalArgumentException if there is no such process
     * @throws IllegalStateException outside a test
     */
    public HaServices process(String nodeId) {
        HaServices p = current().processes.get(nodeId);
        if (p == null) {
            throw new IllegalArgumentException("no process " + nodeId + " in this test (processes: "
                    + current().processes.keySet() + ")");
        }
        return p;
    }

    /**
     * Starts one more process in this test, closed with the others when the test ends.
     *
     * @param nodeId its node id (unique in the test)
     * @return the process
     * @throws IllegalArgumentException if a process has that node id already
     * @throws IllegalStateException outside a test
     */
    public HaServices newProcess(String nodeId) {
        return current().start(nodeId);
    }

    /**
     * Starts the service under test on every process of this test, in start order; the cluster closes them (in
     * reverse order) when the test ends, before the processes.
     *
     * @param factory starts the service on one process
     * @param <S> the service
     * @return the services, one per process, in the order of {@link #processes()}
     * @throws IllegalStateException outside a test, or if a service cannot start (the cause attached)
     */
    public <S extends AutoCloseable> List<S> startServices(ServiceFactory<S> factory) {
        List<S> out = new ArrayList<>();
        for (HaServices p : processes()) {
            out.add(startService(p, factory));
        }
        return out;
    }

    /**
     * Starts the service under test on one process; the cluster closes it when the test ends, before the processes.
     *
     * @param process a process of this test
     * @param factory starts the service
     * @param <S> the service
     * @return the service
     * @throws IllegalStateException outside a test, or if the service cannot start (the cause attached)
     */
    public <S extends AutoCloseable> S startService(HaServices process, ServiceFactory<S> factory) {
        Run r = current();
        S service;
        try {
            service = factory.start(process, r.recorder.of(process));
        } catch (Exception e) {
            throw new IllegalStateException("the service could not start on " + process.config().nodeId(), e);
        }
        r.services.add(service);
        return service;
    }

    /**
     * This test's record of grants, revokes and what the service said it did.
     *
     * @return the recorder
     * @throws IllegalStateException outside a test
     */
    public HistoryRecorder recorder() {
        return current().recorder;
    }

    /**
     * The ticker every process of this test reads time from, which moves only when the test advances it.
     *
     * @return the ticker
     * @throws IllegalStateException if the cluster was not built with {@link Builder#manualTicker(boolean)}, or
     *     outside a test
     */
    public ManualTicker ticker() {
        ManualTicker t = current().ticker;
        if (t == null) {
            throw new IllegalStateException("this cluster has no ManualTicker: build it with manualTicker(true)");
        }
        return t;
    }

    /**
     * The process that believes it leads, if exactly one does now (no waiting).
     *
     * @return the leader, or empty
     * @throws IllegalStateException outside a test
     */
    public Optional<HaServices> leader() {
        List<String> now = current().recording.leaders();
        return now.size() == 1 ? Optional.of(process(now.get(0))) : Optional.empty();
    }

    /**
     * A seeded fault campaign against the service {@code factory} starts, in this test: see {@link ServiceCampaign}.
     *
     * @param factory starts the service under test on a process
     * @return the campaign's builder; {@link ServiceCampaign.Builder#run()} runs it
     */
    public ServiceCampaign.Builder campaign(ServiceFactory<?> factory) {
        return new ServiceCampaign.Builder(this, factory);
    }

    /**
     * Runs a fault campaign with the defaults against the service {@code factory} starts, seeded from
     * {@code -Dhakit.campaign.seed} or at random, and fails the test if it finds anything; its report (printed
     * either way) starts with the seed that replays it.
     *
     * @param factory starts the service under test on a process
     * @return the result
     * @throws AssertionError with the report if the campaign found a violation
     */
    public ServiceCampaign.Result runCampaign(ServiceFactory<?> factory) {
        ServiceCampaign.Result result = campaign(factory).run();
        result.assertPassed();
        return result;
    }

    // ------------------------------------------------------------------------------------------------ control

    @Override
    public void grant(HaServices process) {
        Run r = current();
        String node = process.config().nodeId();
        if (r.recording.leaders().equals(List.of(node))) {
            return;
        }
        if (!r.recording.contends(node)) {
            throw new IllegalStateException(node + " does not contend: start a leader election on it first ("
                    + r.recording.describe() + ")");
        }
        r.control.awaitContending(process, awaitBound); // (re)contending may need node's callbacks: before holding them
        List<String> old = new ArrayList<>(r.recording.leaders());
        old.remove(node);
        PausableSerialExecutor events = r.events.get(node);
        if (events != null) {
            events.pause(); // node hears of its grant only after the old leader heard that it lost
        }
        try {
            r.control.grant(process, r.recording, awaitBound);
            Waits.require(awaitBound, "the revoke of " + old, () -> old.stream().noneMatch(r.recording::leads),
                    r.recording::describe);
        } finally {
            if (events != null) {
                events.resume();
            }
        }
        Waits.require(awaitBound, "the grant of " + node, () -> r.recording.leads(node), r.recording::describe);
    }

    @Override
    public void revoke(HaServices process) {
        Run r = current();
        String node = process.config().nodeId();
        if (!r.recording.leads(node)) {
            return;
        }
        List<String> contenders = r.recording.contenders();
        int at = contenders.indexOf(node);
        for (int i = 1; i < contenders.size(); i++) {
            String next = contenders.get((at + i) % contenders.size());
            if (!next.equals(node)) {
                grant(process(next));
                return;
            }
        }
        int revoked = r.recording.revocations(node);
        r.control.revokeSole(process, r.recording, awaitBound);
        Waits.require(awaitBound, "the revoke of " + node, () -> r.recording.revocations(node) > revoked,
                r.recording::describe);
    }

    @Override
    public void expireSession(HaServices process) {
        Run r = current();
        String node = process.config().nodeId();
        if (!r.recording.leads(node)) {
            r.control.expireSession(process);
            return;
        }
        // as after a partition outlasting the session timeout, the leader has heard that it lost before another is
        // granted: the others' callbacks are held until its revoke
        int revoked = r.recording.revocations(node);
        List<PausableSerialExecutor> others = new ArrayList<>();
        synchronized (r.events) {
            r.events.forEach((n, e) -> {
                if (!n.equals(node)) {
                    others.add(e);
                }
            });
        }
        others.forEach(PausableSerialExecutor::pause);
        try {
            r.control.expireSession(process);
            Waits.require(awaitBound, "the revoke of " + node + " after its session expired",
                    () -> r.recording.revocations(node) > revoked || !r.recording.leads(node), r.recording::describe);
        } finally {
            others.forEach(PausableSerialExecutor::resume);
        }
    }

    @Override
    public void partition(HaServices process) {
        current().control.partition(process);
    }

    @Override
    public void heal(HaServices process) {
        current().control.heal(process);
    }

    @Override
    public void healAll() {
        current().control.healAll();
    }

    @Override
    public LeaderAwait await() {
        Run r = current();
        return new LeaderAwait(r.recording, this::process, awaitBound);
    }

    // ------------------------------------------------------------------------------------------------ the extension

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (server == null) {
            server = Backends.start(backend, apiServer, sessionTimeout);
            serverPerTest = false;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null && !serverPerTest) {
            BackendServer s = server;
            server = null;
            s.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (server == null) {
            server = Backends.start(backend, apiServer, sessionTimeout);
            serverPerTest = true;
        }
        if (manualTicker) {
            String refusal = server.manualTickerRefusal();
            if (refusal != null) {
                throw new IllegalStateException("manualTicker(true) is not possible on " + backend + ": " + refusal);
            }
        }
        run = new Run(context.getDisplayName());
        try {
            for (int i = 0; i < processCount; i++) {
                run.start("p" + i);
            }
        } catch (RuntimeException | Error e) {
            Run failed = run;
            run = null;
            failed.closeQuietly();
            throw e;
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Run r = run;
        run = null;
        List<String> problems = new ArrayList<>();
        try {
            if (r != null) {
                problems.addAll(r.finish());
            }
        } finally {
            if (serverPerTest && server != null) {
                BackendServer s = server;
                server = null;
                s.close();
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == HaCluster.class || type == LeadershipControl.class || type == HaServices.class
                || type == HistoryRecorder.class || type == ManualTicker.class
                || (type == List.class && isListOfServices(parameterContext.getParameter()));
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Parameter parameter = parameterContext.getParameter();
        Class<?> type = parameter.getType();
        if (type == HaCluster.class || type == LeadershipControl.class) {
            return this;
        }
        if (run == null) {
            throw new ParameterResolutionException("HaCluster gives " + type.getSimpleName()
                    + " parameters to tests (and their @BeforeEach methods) only, not to " + parameter
                    .getDeclaringExecutable());
        }
        if (type == HistoryRecorder.class) {
            return run.recorder;
        }
        if (type == ManualTicker.class) {
            if (run.ticker == null) {
                throw new ParameterResolutionException("a ManualTicker parameter needs a cluster built with "
                        + "manualTicker(true)");
            }
            return run.ticker;
        }
        if (type == List.class) {
            return processes();
        }
        int index;
        ProcessIndex named = parameter.getAnnotation(ProcessIndex.class);
        if (named != null) {
            index = named.value();
        } else {
            index = 0;
            Parameter[] all = parameterContext.getDeclaringExecutable().getParameters();
            for (int i = 0; i < parameterContext.getIndex(); i++) {
                if (all[i].getType() == HaServices.class && all[i].getAnnotation(ProcessIndex.class) == null) {
                    index++;
                }
            }
        }
        if (!run.processes.containsKey("p" + index)) {
            throw new ParameterResolutionException("HaServices parameter " + parameter.getName() + " wants process p"
                    + index + ", but this cluster starts " + processCount + " process(es) (p0 to p"
                    + (processCount - 1) + ")");
        }
        return process(index);
    }

    private static boolean isListOfServices(Parameter parameter) {
        Type t = parameter.getParameterizedType();
        return t instanceof ParameterizedType p && p.getActualTypeArguments().length == 1
                && p.getActualTypeArguments()[0] == HaServices.class;
    }

    private Run current() {
        Run r = run;
        if (r == null) {
            throw new IllegalStateException("no test is running on this HaCluster (its processes exist from before each"
                    + " test until after it; is the extension registered?)");
        }
        return r;
    }

    Duration awaitBound() {
        return awaitBound;
    }

    Recording recording() {
        return current().recording;
    }

    @Override
    public String toString() {
        return "HaCluster{" + backend + ", " + processCount + " processes}";
    }

    /** One test: its cluster, processes, services and history. */
    private final class Run {
        final ClusterControl control = server.newCluster();
        final LeadershipHistory history = new LeadershipHistory();
        final Recording recording = new Recording(history);
        final HistoryRecorder recorder = new HistoryRecorder(history);
        final ManualTicker ticker = manualTicker ? new ManualTicker() : null;
        final Set<Thread> threadsBefore;
        final Path storage;
        final String clusterId;
        final String test;
        final Map<String, HaServices> processes = Collections.synchronizedMap(new LinkedHashMap<>());
        final Map<String, HaServices> raw = Collections.synchronizedMap(new LinkedHashMap<>());
        final Map<String, PausableSerialExecutor> events = Collections.synchronizedMap(new LinkedHashMap<>());
        final List<AutoCloseable> services = Collections.synchronizedList(new ArrayList<>());

        Run(String test) {
            this.test = test;
            this.threadsBefore = ThreadLeaks.snapshot();
            try {
                this.storage = Files.createTempDirectory("hakit-test-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.clusterId = control.configure(HaConfig.builder().nodeId("probe")).build().clusterId();
        }

        HaServices start(String node) {
            if (processes.containsKey(node)) {
                throw new IllegalArgumentException("a process " + node + " runs already in this test");
            }
            PausableSerialExecutor executor = new PausableSerialExecutor("hakit-test-events-" + node);
            HaConfig.Builder b = HaConfig.builder().nodeId(node).storageDir(storage.resolve(node))
                    .retryPeriod(Duration.ofMillis(100)).operationTimeout(Duration.ofSeconds(3))
                    // a test moves leadership on purpose: keep the flapping alarm out of the way
                    .flappingAlarm(1_000_000, Duration.ofMinutes(1))
                    .eventExecutor(executor);
            if (ticker != null) {
                b.ticker(ticker);
            }
            b = control.configure(b);
            configure.accept(b);
            boolean ours = b.build().eventExecutor().filter(e -> e == executor).isPresent();
            HaServices p;
            try {
                p = control.connect(b);
            } catch (RuntimeException e) {
                executor.close();
                throw e;
            }
            if (ours) {
                events.put(node, executor);
            } else {
                executor.close(); // the test configured an executor of its own: grants cannot be held back
            }
            raw.put(node, p);
            HaServices wrapped = recording.wrap(p);
            processes.put(node, wrapped);
            return wrapped;
        }

        /** Ends the test: closes services and processes, then checks leaks and the history. */
        List<String> finish() {
            List<String> problems = new ArrayList<>();
            closeServices(problems);
            try {
                control.healAll();
            } catch (RuntimeException e) {
                problems.add("healing the partitions failed: " + e);
            }
            closeProcesses(problems);
            // nothing of this test holds a process now: what the garbage collector frees may end its threads
            processes.clear();
            raw.clear();
            events.clear();
            if (checkLeaks) {
                for (String leak : control.leaks(leakBound)) {
                    problems.add("leaked: " + leak);
                }
            }
            control.close();
            if (checkLeaks) {
                for (String leak : ThreadLeaks.leaked(threadsBefore, leakBound, server::outlivesProcesses)) {
                    problems.add("leaked: " + leak);
                }
            }
            deleteStorage();
            if (checkHistory && !history.check().isEmpty()) {
                try {
                    history.assertNoViolations();
                } catch (AssertionError e) {
                    problems.add("the history of " + test + " on " + server.describe() + ", cluster " + clusterId
                            + ":\n" + e.getMessage());
                }
            }
            if (!problems.isEmpty() && problems.stream().allMatch(p -> p.startsWith("leaked: "))) {
                problems.add(0, "after " + test + " on " + server.describe() + ", cluster " + clusterId + ":");
            }
            return problems;
        }

        private void closeServices(List<String> problems) {
            List<AutoCloseable> started;
            synchronized (services) {
                started = new ArrayList<>(services);
                services.clear();
            }
            Collections.reverse(started);
            for (AutoCloseable s : started) {
                try {
                    s.close();
                } catch (Exception e) {
                    problems.add("closing the service " + s + " failed: " + e);
                }
            }
        }

        private void closeProcesses(List<String> problems) {
            List<Map.Entry<String, HaServices>> all;
            synchronized (processes) {
                all = new ArrayList<>(processes.entrySet());
            }
            Collections.reverse(all);
            for (Map.Entry<String, HaServices> e : all) {
                try {
                    e.getValue().close();
                } catch (RuntimeException ex) {
                    problems.add("closing process " + e.getKey() + " failed: " + ex);
                }
            }
            events.values().forEach(PausableSerialExecutor::close);
        }

        void closeQuietly() {
            List<String> ignored = new ArrayList<>();
            closeServices(ignored);
            closeProcesses(ignored);
            control.close();
            deleteStorage();
        }

        private void deleteStorage() {
            try (Stream<Path> paths = Files.walk(storage)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory: what is left is the OS's to clean
            }
        }
    }

    /**
     * Options of an {@link HaCluster}. Not thread-safe; {@link #build()} copies them.
     */
    public static final class Builder {
        private final Backend backend;
        private int processes = 3;
        private boolean manualTicker;
        private Consumer<HaConfig.Builder> configure = b -> { };
        private ApiServer apiServer = ApiServer.AUTO;
        private Duration sessionTimeout = Duration.ofSeconds(4);
        private Duration awaitBound = Duration.ofSeconds(30);
        private boolean checkHistory = true;
        private boolean checkLeaks = true;
        private Duration leakBound = Duration.ofSeconds(10);

        private Builder(Backend backend) {
            this.backend = backend;
        }

        /**
         * How many processes each test starts, {@code p0} to {@code p<n-1>}. Default 3.
         *
         * @param n at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is below 1
         */
        public Builder processes(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("processes must be at least 1, was " + n);
            }
            this.processes = n;
            return this;
        }

        /**
         * Whether every process reads time from one {@link ManualTicker} that only the test moves
         * ({@link HaCluster#ticker()}). Default false. Possible on {@link Backend#EMBEDDED} (the lease of a suspended
         * leader, alarm windows) and {@link Backend#KUBERNETES} (Lease expiry, renew deadlines: a follower takes over
         * a silent leader's Lease only when the test advances the ticker past the lease duration); refused on
         * {@link Backend#ZOOKEEPER}, whose sessions expire on the servers' clocks. Hazard: with a frozen ticker,
         * nothing that waits on time happens until the test advances it; advance it in steps, as time would pass (past
         * a silent leader's renew deadline, so that it steps down, then past the lease), since one jump past both lets
         * the next leader acquire while the old one has not yet stepped down.
         *
         * @param manualTicker whether to use one
         * @return this builder
         */
        public Builder manualTicker(boolean manualTicker) {
            this.manualTicker = manualTicker;
            return this;
        }

        /**
         * Changes each process's configuration after the cluster's own settings (node id, storage directory, the
         * backend's options and test timings: retry period 100 ms, operation timeout 3 s, on Kubernetes a lease of
         * 3 s, renew deadline 2 s, retry period 200 ms). Setting an event executor of one's own keeps
         * {@link HaCluster#grant(HaServices)} from holding back the new leader's grant until the old leader's revoke.
         *
         * @param configure called with each process's builder
         * @return this builder
         */
        public Builder configure(Consumer<HaConfig.Builder> configure) {
            this.configure = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /**
         * Which API server a {@link Backend#KUBERNETES} cluster runs on. Default {@link ApiServer#AUTO}.
         *
         * @param apiServer the API server
         * @return this builder
         */
        public Builder apiServer(ApiServer apiServer) {
            this.apiServer = Objects.requireNonNull(apiServer, "apiServer");
            return this;
        }

        /**
         * The ZooKeeper session timeout the processes ask for. Default 4 s; at least 1 s (the ensemble's smallest).
         * Ignored by the other backends.
         *
         * @param timeout the session timeout
         * @return this builder
         * @throws IllegalArgumentException if below 1 s
         */
        public Builder sessionTimeout(Duration timeout) {
            if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("sessionTimeout must be at least 1 s, was " + timeout);
            }
            this.sessionTimeout = timeout;
            return this;
        }

        /**
         * How long a control method or {@link HaCluster#await()} waits for what it promises before failing. Default
         * 30 s. Hazard: leadership that moves through a session timeout (a partition) needs more than that timeout.
         *
         * @param bound the bound
         * @return this builder
         * @throws IllegalArgumentException if not positive
         */
        public Builder awaitBound(Duration bound) {
            if (bound.isNegative() || bound.isZero()) {
                throw new IllegalArgumentException("awaitBound must be positive, was " + bound);
            }
            this.awaitBound = bound;
            return this;
        }

        /**
         * Whether each test fails when its history shows a violation. Default true. Hazard: off, a service that lets
         * two leaders act at once passes.
         *
         * @param check whether to check
         * @return this builder
         */
        public Builder checkHistory(boolean check) {
            this.checkHistory = check;
            return this;
        }

        /**
         * Whether each test fails when a thread it started, or a session, Lease, ephemeral znode or connection of a
         * process, outlives it. Default true.
         *
         * @param check whether to check
         * @return this builder
         */
        public Builder checkLeaks(boolean check) {
            this.checkLeaks = check;
            return this;
        }

        /**
         * How long the leak check waits for threads to end and for the backend to let go of closed processes. Default
         * 10 s.
         *
         * @param bound the bound
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder leakBound(Duration bound) {
            if (bound.isNegative()) {
                throw new IllegalArgumentException("leakBound must not be negative, was " + bound);
            }
            this.leakBound = bound;
            return this;
        }

        /**
         * The cluster, to register with {@code @RegisterExtension}.
         *
         * @return the cluster
         */
        public HaCluster build() {
            return new HaCluster(this);
        }
    }
}
