package io.hakit.testkit.campaign;

import io.hakit.api.ConnectionState;
import io.hakit.api.ConnectionStateListener;
import io.hakit.api.Counter;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderRetrievalListener;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.api.StoreListener;
import io.hakit.api.Subscription;
import io.hakit.api.Versioned;
import io.hakit.api.alarm.AlarmRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultCampaignTest {

    @Test
    void campaignsOnTheEmbeddedBackendFindNoViolation() {
        for (long seed : new long[] {1, 2, 3}) {
            try (EmbeddedCampaignTarget target = new EmbeddedCampaignTarget(Duration.ofMillis(50),
                    Duration.ofMillis(400))) {
                CampaignResult r = FaultCampaign.builder().seed(seed).steps(6)
                        .hold(Duration.ofMillis(50), Duration.ofMillis(300)).build().run(target);
                r.assertPassed();
                assertThat(r.steps()).isEqualTo(6);
                assertThat(r.schedule()).hasSizeGreaterThanOrEqualTo(6 + 2); // the steps, the heal, the recovery
                assertThat(r.accepted()).isPositive();
                assertThat(r.grants()).isPositive();
                assertThat(r.finalEpoch()).isPositive();
            }
        }
    }

    @Test
    void aSeedFixesTheSchedule() {
        List<String> first = actions(42);
        List<String> second = actions(42);
        assertThat(first).isEqualTo(second).hasSize(5);
        assertThat(actions(43)).isNotEqualTo(first);
    }

    /** Each step's number, action and hold in a run of {@code seed}. */
    private static List<String> actions(long seed) {
        try (EmbeddedCampaignTarget target = new EmbeddedCampaignTarget(Duration.ofMillis(10),
                Duration.ofMillis(20))) {
            CampaignResult r = FaultCampaign.builder().seed(seed).steps(5).builtinFaults(false)
                    .hold(Duration.ofMillis(10), Duration.ofMillis(50)).build().run(target);
            r.assertPassed();
            // step number, action and hold: what the seed fixes (which node leads depends on timing)
            return r.schedule().stream().limit(5)
                    .map(line -> line.replaceAll("^\\s*(\\d+)\\s+\\+\\s*\\d+ ms (\\S+) .*; hold (\\d+) ms$",
                            "$1 $2 $3"))
                    .toList();
        }
    }

    @Test
    void aStoreThatDoesNotFenceIsCaughtAndTheReportNamesTheSeed() {
        try (UnfencedTarget target = new UnfencedTarget()) {
            CampaignResult r = FaultCampaign.builder().seed(7).steps(3).builtinFaults(false)
                    .hold(Duration.ofMillis(400), Duration.ofMillis(500)).build().run(target);
            assertThat(r.passed()).isFalse();
            assertThat(r.violations()).anyMatch(v -> v.startsWith("STALE_WRITE_ACCEPTED"));
            assertThat(r.report()).contains("-Dhakit.campaign.seed=7").contains("depose-paused-leader");
            assertThatThrownBy(r::assertPassed).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("seed 7").hasMessageContaining("STALE_WRITE_ACCEPTED");
        }
    }

    @Test
    void theSameDeposalOnAFencingStoreIsRefused() {
        try (EmbeddedCampaignTarget embedded = new EmbeddedCampaignTarget(Duration.ofMillis(10),
                Duration.ofMillis(20))) {
            CampaignTarget target = new DelegatingTarget(embedded, false);
            CampaignResult r = FaultCampaign.builder().seed(7).steps(3).builtinFaults(false)
                    .hold(Duration.ofMillis(400), Duration.ofMillis(500)).build().run(target);
            r.assertPassed();
            assertThat(r.refused()).isPositive();
        }
    }

    /**
     * Issue 8 item 5: the campaign's timer was ended with {@code shutdownNow()}, which interrupted a timed ZooKeeper
     * restart half-way; the half-started quorum peer then ended the JVM. A timed fault that is running when the steps
     * end must run to its end.
     */
    @Test
    void theCampaignEndsWithoutInterruptingATimedFaultThatIsRunning() {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicBoolean finished = new AtomicBoolean();
        try (EmbeddedCampaignTarget embedded = new EmbeddedCampaignTarget(Duration.ofMillis(10),
                Duration.ofMillis(20))) {
            CampaignTarget target = new DelegatingTarget(embedded, false) {
                @Override
                public List<FaultAction> faults() {
                    return List.of(FaultAction.of("slow-undo", (view, random) -> {
                        view.later(Duration.ZERO, "a slow undo", () -> {
                            started.countDown();
                            try {
                                // stands for a server restart, which takes a while and must not be cut short
                                finished.set(!new CountDownLatch(1).await(1, TimeUnit.SECONDS));
                            } catch (InterruptedException e) {
                                interrupted.set(true);
                            }
                        });
                        return "scheduled a slow undo";
                    }));
                }
            };
            CampaignResult r = FaultCampaign.builder().seed(5).steps(1).builtinFaults(false)
                    .hold(Duration.ofMillis(100), Duration.ofMillis(200)).build().run(target);
            r.assertPassed();
        }
        assertThat(started.getCount()).as("the undo ran while the steps ran").isZero();
        assertThat(interrupted).as("the undo was interrupted").isFalse();
        assertThat(finished).as("the undo ran to its end before the heal").isTrue();
    }

    /**
     * The checker flags a repeated epoch: here the backend loses its epoch history in a step (the floor too, as a
     * restore without it would), so the next grants repeat epochs granted before.
     */
    @Test
    void aRepeatedEpochIsCaught() {
        try (EmbeddedCampaignTarget embedded = new EmbeddedCampaignTarget(Duration.ofMillis(10),
                Duration.ofMillis(20))) {
            CampaignTarget target = new DelegatingTarget(embedded, false) {
                @Override
                public List<FaultAction> faults() {
                    return List.of(FaultAction.of("revoke-and-forget-epochs", (view, random) -> {
                        embedded.backend().revokeLeadership();
                        embedded.backend().revokeLeadership();
                        embedded.backend().deleteEpochHistory();
                        return "revoked twice, then deleted the epoch history";
                    }));
                }
            };
            CampaignResult r = FaultCampaign.builder().seed(11).steps(2).builtinFaults(false)
                    .hold(Duration.ofMillis(300), Duration.ofMillis(400)).build().run(target);
            assertThat(r.passed()).isFalse();
            assertThat(r.violations()).anyMatch(v -> v.startsWith("TWO_HOLDERS_OF_ONE_EPOCH")
                    && v.matches("(?s).*epoch \\d+ was granted twice.*"));
        }
    }

    /** The embedded target's delete-election fault keeps the epoch floor: no epoch repeats. */
    @Test
    void deletingTheEmbeddedElectionNeverRepeatsAnEpoch() {
        try (EmbeddedCampaignTarget embedded = new EmbeddedCampaignTarget(Duration.ofMillis(10),
                Duration.ofMillis(20))) {
            CampaignTarget target = new DelegatingTarget(embedded, false) {
                @Override
                public List<FaultAction> faults() {
                    return embedded.faults().stream().filter(f -> f.name().equals("delete-election")).toList();
                }
            };
            CampaignResult r = FaultCampaign.builder().seed(12).steps(4).builtinFaults(false)
                    .hold(Duration.ofMillis(100), Duration.ofMillis(200)).build().run(target);
            r.assertPassed();
            assertThat(r.schedule()).anyMatch(line -> line.contains("delete-election"));
        }
    }

    @Test
    void theSeedPropertyIsRead() {
        String old = System.getProperty(FaultCampaign.SEED_PROPERTY);
        try {
            System.setProperty(FaultCampaign.SEED_PROPERTY, " 1234 ");
            assertThat(FaultCampaign.seedProperty()).hasValue(1234);
            System.setProperty(FaultCampaign.SEED_PROPERTY, "x");
            assertThatThrownBy(FaultCampaign::seedProperty).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(FaultCampaign.SEED_PROPERTY);
            System.clearProperty(FaultCampaign.SEED_PROPERTY);
            assertThat(FaultCampaign.seedProperty()).isEmpty();
        } finally {
            if (old != null) {
                System.setProperty(FaultCampaign.SEED_PROPERTY, old);
            }
        }
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> FaultCampaign.builder().steps(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultCampaign.builder().processes(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultCampaign.builder().hold(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hold max");
        assertThatThrownBy(() -> FaultCampaign.builder().writePace(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The embedded backend with one fault, deposing a leader that cannot hear it: its events are held, the backend
     * grants the next contender, and the old leader's writer keeps writing with its session. Optionally its stores do
     * not fence (a fenced put is sent as a plain put), the bug a campaign must catch.
     */
    private static class DelegatingTarget implements CampaignTarget {
        final EmbeddedCampaignTarget embedded;
        final boolean unfenced;

        DelegatingTarget(EmbeddedCampaignTarget embedded, boolean unfenced) {
            this.embedded = embedded;
            this.unfenced = unfenced;
        }

        @Override
        public HaServices newProcess(HaConfig.Builder config) {
            HaServices s = embedded.newProcess(config);
            return unfenced ? new UnfencedServices(s) : s;
        }

        @Override
        public List<FaultAction> faults() {
            return List.of(FaultAction.of("depose-paused-leader", (view, random) -> {
                if (view.leader().isEmpty()) {
                    return "nobody leads";
                }
                int i = view.leader().getAsInt();
                view.pauseEvents(i, Duration.ofMillis(300));
                embedded.backend().revokeLeadership();
                return "held node-" + i + "'s events and revoked it in the backend";
            }));
        }

        @Override
        public void heal() {
            embedded.heal();
        }

        @Override
        public Duration recoveryTimeout() {
            return embedded.recoveryTimeout();
        }
    }

    private static final class UnfencedTarget extends DelegatingTarget implements AutoCloseable {
        UnfencedTarget() {
            super(new EmbeddedCampaignTarget(Duration.ofMillis(10), Duration.ofMillis(20)), true);
        }

        @Override
        public void close() {
            embedded.close();
        }
    }

    /** Services whose state stores send fenced writes unfenced. */
    private record UnfencedServices(HaServices d) implements HaServices {
        @Override
        public HaConfig config() {
            return d.config();
        }

        @Override
        public LeaderElection leaderElection(String componentId) {
            return d.leaderElection(componentId);
        }

        @Override
        public Subscription watchLeader(String componentId, LeaderRetrievalListener listener) {
            return d.watchLeader(componentId, listener);
        }

        @Override
        public StateStore stateStore(String namespace) {
            return new UnfencedStore(d.stateStore(namespace));
        }

        @Override
        public void closeAndDeleteAllData() {
            d.closeAndDeleteAllData();
        }

        @Override
        public Counter counter(String name) {
            return d.counter(name);
        }

        @Override
        public Counter counter(String name, long initialValue) {
            return d.counter(name, initialValue);
        }

        @Override
        public int deleteNamespace(String namespace) {
            return d.deleteNamespace(namespace);
        }

        @Override
        public int deleteNamespace(io.hakit.api.LeaderSession session, String namespace) {
            return d.deleteNamespace(session, namespace);
        }

        @Override
        public ConnectionState connectionState() {
            return d.connectionState();
        }

        @Override
        public Subscription addConnectionStateListener(ConnectionStateListener listener) {
            return d.addConnectionStateListener(listener);
        }

        @Override
        public AlarmRegistry alarms() {
            return d.alarms();
        }

        @Override
        public void close() {
            d.close();
        }
    }

    private record UnfencedStore(StateStore d) implements StateStore {
        @Override
        public String namespace() {
            return d.namespace();
        }

        @Override
        public Optional<Versioned> get(String key) {
            return d.get(key);
        }

        @Override
        public List<Versioned> list(String prefix) {
            return d.list(prefix);
        }

        @Override
        public long put(String key, byte[] value, long expectedVersion) {
            return d.put(key, value, expectedVersion);
        }

        @Override
        public long put(LeaderSession session, String key, byte[] value, long expectedVersion) {
            return d.put(key, value, expectedVersion);
        }

        @Override
        public boolean delete(String key, long expectedVersion) {
            return d.delete(key, expectedVersion);
        }

        @Override
        public boolean delete(LeaderSession session, String key, long expectedVersion) {
            return d.delete(key, expectedVersion);
        }

        @Override
        public Subscription watch(String prefix, StoreListener listener) {
            return d.watch(prefix, listener);
        }

        @Override
        public int collectGarbage(Duration minAge) {
            return d.collectGarbage(minAge);
        }
    }
}
