package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.testkit.campaign.FaultCampaign;
import io.hakit.testkit.history.CheckOptions;
import io.hakit.testkit.history.LeadershipHistory;
import io.hakit.testkit.history.Violation;
import io.hakit.testkit.junit.internal.Waits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * A seeded fault campaign against the user's own service, in one test of an {@link HaCluster}: the service runs on
 * every process while leadership is moved and faults are injected through the cluster's {@link LeadershipControl},
 * and what the service recorded ({@link ProcessRecorder}) is checked all along and at the end.
 *
 * <pre>{@code
 * @Test
 * void survivesACampaign() {
 *     cluster.runCampaign((process, recorder) -> new Scheduler(process, recorder));
 * }
 * }</pre>
 *
 * <h2>What a run does</h2>
 * <ol>
 *   <li>prints the seed (and how to replay it), starts the service on every process and waits for a first leader;
 *   <li>runs {@link Builder#steps(int) 8 steps}; each draws from a {@link Random} seeded with the seed one
 *   {@link Fault}, a hold time between the {@link Builder#hold(Duration, Duration) hold bounds} and a seed for the
 *   fault's own choices (which process), applies the fault, and holds while checking the history (a violation ends
 *   the steps);
 *   <li>heals every partition, waits for a leader, closes the services, and checks the history: no two leaders acting
 *   at once, no stale write landing, no epoch granted twice or going backwards within a process.
 * </ol>
 *
 * <h2>Replaying</h2>
 * The seed fixes the schedule: the faults, holds and choices. Which process leads when a step runs still depends on
 * timing, so a rerun replays the same faults, not the same interleaving. Rerun one with {@link Builder#seed(long)}
 * or {@code -Dhakit.campaign.seed=<seed>}; the {@link Result#report() report} starts with the seed.
 */
public final class ServiceCampaign {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceCampaign.class);
    /** Grants are checked per process: a process may record a grant late, after a newer one elsewhere. */
    private static final CheckOptions CHECK = CheckOptions.defaults().withGlobalGrantOrder(false);

    /** The faults a step may apply. */
    public enum Fault {
        /** The leader (or, without one, a random process) loses leadership ({@link LeadershipControl#revoke}). */
        REVOKE_LEADER,
        /** A random contender other than the leader is granted ({@link LeadershipControl#grant}). */
        GRANT_ANOTHER,
        /** The leader's (or a random process's) session expires ({@link LeadershipControl#expireSession}). */
        EXPIRE_SESSION,
        /** The leader (or a random process) is cut off for the step's hold, then healed. */
        PARTITION
    }

    private ServiceCampaign() {
    }

    /** A campaign's options; {@link #run()} runs it. Not thread-safe. */
    public static final class Builder {
        private final HaCluster cluster;
        private final ServiceFactory<?> factory;
        private long seed = FaultCampaign.seedProperty().orElse(new Random().nextLong());
        private int steps = 8;
        private Duration holdMin = Duration.ofMillis(100);
        private Duration holdMax = Duration.ofMillis(600);
        private Set<Fault> faults = EnumSet.allOf(Fault.class);

        Builder(HaCluster cluster, ServiceFactory<?> factory) {
            this.cluster = cluster;
            this.factory = Objects.requireNonNull(factory, "factory");
        }

        /**
         * The seed. Default: {@code -Dhakit.campaign.seed} if set, else random.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * How many fault steps. Default 8.
         *
         * @param steps at least 1
         * @return this builder
         * @throws IllegalArgumentException if below 1
         */
        public Builder steps(int steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be at least 1, was " + steps);
            }
            this.steps = steps;
            return this;
        }

        /**
         * How long each step holds after its fault (drawn between the bounds). Default 100-600 ms.
         *
         * @param min the shortest hold
         * @param max the longest hold, at least {@code min}
         * @return this builder
         * @throws IllegalArgumentException if {@code min} is negative or above {@code max}
         */
        public Builder hold(Duration min, Duration max) {
            if (min.isNegative() || min.compareTo(max) > 0) {
                throw new IllegalArgumentException("hold bounds must satisfy 0 <= min <= max, were " + min + ", "
                        + max);
            }
            this.holdMin = min;
            this.holdMax = max;
            return this;
        }

        /**
         * The faults steps draw from. Default all of {@link Fault}.
         *
         * @param faults at least one
         * @return this builder
         * @throws IllegalArgumentException if empty
         */
        public Builder faults(Set<Fault> faults) {
            if (faults.isEmpty()) {
                throw new IllegalArgumentException("a campaign needs at least one fault");
            }
            this.faults = EnumSet.copyOf(faults);
            return this;
        }

        /**
         * Runs the campaign in the current test and prints its report.
         *
         * @return the result; {@link Result#assertPassed()} fails the test if it found anything
         * @throws IllegalStateException outside a test
         */
        public Result run() {
            return new Run(this).execute();
        }
    }

    /** One run. */
    private static final class Run {
        private final Builder b;
        private final HaCluster cluster;
        private final LeadershipHistory history;
        private final List<Fault> faults;
        private final List<String> schedule = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();
        private final long start = System.nanoTime();

        Run(Builder b) {
            this.b = b;
            this.cluster = b.cluster;
            this.history = cluster.recorder().history();
            this.faults = new ArrayList<>(b.faults);
        }

        Result execute() {
            String header = "fault campaign seed " + b.seed + " on " + cluster.describe() + " (replay: -D"
                    + FaultCampaign.SEED_PROPERTY + "=" + b.seed + ")";
            System.out.println(header);
            List<AutoCloseable> services = new ArrayList<>();
            try {
                for (HaServices p : cluster.processes()) {
                    services.add(b.factory.start(p, cluster.recorder().of(p)));
                }
                steps();
                recover();
            } catch (Exception e) {
                problems.add("CAMPAIGN_FAILED: " + e);
            } finally {
                try {
                    cluster.healAll();
                } catch (RuntimeException e) {
                    problems.add("HEAL_FAILED: " + e);
                }
                Collections.reverse(services);
                for (AutoCloseable s : services) {
                    try {
                        s.close();
                    } catch (Exception e) {
                        problems.add("SERVICE_CLOSE_FAILED: " + s + ": " + e);
                    }
                }
            }
            List<Violation> violations = history.check(CHECK);
            violations.forEach(v -> problems.add(v.toString()));
            Result result = new Result(b.seed, schedule, problems, history.toString(),
                    Duration.ofNanos(System.nanoTime() - start));
            System.out.println(result.report());
            return result;
        }

        private long elapsedMs() {
            return (System.nanoTime() - start) / 1_000_000;
        }

        private void steps() {
            cluster.await().leader();
            Random master = new Random(b.seed);
            for (int step = 1; step <= b.steps; step++) {
                Fault fault = faults.get(master.nextInt(faults.size()));
                Random random = new Random(master.nextLong());
                long hold = b.holdMin.toMillis()
                        + (long) (master.nextDouble() * (b.holdMax.toMillis() - b.holdMin.toMillis()));
                long at = elapsedMs();
                HaServices healAfter = null;
                String what;
                try {
                    List<HaServices> all = cluster.processes();
                    HaServices any = all.get(random.nextInt(all.size()));
                    HaServices target = cluster.leader().orElse(any);
                    switch (fault) {
                        case REVOKE_LEADER:
                            cluster.revoke(target);
                            what = "revoked " + name(target);
                            break;
                        case GRANT_ANOTHER: {
                            List<HaServices> others = new ArrayList<>();
                            for (String n : cluster.recording().contenders()) {
                                if (!n.equals(name(target))) {
                                    others.add(cluster.process(n));
                                }
                            }
                            if (others.isEmpty()) {
                                what = "nobody else contends";
                            } else {
                                HaServices next = others.get(random.nextInt(others.size()));
                                cluster.grant(next);
                                what = "granted " + name(next);
                            }
                            break;
                        }
                        case EXPIRE_SESSION:
                            cluster.expireSession(target);
                            what = "expired the session of " + name(target);
                            break;
                        case PARTITION:
                            cluster.partition(target);
                            healAfter = target;
                            what = "cut off " + name(target) + " for the hold";
                            break;
                        default:
                            throw new IllegalStateException("unknown fault " + fault);
                    }
                } catch (RuntimeException e) {
                    what = "could not apply: " + e.getMessage();
                }
                String line = String.format("%3d  +%6d ms %-14s %s; hold %d ms", step, at, fault, what, hold);
                schedule.add(line);
                LOG.debug("campaign seed {}: {}", b.seed, line);
                boolean violated = Waits.until(Duration.ofMillis(hold), () -> !history.check(CHECK).isEmpty());
                if (healAfter != null) {
                    cluster.heal(healAfter);
                }
                if (violated) {
                    schedule.add(String.format("      +%6d ms steps stopped: the history shows a violation",
                            elapsedMs()));
                    return;
                }
            }
        }

        private void recover() {
            cluster.healAll();
            schedule.add(String.format("      +%6d ms heal", elapsedMs()));
            try {
                HaServices leader = cluster.await().leader();
                schedule.add(String.format("      +%6d ms recovered: %s leads", elapsedMs(), name(leader)));
            } catch (AssertionError e) {
                problems.add("NO_LEADER_AFTER_HEAL: " + e.getMessage());
            }
        }

        private static String name(HaServices p) {
            return p.config().nodeId();
        }
    }

    /** What a campaign found. Immutable. */
    public static final class Result {
        private final long seed;
        private final List<String> schedule;
        private final List<String> problems;
        private final String history;
        private final Duration took;

        Result(long seed, List<String> schedule, List<String> problems, String history, Duration took) {
            this.seed = seed;
            this.schedule = List.copyOf(schedule);
            this.problems = List.copyOf(problems);
            this.history = history;
            this.took = took;
        }

        /**
         * The seed, which replays the schedule.
         *
         * @return the seed
         */
        public long seed() {
            return seed;
        }

        /**
         * Whether nothing was found.
         *
         * @return true if the campaign passed
         */
        public boolean passed() {
            return problems.isEmpty();
        }

        /**
         * What was found: history violations and failures of the run itself.
         *
         * @return one line each, empty if it passed
         */
        public List<String> problems() {
            return problems;
        }

        /**
         * The steps as they ran.
         *
         * @return one line per step and event
         */
        public List<String> schedule() {
            return schedule;
        }

        /**
         * The seed, the schedule, what was found and, if anything was, the timeline.
         *
         * @return the report
         */
        public String report() {
            StringBuilder sb = new StringBuilder("fault campaign seed ").append(seed).append(": ")
                    .append(passed() ? "passed" : problems.size() + " problem(s)").append(" in ")
                    .append(took.toMillis()).append(" ms (replay: -D").append(FaultCampaign.SEED_PROPERTY).append('=')
                    .append(seed).append(")\n");
            schedule.forEach(l -> sb.append(l).append('\n'));
            problems.forEach(p -> sb.append("  ").append(p).append('\n'));
            if (!passed()) {
                sb.append(history);
            }
            return sb.toString();
        }

        /**
         * Throws if the campaign found anything.
         *
         * @throws AssertionError with the {@link #report()}
         */
        public void assertPassed() {
            if (!passed()) {
                throw new AssertionError(report());
            }
        }

        @Override
        public String toString() {
            return "ServiceCampaign.Result{seed=" + seed + ", " + (passed() ? "passed" : problems) + "}";
        }
    }
}
