package io.hakit.testkit.campaign;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.api.Versioned;
import io.hakit.testkit.PausableSerialExecutor;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.history.CheckOptions;
import io.hakit.testkit.history.LeadershipEvent;
import io.hakit.testkit.history.LeadershipHistory;
import io.hakit.testkit.history.Violation;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A seeded randomized fault campaign: several processes contend for one component and write one key with
 * leader-fenced puts while faults are applied at random, then the recorded {@link LeadershipHistory} is checked.
 *
 * <h2>What a run does</h2>
 * <ol>
 *   <li>Connects {@link Builder#processes(int) 3} processes ({@code node-0}, {@code node-1}, ...) to the
 *   {@link CampaignTarget}, each with its own {@link PausableSerialExecutor} as event executor, under a cluster id
 *   of their own ({@code campaign-<seed>-<run>}: a target that keeps its servers from one run to the next keeps the
 *   runs apart by it), and starts a
 *   {@link TestingContender} on component {@value #COMPONENT} in each. Every contender of process {@code node-i}
 *   records into the history under the name {@code node-i}.
 *   <li>Starts {@link FencedWriters}: each process writes key {@value #KEY} of namespace {@value #NAMESPACE} with its
 *   contender's session while that contender believes it leads, every {@link Builder#writePace(Duration) 10 ms}.
 *   <li>Waits for a first leader, then runs {@link Builder#steps(int) 8} steps. Each step draws, from a
 *   {@link Random} seeded with the run's seed, a fault action, a hold time between the
 *   {@linkplain Builder#hold(Duration, Duration) hold bounds}, and a seed for the action's own choices; it applies the
 *   action and then holds, checking the history all along (a violation ends the steps early). The steps stop early
 *   when the {@linkplain Builder#timeBound(Duration) time bound} has passed.
 *   <li>Drops pending timed faults, resumes every event executor, calls {@link CampaignTarget#heal()}, and waits (up to
 *   {@link CampaignTarget#recoveryTimeout()}) for exactly one contender to lead, with the highest epoch granted so far,
 *   and for one of its fenced writes issued after the heal to be accepted.
 *   <li>Stops the writers and checks.
 * </ol>
 * The actions are the target's {@link CampaignTarget#faults()} plus two of the campaign's own (unless
 * {@link Builder#builtinFaults(boolean) switched off}):
 * <ul>
 *   <li>{@value #CLOSE_LEADER_ELECTION}: the leader closes its election (it is revoked and gives up leadership, as on
 *   a clean shutdown) and contends again at once with a new contender;
 *   <li>{@value #PAUSE_LEADER_EVENTS}: the leader's event executor holds every callback (grant, revoke, connection
 *   state, lease checks) for 0.5 to 2 times the upper hold bound, like a long stop-the-world pause: the process keeps
 *   believing whatever it believed, and its writer keeps writing with that session.
 * </ul>
 *
 * <h2>What is checked</h2>
 * <ul>
 *   <li>the history, with {@link CheckOptions#defaults()} and the grant order checked per contender
 *   ({@link CheckOptions#withGlobalGrantOrder(boolean) withGlobalGrantOrder(false)}, because a paused process records
 *   an old grant late): no epoch granted twice, no epoch going backwards within a process, no stale write accepted,
 *   no write accepted without a grant;
 *   <li>a leader exists again after healing (above);
 *   <li>the final value of the key was written with an epoch that was granted, to the process named in it, and is at
 *   least the highest epoch of any accepted write (a lower one would be a stale write landing after a newer one);
 *   <li>no fenced write threw anything but the documented exceptions, no writer hung, no contender got two callbacks
 *   at once.
 * </ul>
 *
 * <h2>Reproducing</h2>
 * The seed fixes the schedule: the sequence of actions, hold times and every random choice the actions make. Which
 * process is "the leader" when a step runs, and everything the backend does, still depends on timing, so a rerun
 * replays the same faults, not the same interleaving. A failing run's {@link CampaignResult#report()} prints the seed
 * and the schedule as it ran; tests read {@code -D}{@value #SEED_PROPERTY} (see {@link #seedProperty()}) to rerun one.
 *
 * <h2>Threading</h2>
 * {@link #run(CampaignTarget)} blocks its caller for the whole run; a campaign object is immutable and may run several
 * targets one after another.
 */
public final class FaultCampaign {

    /** The system property tests read to rerun one seed: {@code -Dhakit.campaign.seed=<seed>}. */
    public static final String SEED_PROPERTY = "hakit.campaign.seed";
    /** The component every process contends for. */
    public static final String COMPONENT = "campaign";
    /** The state store namespace the writers write into. */
    public static final String NAMESPACE = "campaign";
    /** The key the writers write. */
    public static final String KEY = "owner";
    /** The built-in action: the leader closes its election and contends again. */
    public static final String CLOSE_LEADER_ELECTION = "close-leader-election";
    /** The built-in action: the leader's event executor holds its callbacks for a while. */
    public static final String PAUSE_LEADER_EVENTS = "pause-leader-events";

    private static final Logger LOG = LoggerFactory.getLogger(FaultCampaign.class);
    private static final CheckOptions CHECK = CheckOptions.defaults().withGlobalGrantOrder(false);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final AtomicLong RUNS = new AtomicLong();
    /** How long the end of the steps waits for a timed fault that is running (a server restart, say). */
    private static final Duration TIMER_STOP_BOUND = Duration.ofSeconds(60);

    private final long seed;
    private final int steps;
    private final Duration timeBound;
    private final Duration holdMin;
    private final Duration holdMax;
    private final Duration writePace;
    private final int processes;
    private final Consumer<HaConfig.Builder> configure;
    private final boolean builtinFaults;

    private FaultCampaign(Builder b) {
        this.seed = b.seed;
        this.steps = b.steps;
        this.timeBound = b.timeBound;
        this.holdMin = b.holdMin;
        this.holdMax = b.holdMax;
        this.writePace = b.writePace;
        this.processes = b.processes;
        this.configure = b.configure;
        this.builtinFaults = b.builtinFaults;
    }

    /**
     * A builder with the defaults: a random seed, 8 steps, 60 s, holds of 0.2-1.5 s, 3 processes.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The seed given with {@code -D}{@value #SEED_PROPERTY}, if any. Tests pass it to {@link Builder#seed(long)}
     * to rerun the schedule of a failed run.
     *
     * @return the seed, or empty when the property is not set or blank
     * @throws IllegalArgumentException if the property is set but is not a number
     */
    public static OptionalLong seedProperty() {
        String s = System.getProperty(SEED_PROPERTY);
        if (s == null || s.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SEED_PROPERTY + " must be a number, was '" + s + "'", e);
        }
    }

    /**
     * This campaign's seed.
     *
     * @return the seed every run of this campaign draws its schedule from
     */
    public long seed() {
        return seed;
    }

    /**
     * Runs the campaign on {@code target} (see the class comment), heals the target, and closes the processes it
     * connected; the target itself stays open.
     *
     * @param target the backend to run on; used by this run alone until it returns
     * @return what the run found; {@link CampaignResult#assertPassed()} throws with the report if anything
     * @throws NullPointerException if {@code target} is null
     */
    public CampaignResult run(CampaignTarget target) {
        Objects.requireNonNull(target, "target");
        return new Run(target).execute();
    }

    /** The state of one run. */
    private final class Run implements CampaignView {
        private final CampaignTarget target;
        private final long start = System.nanoTime();
        private final LeadershipHistory history = new LeadershipHistory();
        private final PausableSerialExecutor[] executors = new PausableSerialExecutor[processes];
        private final HaServices[] services = new HaServices[processes];
        private final AtomicReferenceArray<TestingContender> contenders = new AtomicReferenceArray<>(processes);
        private final AtomicReferenceArray<LeaderElection> elections = new AtomicReferenceArray<>(processes);
        private final List<TestingContender> allContenders = new CopyOnWriteArrayList<>();
        private final List<String> schedule = new ArrayList<>();
        private final List<String> violations = new ArrayList<>();
        private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "campaign-timer");
            t.setDaemon(true);
            return t;
        });
        private final String clusterId = "campaign-" + Long.toUnsignedString(seed, 36) + "-" + RUNS.incrementAndGet();
        private FencedWriters writers;
        private Path storage;
        private boolean healed;

        Run(CampaignTarget target) {
            this.target = target;
        }

        CampaignResult execute() {
            int stepsRun = 0;
            long finalEpoch = 0;
            CampaignResult result;
            try {
                storage = Files.createTempDirectory("hakit-campaign-");
                connect();
                stepsRun = runSteps();
                finalEpoch = healAndRecover();
                check();
            } catch (IOException e) {
                violations.add("SETUP_FAILED: " + e);
            } catch (RuntimeException e) {
                violations.add("CAMPAIGN_FAILED: " + e);
                LOG.warn("fault campaign seed {} failed", seed, e);
                if (!healed) {
                    healQuietly();
                }
            } finally {
                // the figures and the dump are of the checked history: closing the processes moves leadership again
                result = new CampaignResult(seed, stepsRun, schedule, violations, history.grants().size(),
                        writers == null ? 0 : writers.accepted(), writers == null ? 0 : writers.refused(),
                        writers == null ? 0 : writers.unknown(), writers == null ? 0 : writers.unavailable(),
                        finalEpoch, Duration.ofNanos(System.nanoTime() - start), history.toString());
                cleanUp();
            }
            return result;
        }

        private void connect() {
            for (int i = 0; i < processes; i++) {
                executors[i] = new PausableSerialExecutor("campaign-events-" + nodeId(i));
                HaConfig.Builder b = HaConfig.builder()
                        .nodeId(nodeId(i))
                        .clusterId(clusterId)
                        .storageDir(storage.resolve(nodeId(i)))
                        .retryPeriod(Duration.ofMillis(100))
                        .operationTimeout(Duration.ofSeconds(3))
                        // a campaign moves leadership on purpose: keep the flapping alarm out of the way
                        .flappingAlarm(1_000_000, Duration.ofMinutes(1))
                        .eventExecutor(executors[i]);
                configure.accept(b);
                services[i] = target.newProcess(b);
            }
            for (int i = 0; i < processes; i++) {
                contend(i);
            }
            List<StateStore> stores = new ArrayList<>();
            for (HaServices s : services) {
                stores.add(s.stateStore(NAMESPACE));
            }
            writers = FencedWriters.start(history, KEY, writePace, stores, contenders::get);
        }

        private void contend(int i) {
            LeaderElection e = services[i].leaderElection(COMPONENT);
            TestingContender c = new TestingContender(nodeId(i), null, history);
            allContenders.add(c);
            elections.set(i, e);
            contenders.set(i, c);
            c.startOn(e);
        }

        private int runSteps() {
            try {
                await("a first leader").atMost(target.recoveryTimeout()).pollInterval(POLL)
                        .until(() -> leader().isPresent());
            } catch (ConditionTimeoutException e) {
                violations.add("NO_FIRST_LEADER: no process was granted within "
                        + target.recoveryTimeout().toMillis() + " ms of starting");
                return 0;
            }
            List<FaultAction> actions = new ArrayList<>();
            if (builtinFaults) {
                actions.add(FaultAction.of(CLOSE_LEADER_ELECTION, (view, random) -> closeLeaderElection(random)));
                actions.add(FaultAction.of(PAUSE_LEADER_EVENTS, (view, random) -> pauseLeaderEvents(random)));
            }
            actions.addAll(target.faults());
            if (actions.isEmpty() && steps > 0) {
                violations.add("NO_FAULTS: the target offers no fault action and the built-in ones are off");
                return 0;
            }
            Random master = new Random(seed);
            int step = 0;
            while (step < steps) {
                if (System.nanoTime() - start > timeBound.toNanos()) {
                    schedule.add(String.format("      +%6d ms time bound of %d ms reached after %d steps", elapsedMs(),
                            timeBound.toMillis(), step));
                    break;
                }
                step++;
                FaultAction action = actions.get(master.nextInt(actions.size()));
                long stepSeed = master.nextLong();
                long hold = holdMin.toMillis()
                        + (long) (master.nextDouble() * (holdMax.toMillis() - holdMin.toMillis()));
                long at = elapsedMs();
                String what;
                try {
                    what = action.apply(this, new Random(stepSeed));
                } catch (Exception e) {
                    what = "could not apply: " + e;
                }
                String line = String.format("%3d  +%6d ms %-22s %s; hold %d ms", step, at, action.name(), what, hold);
                schedule.add(line);
                LOG.info("campaign seed {}: {}", seed, line);
                if (!holdWithoutViolation(Duration.ofMillis(hold))) {
                    schedule.add(String.format("      +%6d ms steps stopped: the history shows a violation",
                            elapsedMs()));
                    break;
                }
            }
            return step;
        }

        private boolean holdWithoutViolation(Duration hold) {
            try {
                await("no violation during the hold").during(hold).atMost(hold.plusSeconds(2))
                        .pollInterval(Duration.ofMillis(100)).until(() -> history.check(CHECK).isEmpty());
                return true;
            } catch (ConditionTimeoutException e) {
                return false;
            }
        }

        private String closeLeaderElection(Random random) {
            int i = leaderOr(random);
            boolean led = contenders.get(i).isLeader();
            elections.get(i).close();
            contend(i);
            return (led ? "leader " : "no leader; ") + nodeId(i) + " closed its election and contends again";
        }

        private String pauseLeaderEvents(Random random) {
            int i = leaderOr(random);
            boolean led = contenders.get(i).isLeader();
            long ms = holdMax.toMillis() / 2 + random.nextInt((int) Math.max(1, holdMax.toMillis() * 3 / 2));
            pauseEvents(i, Duration.ofMillis(ms));
            return (led ? "leader " : "no leader; ") + nodeId(i) + "'s events held for " + ms + " ms";
        }

        private long healAndRecover() {
            stopTimer();
            for (PausableSerialExecutor e : executors) {
                if (e != null) {
                    e.resume();
                }
            }
            schedule.add(String.format("      +%6d ms heal", elapsedMs()));
            healed = true;
            try {
                target.heal();
            } catch (Exception e) {
                violations.add("HEAL_FAILED: " + e);
                return 0;
            }
            long healed = System.nanoTime();
            LeaderSession[] found = new LeaderSession[1];
            try {
                await("a leader with the highest epoch and an accepted write after healing")
                        .atMost(target.recoveryTimeout()).pollInterval(POLL)
                        .until(() -> (found[0] = recovered(healed)) != null);
            } catch (ConditionTimeoutException e) {
                violations.add("NO_LEADER_AFTER_HEAL: within " + target.recoveryTimeout().toMillis()
                        + " ms of healing, no single contender led with the highest epoch granted ("
                        + highestGrant() + ") and had a fenced write accepted; contenders: " + leaders());
                return 0;
            }
            schedule.add(String.format("      +%6d ms recovered: %s leads at epoch %d", elapsedMs(),
                    nodeId(leader().orElse(-1)), found[0].epoch()));
            return found[0].epoch();
        }

        /** The session of the single leader if it holds the highest epoch and wrote after {@code since}; else null. */
        private LeaderSession recovered(long since) {
            LeaderSession only = null;
            for (int i = 0; i < processes; i++) {
                Optional<LeaderSession> s = contenders.get(i).session();
                if (s.isPresent()) {
                    if (only != null) {
                        return null;
                    }
                    only = s.get();
                }
            }
            if (only == null || only.epoch() != highestGrant()) {
                return null;
            }
            OptionalLong wrote = writers.lastAcceptedNanos(only);
            return wrote.isPresent() && wrote.getAsLong() - since > 0 ? only : null;
        }

        private long highestGrant() {
            return history.grants().stream().mapToLong(LeadershipEvent::epoch).max().orElse(0);
        }

        private String leaders() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < processes; i++) {
                TestingContender c = contenders.get(i);
                sb.append(i == 0 ? "" : ", ").append(nodeId(i)).append('=')
                        .append(c.session().map(s -> "leads at " + s.epoch()).orElse("follows"));
            }
            return sb.toString();
        }

        private void check() {
            Duration writerBound = Duration.ofSeconds(30);
            List<String> stuck = writers.stop(writerBound);
            if (!stuck.isEmpty()) {
                violations.add("WRITER_HUNG: " + stuck + " did not stop within " + writerBound.toSeconds()
                        + " s (a fenced write blocked that long)");
            }
            for (String e : writers.errors()) {
                violations.add("WRITE_ERROR: a fenced write threw an undocumented exception: " + e);
            }
            for (Violation v : history.check(CHECK)) {
                violations.add(v.toString());
            }
            for (TestingContender c : allContenders) {
                if (c.maxConcurrentCallbacks() > 1) {
                    violations.add("CONCURRENT_CALLBACKS: " + c.name() + " got " + c.maxConcurrentCallbacks()
                            + " callbacks at once");
                }
            }
            checkFinalValue();
        }

        private void checkFinalValue() {
            List<LeadershipEvent> events = history.events();
            long maxAccepted = events.stream().filter(e -> e.type() == LeadershipEvent.Type.WRITE_ACCEPTED)
                    .mapToLong(LeadershipEvent::epoch).max().orElse(0);
            Optional<Versioned> value = Optional.empty();
            RuntimeException failure = null;
            for (HaServices s : services) {
                try {
                    value = s.stateStore(NAMESPACE).get(KEY);
                    failure = null;
                    break;
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                violations.add("FINAL_READ_FAILED: no process could read " + NAMESPACE + "/" + KEY + ": " + failure);
                return;
            }
            if (value.isEmpty()) {
                if (maxAccepted > 0) {
                    violations.add("FINAL_VALUE: " + NAMESPACE + "/" + KEY + " is missing although writes at epoch "
                            + maxAccepted + " were accepted");
                }
                return;
            }
            byte[] bytes = value.get().value();
            long epoch = FencedWriters.epochOf(bytes);
            String writer = FencedWriters.contenderOf(bytes);
            Optional<LeadershipEvent> grant = events.stream()
                    .filter(e -> e.type() == LeadershipEvent.Type.GRANTED && e.epoch() == epoch)
                    .min(Comparator.comparingLong(LeadershipEvent::sequence));
            if (grant.isEmpty() || !grant.get().contender().equals(writer)) {
                violations.add("FINAL_VALUE: the key holds '" + writer + "@" + epoch + "', but epoch " + epoch
                        + (grant.isEmpty() ? " was never granted" : " was granted to " + grant.get().contender()));
            } else if (epoch < maxAccepted) {
                violations.add("FINAL_VALUE: the key holds a write at epoch " + epoch + " although a write at epoch "
                        + maxAccepted + " was accepted: a stale write landed after a newer one");
            }
        }

        /**
         * Ends the timer: drops the timed faults that have not started and waits, at most {@link #TIMER_STOP_BOUND},
         * for one that is running. It never interrupts a running one: an undo interrupted half-way (a server
         * restart, say) can leave the target worse than the fault did, and ZooKeeper's quorum peer, interrupted while
         * it starts, ends the JVM. Idempotent.
         */
        private void stopTimer() {
            timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            timer.shutdown();
            try {
                if (!timer.awaitTermination(TIMER_STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("campaign seed {}: a timed fault still runs after {}; going on without it", seed,
                            TIMER_STOP_BOUND);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Heals the target after a run that failed before its heal, so that the target can serve the next run. */
        private void healQuietly() {
            healed = true;
            stopTimer();
            try {
                target.heal();
            } catch (Exception e) {
                violations.add("HEAL_FAILED: " + e);
            }
        }

        private void cleanUp() {
            stopTimer();
            if (writers != null) {
                writers.stop(Duration.ofSeconds(30));
            }
            for (PausableSerialExecutor e : executors) {
                if (e != null) {
                    e.resume();
                }
            }
            for (HaServices s : services) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (RuntimeException e) {
                        LOG.warn("closing a campaign process failed", e);
                    }
                }
            }
            for (PausableSerialExecutor e : executors) {
                if (e != null) {
                    e.close();
                }
            }
            deleteQuietly(storage);
        }

        private long elapsedMs() {
            return (System.nanoTime() - start) / 1_000_000;
        }

        private String nodeId(int i) {
            return i < 0 ? "nobody" : "node-" + i;
        }

        // ------------------------------------------------------------------ CampaignView

        @Override
        public int processCount() {
            return processes;
        }

        @Override
        public HaServices process(int index) {
            return services[index];
        }

        @Override
        public OptionalInt leader() {
            int best = -1;
            long bestEpoch = 0;
            for (int i = 0; i < processes; i++) {
                TestingContender c = contenders.get(i);
                Optional<LeaderSession> s = c == null ? Optional.empty() : c.session();
                if (s.isPresent() && s.get().epoch() > bestEpoch) {
                    best = i;
                    bestEpoch = s.get().epoch();
                }
            }
            return best < 0 ? OptionalInt.empty() : OptionalInt.of(best);
        }

        @Override
        public void pauseEvents(int index, Duration duration) {
            PausableSerialExecutor e = executors[index];
            e.pause();
            later(duration, "resume the events of " + nodeId(index), e::resume);
        }

        @Override
        public void later(Duration delay, String what, Runnable undo) {
            Objects.requireNonNull(undo, "undo");
            if (timer.isShutdown()) {
                return;
            }
            timer.schedule(() -> {
                try {
                    undo.run();
                    LOG.info("campaign seed {}: +{} ms {}", seed, elapsedMs(), what);
                } catch (RuntimeException e) {
                    LOG.warn("campaign seed {}: {} failed", seed, what, e);
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** Builds a {@link FaultCampaign}; every setter validates its argument. */
    public static final class Builder {
        private long seed = new Random().nextLong();
        private int steps = 8;
        private Duration timeBound = Duration.ofSeconds(60);
        private Duration holdMin = Duration.ofMillis(200);
        private Duration holdMax = Duration.ofMillis(1500);
        private Duration writePace = Duration.ofMillis(10);
        private int processes = 3;
        private Consumer<HaConfig.Builder> configure = b -> { };
        private boolean builtinFaults = true;

        private Builder() {
        }

        /**
         * The seed of the schedule. Default: a random one (see {@link FaultCampaign#seedProperty()}).
         *
         * @param seed any number; the same seed draws the same actions, holds and choices
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The number of fault steps. Default 8; 0 runs the workload, heals and checks without any fault.
         *
         * @param steps the number of steps, 0 or more
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder steps(int steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("steps must not be negative, was " + steps);
            }
            this.steps = steps;
            return this;
        }

        /**
         * How long the steps may take, from the start of the run; later steps are skipped (healing and checking come
         * on top, bounded by {@link CampaignTarget#recoveryTimeout()}). Default 60 s.
         *
         * @param bound the time the steps may take, positive
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws NullPointerException     if {@code bound} is null
         */
        public Builder timeBound(Duration bound) {
            this.timeBound = positive("timeBound", bound);
            return this;
        }

        /**
         * The bounds of the hold after each step, drawn uniformly. Default 200 ms to 1.5 s. For a session-based
         * backend, holds around the session timeout mix faults that end before it with faults that outlast it.
         *
         * @param min the shortest hold, positive
         * @param max the longest hold, at least {@code min}
         * @return this builder
         * @throws IllegalArgumentException if {@code min} is not positive or {@code max} is below {@code min}
         * @throws NullPointerException     if {@code min} or {@code max} is null
         */
        public Builder hold(Duration min, Duration max) {
            positive("hold min", min);
            positive("hold max", max);
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("hold max (" + max + ") must not be below hold min (" + min + ")");
            }
            this.holdMin = min;
            this.holdMax = max;
            return this;
        }

        /**
         * The pause between two fenced writes of one writer. Default 10 ms.
         *
         * @param pace the pause, positive
         * @return this builder
         * @throws IllegalArgumentException if not positive
         * @throws NullPointerException     if {@code pace} is null
         */
        public Builder writePace(Duration pace) {
            this.writePace = positive("writePace", pace);
            return this;
        }

        /**
         * The number of contending processes. Default 3.
         *
         * @param processes the number of processes, 2 to 9 ({@code node-0} to {@code node-8})
         * @return this builder
         * @throws IllegalArgumentException unless between 2 and 9
         */
        public Builder processes(int processes) {
            if (processes < 2 || processes > 9) {
                throw new IllegalArgumentException("processes must be between 2 and 9, was " + processes);
            }
            this.processes = processes;
            return this;
        }

        /**
         * Adjusts every process's configuration after the campaign's settings (node id, cluster id, storage
         * directory, retry period 100 ms, operation timeout 3 s, event executor) and before the target adds its own:
         * for example a connection-state policy.
         *
         * @param configure called once per process with its builder; it runs on the campaign's thread
         * @return this builder
         * @throws NullPointerException if {@code configure} is null
         */
        public Builder configure(Consumer<HaConfig.Builder> configure) {
            this.configure = Objects.requireNonNull(configure, "configure");
            return this;
        }

        /**
         * Whether the campaign's own actions ({@value FaultCampaign#CLOSE_LEADER_ELECTION},
         * {@value FaultCampaign#PAUSE_LEADER_EVENTS}) are drawn along with the target's. Default true.
         *
         * @param on whether to draw the built-in actions; false leaves only the target's (a run with steps and no
         *           action at all reports {@code NO_FAULTS})
         * @return this builder
         */
        public Builder builtinFaults(boolean on) {
            this.builtinFaults = on;
            return this;
        }

        /**
         * The campaign.
         *
         * @return an immutable campaign with this builder's settings; the builder can be changed and built again
         */
        public FaultCampaign build() {
            return new FaultCampaign(this);
        }

        private static Duration positive(String what, Duration d) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }
    }
}
