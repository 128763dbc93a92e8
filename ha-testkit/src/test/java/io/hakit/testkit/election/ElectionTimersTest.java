package io.hakit.testkit.election;

import io.hakit.api.ConnectionState;
import io.hakit.api.ConnectionStatePolicy;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.support.CustomBackend;
import io.hakit.testkit.ManualTicker;
import io.hakit.testkit.TestingContender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core's timers driven through the {@link io.hakit.api.Scheduler} seam: with one {@link ManualTicker} as ticker
 * and scheduler and a {@link DrainedExecutor} for the events, every timer fires exactly when the test moves time past
 * it, and never on real time. Nothing here sleeps or polls.
 */
class ElectionTimersTest {

    private static final Duration LEASE = Duration.ofSeconds(15);
    private static final Duration MS = Duration.ofMillis(1);

    @TempDir
    Path storage;

    private final ManualTicker time = new ManualTicker();
    private final DrainedExecutor events = new DrainedExecutor();

    private HaServices start(ScriptedBackend backend, UnaryOperator<HaConfig.Builder> custom) {
        HaConfig config = custom.apply(HaConfig.builder().nodeId("node-a").storageDir(storage).ticker(time)
                .scheduler(time).eventExecutor(events).leaseDuration(LEASE).renewDeadline(Duration.ofSeconds(10))
                .retryPeriod(Duration.ofSeconds(2))).build();
        return CustomBackend.start(config, e -> {
            backend.events = e;
            return backend;
        });
    }

    /** A contender that leads at epoch 1 and whose connection is then SUSPENDED, all events run. */
    private TestingContender suspendedLeader(HaServices services, ScriptedBackend backend) {
        TestingContender contender = new TestingContender("a").startOn(services.leaderElection("dispatcher"));
        events.drain();
        backend.grant(1);
        events.drain();
        backend.events.connectionStateChanged(ConnectionState.SUSPENDED);
        events.drain();
        return contender;
    }

    /** Moves time and runs what the timers handed to the event executor. */
    private void advance(Duration d) {
        time.advance(d);
        events.drain();
    }

    @Test
    void aSuspendedLeaderIsRevokedWhenItsLocalLeaseRunsOutAndNotAMillisecondBefore() {
        ScriptedBackend backend = new ScriptedBackend(Optional.empty());
        try (HaServices services = start(backend, b -> b.connectionStatePolicy(ConnectionStatePolicy.REVOKE_ON_LOSS))) {
            TestingContender contender = suspendedLeader(services, backend);
            assertThat(contender.isLeader()).isTrue();
            advance(LEASE.minus(MS));
            assertThat(contender.revokes()).as("revokes 1 ms before the lease runs out").isZero();
            assertThat(contender.isLeader()).isTrue();

            advance(MS);
            assertThat(contender.revokes()).as("revokes once the lease ran out").isEqualTo(1);
            assertThat(contender.isLeader()).isFalse();
            events.direct();
        }
    }

    @Test
    void theBackendsShorterBoundEndsTheLeaseFirst() {
        Duration bound = Duration.ofSeconds(5);
        ScriptedBackend backend = new ScriptedBackend(Optional.of(bound));
        try (HaServices services = start(backend, b -> b.connectionStatePolicy(ConnectionStatePolicy.REVOKE_ON_LOSS))) {
            TestingContender contender = suspendedLeader(services, backend);

            advance(bound.minus(MS));
            assertThat(contender.revokes()).isZero();
            advance(MS);
            assertThat(contender.revokes()).isEqualTo(1);
            events.direct();
        }
    }

    @Test
    void aReconnectionBeforeTheLeaseRunsOutKeepsTheLeaderAndItsTimerFiresHarmlessly() {
        ScriptedBackend backend = new ScriptedBackend(Optional.empty());
        try (HaServices services = start(backend, b -> b.connectionStatePolicy(ConnectionStatePolicy.REVOKE_ON_LOSS))) {
            TestingContender contender = suspendedLeader(services, backend);
            advance(LEASE.dividedBy(2));
            backend.events.connectionStateChanged(ConnectionState.RECONNECTED);
            events.drain();

            advance(LEASE.multipliedBy(3));
            assertThat(contender.revokes()).isZero();
            assertThat(contender.isLeader()).isTrue();
            events.direct();
        }
    }

    @Test
    void theFlappingAlarmClearsByThePeriodicEvaluationOnceTheWindowHasPassed() {
        ScriptedBackend backend = new ScriptedBackend(Optional.empty());
        Duration window = Duration.ofMinutes(10);
        try (HaServices services = start(backend, b -> b.flappingAlarm(2, window))) {
            new TestingContender("a").startOn(services.leaderElection("dispatcher"));
            events.drain();
            for (int epoch = 1; epoch <= 3; epoch++) {
                backend.grant(epoch);
                events.drain();
                backend.revoke();
                events.drain();
            }
            assertThat(services.alarms().isActive(AlarmType.LEADERSHIP_FLAPPING, "node-a")).isTrue();

            advance(window.minus(Duration.ofSeconds(5)));
            assertThat(services.alarms().isActive(AlarmType.LEADERSHIP_FLAPPING, "node-a")).isTrue();
            // nobody calls evaluate(): only the periodic evaluation, fired by the scheduler, can clear it
            advance(Duration.ofSeconds(10));
            assertThat(services.alarms().isActive(AlarmType.LEADERSHIP_FLAPPING, "node-a")).isFalse();
            events.direct();
        }
    }

    @Test
    void anInjectedSchedulerLeavesNoTimerThreadAndNoTaskAfterClose() {
        ScriptedBackend backend = new ScriptedBackend(Optional.empty());
        try (HaServices services = start(backend, b -> b)) {
            services.leaderElection("dispatcher");
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("hakit-timer-node-a"));
            assertThat(time.pendingTasks()).as("the periodic alarm evaluation").isPositive();
            events.direct();
        }
        // a task that fires after close hands nothing to the closed executor and schedules nothing again
        time.advance(Duration.ofHours(1));
        assertThat(time.pendingTasks()).isZero();
    }
}
