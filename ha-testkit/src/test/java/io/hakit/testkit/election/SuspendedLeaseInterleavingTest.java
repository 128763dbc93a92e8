package io.hakit.testkit.election;

import io.hakit.api.ConnectionState;
import io.hakit.api.ConnectionStatePolicy;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.support.CustomBackend;
import io.hakit.testkit.ManualTicker;
import io.hakit.testkit.TestingContender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Interleaves connection events, grants, revokes and the passing of time in every order, on a {@link ManualTicker}
 * and a scripted backend, and checks after every step that the process never believes it leads past its lease:
 * under REVOKE_ON_SUSPEND not while suspended; under REVOKE_ON_LOSS not once the suspension's deadline
 * {@code min(suspension + lease-duration, suspension + the backend's bound)} has passed, whether the grant came before
 * or during the suspension (issue 10: a grant handled while SUSPENDED never got a lease, and the process led until
 * LOST), and not again after a reconnection that came too late. "Believes" is what the API answers:
 * {@code currentSession}, {@code hasLeadership}, {@code confirmLeadership}, and the local half of a fenced write. A
 * grant handled after the deadline must not reach the contender.
 *
 * <p>Timed checks run on real time; this test never waits for them: the answers above must be right from the ticker
 * alone.
 */
class SuspendedLeaseInterleavingTest {

    private static final Duration LEASE = Duration.ofSeconds(15);
    private static final Duration TICK = Duration.ofSeconds(8);
    private static final List<Optional<Duration>> BOUNDS = List.of(Optional.empty(), Optional.of(Duration.ofSeconds(5)));
    private static final List<ConnectionStatePolicy> POLICIES = List.of(ConnectionStatePolicy.REVOKE_ON_SUSPEND,
            ConnectionStatePolicy.REVOKE_ON_LOSS);

    @TempDir
    Path storage;

    enum Step { SUSPEND, RECONNECT, LOSE, GRANT, REVOKE, TICK }

    @Test
    void everySequenceOfFourStepsUnderBothPoliciesAndTwoSessionBounds() {
        Step[] steps = Step.values();
        int n = steps.length;
        int runs = 0;
        for (ConnectionStatePolicy policy : POLICIES) {
            for (Optional<Duration> bound : BOUNDS) {
                for (int code = 0; code < n * n * n * n; code++) {
                    List<Step> seq = new ArrayList<>();
                    for (int i = 0, c = code; i < 4; i++, c /= n) {
                        seq.add(steps[c % n]);
                    }
                    // a leader at the start, so that every sequence also covers a leadership held into a suspension
                    List<Step> withLeader = new ArrayList<>(List.of(Step.GRANT));
                    withLeader.addAll(seq);
                    run(policy, bound, withLeader, i -> TICK);
                    run(policy, bound, seq, i -> TICK);
                    runs += 2;
                }
            }
        }
        org.assertj.core.api.Assertions.assertThat(runs).isEqualTo(2 * 2 * 2 * n * n * n * n);
    }

    @Test
    void threeHundredRandomLongerSequences() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        Duration[] ticks = {Duration.ofMillis(1), Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(8),
            Duration.ofSeconds(16)};
        for (int r = 0; r < 300; r++) {
            ConnectionStatePolicy policy = POLICIES.get(random.nextInt(2));
            Optional<Duration> bound = BOUNDS.get(random.nextInt(2));
            List<Step> seq = new ArrayList<>();
            int len = 6 + random.nextInt(15);
            for (int i = 0; i < len; i++) {
                seq.add(Step.values()[random.nextInt(Step.values().length)]);
            }
            List<Duration> tickOf = new ArrayList<>();
            for (int i = 0; i < len; i++) {
                tickOf.add(ticks[random.nextInt(ticks.length)]);
            }
            try {
                run(policy, bound, seq, tickOf::get);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + ", run " + r + ": " + e.getMessage(), e);
            }
        }
    }


    private void run(ConnectionStatePolicy policy, Optional<Duration> bound, List<Step> seq,
            java.util.function.IntFunction<Duration> tick) {
        ManualTicker ticker = new ManualTicker();
        DrainedExecutor executor = new DrainedExecutor();
        ScriptedBackend backend = new ScriptedBackend(bound);
        HaConfig config = HaConfig.builder().nodeId("node-a").storageDir(storage).ticker(ticker)
                .eventExecutor(executor).connectionStatePolicy(policy).leaseDuration(LEASE)
                .renewDeadline(Duration.ofSeconds(10)).retryPeriod(Duration.ofSeconds(2)).build();
        String where = policy == ConnectionStatePolicy.REVOKE_ON_LOSS ? "REVOKE_ON_LOSS" : "REVOKE_ON_SUSPEND";
        where += ", bound " + bound.map(Duration::toString).orElse("none") + ", steps " + seq;
        try (HaServices services = CustomBackend.start(config, events -> {
            backend.events = events;
            return backend;
        })) {
            LeaderElection election = services.leaderElection("dispatcher");
            TestingContender contender = new TestingContender("a").startOn(election);
            executor.drain();
            ConnectionState state = ConnectionState.CONNECTED;
            long deadline = Long.MAX_VALUE; // of the current suspension, REVOKE_ON_LOSS only
            boolean ranOut = false; // the lease ran out during this suspension
            long epoch = 0;
            for (int i = 0; i < seq.size(); i++) {
                Step step = seq.get(i);
                boolean suspended = state == ConnectionState.SUSPENDED;
                long grantsBefore = contender.grants();
                boolean afterDeadline = false;
                switch (step) {
                    case SUSPEND:
                        if (state.isConnected()) {
                            state = ConnectionState.SUSPENDED;
                            long lease = Math.min(LEASE.toNanos(), bound.map(Duration::toNanos).orElse(Long.MAX_VALUE));
                            deadline = ticker.read() + lease;
                            ranOut = false;
                            backend.events.connectionStateChanged(state);
                        }
                        break;
                    case RECONNECT:
                        if (!state.isConnected()) {
                            state = ConnectionState.RECONNECTED;
                            backend.events.connectionStateChanged(state);
                        }
                        break;
                    case LOSE:
                        if (suspended) {
                            state = ConnectionState.LOST;
                            backend.events.connectionStateChanged(state);
                        }
                        break;
                    case GRANT:
                        afterDeadline = suspended && ticker.read() >= deadline;
                        backend.grant(++epoch);
                        break;
                    case REVOKE:
                        backend.revoke();
                        break;
                    case TICK:
                        ticker.advance(tick.apply(i));
                        break;
                    default:
                        throw new IllegalStateException();
                }
                executor.drain();
                if (state == ConnectionState.SUSPENDED && ticker.read() >= deadline) {
                    ranOut = true;
                }
                String at = where + ", after step " + i + " (" + step + "), ticker " + ticker;
                if (step == Step.GRANT && afterDeadline && policy == ConnectionStatePolicy.REVOKE_ON_LOSS) {
                    org.assertj.core.api.Assertions.assertThat(contender.grants())
                            .as("a grant handled after the suspension's deadline was delivered; %s", at)
                            .isEqualTo(grantsBefore);
                }
                boolean mayLead;
                if (state == ConnectionState.LOST) {
                    mayLead = false;
                } else if (state == ConnectionState.SUSPENDED) {
                    mayLead = policy == ConnectionStatePolicy.REVOKE_ON_LOSS && !ranOut;
                } else {
                    mayLead = true;
                }
                if (!mayLead) {
                    assertDoesNotLead(services, election, contender, at);
                }
                if (step == Step.RECONNECT && ranOut && policy == ConnectionStatePolicy.REVOKE_ON_LOSS) {
                    // a reconnection after the lease ran out does not revive the leadership held through it
                    assertDoesNotLead(services, election, contender, at + " (reconnected after the lease ran out)");
                }
                if (state.isConnected()) {
                    ranOut = false;
                    deadline = Long.MAX_VALUE;
                }
            }
            executor.direct();
        }
    }

    private static void assertDoesNotLead(HaServices services, LeaderElection election, TestingContender contender,
            String at) {
        org.assertj.core.api.Assertions.assertThat(election.currentSession()).as("currentSession; %s", at).isEmpty();
        Optional<LeaderSession> believed = contender.session();
        if (believed.isPresent()) {
            LeaderSession s = believed.get();
            org.assertj.core.api.Assertions.assertThat(election.hasLeadership(s)).as("hasLeadership; %s", at)
                    .isFalse();
            org.assertj.core.api.Assertions.assertThat(election.confirmLeadership(s, "addr"))
                    .as("confirmLeadership; %s", at).isFalse();
            assertThatThrownBy(() -> services.stateStore("ns").put(s, "k", new byte[1], StateStore.ANY))
                    .as("fenced write; %s", at).isInstanceOf(LeadershipLostException.class);
        }
    }

}
