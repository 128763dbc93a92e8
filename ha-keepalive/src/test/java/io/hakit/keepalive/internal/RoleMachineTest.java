package io.hakit.keepalive.internal;

import io.hakit.api.alarm.AlarmType;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.RoleChange;
import io.hakit.testkit.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RoleMachineTest {

    private static final Duration DEAD = Duration.ofSeconds(3);
    private static final Duration ALARM = Duration.ofSeconds(30);

    private final ManualTicker ticker = new ManualTicker();

    /** Records what the machine asks for; the arbiter answers as configured. */
    static final class Recorder implements RoleMachine.Effects {
        final List<RoleChange> changes = new ArrayList<>();
        final List<String> sent = new ArrayList<>();
        final List<String> alarms = new ArrayList<>();
        final List<String> alarmDetails = new ArrayList<>();
        long persisted = -1;
        int arbiterRequests;
        int releases;
        boolean failPersist;

        @Override
        public void sendRoleChange(Role role, long epoch, String reason, boolean wantActive) {
            sent.add("role " + role + " " + epoch + (wantActive ? " want-active" : ""));
        }

        @Override
        public void sendGoodbye(Role role, long epoch, String reason) {
            sent.add("goodbye " + role + " " + epoch);
        }

        @Override
        public void persistEpoch(long epoch) {
            if (failPersist) {
                throw new IllegalStateException("disk full");
            }
            persisted = epoch;
        }

        @Override
        public void roleChanged(RoleChange change) {
            changes.add(change);
        }

        @Override
        public void requestArbiter() {
            arbiterRequests++;
        }

        @Override
        public void releaseArbiter() {
            releases++;
        }

        @Override
        public void alarm(AlarmType type, boolean raise, String detail) {
            alarms.add((raise ? "+" : "-") + type);
            alarmDetails.add(detail);
        }
    }

    /** What the machine of the test's {@link #started} asked for. */
    private final Recorder r = new Recorder();

    private RoleMachine machine(String id, int priority, boolean preempt, long epoch, Recorder r) {
        return new RoleMachine(id, priority, preempt, ticker, DEAD.toNanos(), ALARM.toNanos(), epoch, r);
    }

    /** A started machine reporting to {@link #r}. */
    private RoleMachine started(String id, int priority, boolean preempt, long epoch) {
        RoleMachine m = machine(id, priority, preempt, epoch, r);
        m.start();
        return m;
    }

    /** Node b (priority 100, preempting, epoch 0), started, standing by for node a, heard ACTIVE at {@code epoch}. */
    private RoleMachine standbyHearingActive(long epoch) {
        RoleMachine m = started("b", 100, true, 0);
        m.peerHeard("a", Role.ACTIVE, epoch, 150, true);
        return m;
    }

    @Test
    void thePeersDeadlineIsItsLastHeartbeatOrTheStartPlusTheDeadInterval() {
        RoleMachine m = machine("a", 100, true, 0, new Recorder());
        long start = ticker.read();
        m.start();
        assertThat(m.peerDeadlineNanos()).isEqualTo(start + DEAD.toNanos());
        ticker.advance(Duration.ofMillis(700));
        m.peerHeard("b", Role.ACTIVE, 1, 150, true);
        assertThat(m.peerDeadlineNanos()).isEqualTo(ticker.read() + DEAD.toNanos());
    }

    @Test
    void aLoneNodePromotesAfterTheDeadIntervalThroughTheArbiter() {
        RoleMachine m = started("a", 100, true, 0);
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        ticker.advance(DEAD.minusMillis(1));
        m.tick();
        assertThat(r.arbiterRequests).isZero();
        ticker.advance(Duration.ofMillis(1));
        m.tick();
        m.tick();
        assertThat(r.arbiterRequests).as("one request at a time").isEqualTo(1);
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.ACTIVE);
        assertThat(m.epoch()).isEqualTo(1);
        assertThat(r.persisted).isEqualTo(1);
        assertThat(r.sent).contains("role ACTIVE 1");
    }

    @Test
    void aStandbyNeverPromotesWhileTheActivePeerIsHeard() {
        RoleMachine m = started("b", 100, true, 0);
        for (int i = 0; i < 100; i++) {
            m.peerHeard("a", Role.ACTIVE, 5, 150, true);
            ticker.advance(Duration.ofSeconds(1));
            m.tick();
        }
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        assertThat(r.arbiterRequests).isZero();
        assertThat(r.sent).as("a lower priority does not preempt").noneMatch(s -> s.contains("want-active"));
    }

    @Test
    void silenceOfTheActivePeerPromotesWithAHigherEpochThanItHeld() {
        RoleMachine m = started("b", 100, true, 2);
        m.peerHeard("a", Role.ACTIVE, 7, 150, true);
        ticker.advance(DEAD);
        m.tick();
        assertThat(r.arbiterRequests).isEqualTo(1);
        m.arbiterResult(true, "lease");
        assertThat(m.role()).isEqualTo(Role.ACTIVE);
        assertThat(m.epoch()).isEqualTo(8);
        assertThat(r.changes.get(r.changes.size() - 1).reason()).contains("silent");
    }

    @Test
    void afterItsOwnPauseAStandbyReadsWhatArrivedBeforeItJudgesThePeersSilence() {
        RoleMachine m = standbyHearingActive(1);
        ticker.advance(DEAD);
        m.localPause(Duration.ofMillis(800).toNanos()); // its timer ran 800 ms late: the peer's heartbeats wait unread
        m.tick();
        assertThat(r.arbiterRequests).as("not judged while what arrived is unread").isZero();
        assertThat(m.peerDeadlineNanos()).as("the node checks again once it has run as long as it was away")
                .isEqualTo(ticker.read() + Duration.ofMillis(800).toNanos());
        ticker.advance(Duration.ofMillis(5));
        m.peerHeard("a", Role.ACTIVE, 1, 150, true); // they were there
        ticker.advance(DEAD.minusMillis(1));
        m.tick();
        assertThat(r.arbiterRequests).isZero();
        assertThat(m.role()).isEqualTo(Role.STANDBY);
    }

    @Test
    void aPeerStillSilentAfterThePauseIsTakenOverOnceTheNodeHasRunAsLongAgain() {
        RoleMachine m = standbyHearingActive(1);
        ticker.advance(DEAD);
        m.localPause(Duration.ofMillis(800).toNanos());
        m.tick();
        ticker.advance(Duration.ofMillis(799));
        m.tick();
        assertThat(r.arbiterRequests).isZero();
        ticker.advance(Duration.ofMillis(1));
        m.tick();
        assertThat(r.arbiterRequests).isEqualTo(1);
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.ACTIVE);
    }

    @Test
    void aNodeThatKeepsStallingStillTakesOverADeadPeerWithinTwoDeadIntervals() {
        RoleMachine m = standbyHearingActive(1);
        long heard = ticker.read();
        while (r.arbiterRequests == 0) {
            ticker.advance(Duration.ofMillis(500));
            m.localPause(Duration.ofMillis(500).toNanos()); // every timer runs late: a starved process
            m.tick();
            assertThat(ticker.read() - heard).as("taken over by then").isLessThanOrEqualTo(2 * DEAD.toNanos());
        }
        assertThat(ticker.read() - heard).as("and not before the dead interval").isGreaterThanOrEqualTo(DEAD.toNanos());
    }

    @Test
    void aPauseIsNoReasonToWaitWhenThePeerSaysGoodbyeOrForAnActiveNode() {
        RoleMachine m = standbyHearingActive(3);
        m.localPause(Duration.ofSeconds(1).toNanos());
        m.peerGoodbye(Role.STOPPED, 3, "shutdown");
        assertThat(r.arbiterRequests).as("a goodbye is read, not a silence").isEqualTo(1);
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.ACTIVE);
        long deadline = m.peerDeadlineNanos();
        m.localPause(Duration.ofSeconds(1).toNanos());
        assertThat(m.peerDeadlineNanos()).as("an active node defers nothing").isEqualTo(deadline);
    }

    @Test
    void aRefusingArbiterKeepsTheStandbyStandby() {
        RoleMachine m = standbyHearingActive(1);
        ticker.advance(DEAD);
        m.tick();
        m.arbiterResult(false, "lease held by a");
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        m.tick();
        assertThat(r.arbiterRequests).as("asks again on the next tick").isEqualTo(2);
    }

    @Test
    void thePeerComingBackWhileTheArbiterIsAskedCancelsThePromotion() {
        RoleMachine m = standbyHearingActive(1);
        ticker.advance(DEAD);
        m.tick();
        m.peerHeard("a", Role.ACTIVE, 1, 150, true);
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        assertThat(r.releases).isEqualTo(1);
    }

    @Test
    void aGoodbyeLetsTheStandbyTakeOverAtOnce() {
        RoleMachine m = standbyHearingActive(3);
        m.peerGoodbye(Role.STOPPED, 3, "shutdown");
        assertThat(r.arbiterRequests).isEqualTo(1);
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.ACTIVE);
        assertThat(m.epoch()).isEqualTo(4);
    }

    @Test
    void twoStandbysAgreeTheHigherPriorityPromotes() {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        RoleMachine a = machine("a", 150, true, 0, ra);
        RoleMachine b = machine("b", 100, true, 0, rb);
        a.start();
        b.start();
        a.peerHeard("b", Role.STANDBY, 0, 100, true);
        b.peerHeard("a", Role.STANDBY, 0, 150, true);
        assertThat(ra.arbiterRequests).isEqualTo(1);
        assertThat(rb.arbiterRequests).isZero();
        // equal priority: the lower node id
        Recorder rc = new Recorder();
        RoleMachine c = machine("c", 100, true, 0, rc);
        c.start();
        c.peerHeard("d", Role.STANDBY, 0, 100, true);
        assertThat(rc.arbiterRequests).isEqualTo(1);
    }

    @Test
    void preemptAsksTheLowerPriorityActiveToHandOver() {
        Recorder ra = new Recorder();
        Recorder rb = new Recorder();
        RoleMachine high = machine("a", 150, true, 0, ra);
        RoleMachine low = machine("b", 100, true, 0, rb);
        low.start();
        ticker.advance(DEAD);
        low.tick();
        low.arbiterResult(true, "none");
        assertThat(low.role()).isEqualTo(Role.ACTIVE);

        high.start();
        low.peerHeard("a", Role.STANDBY, 0, 150, true);
        high.peerHeard("b", Role.ACTIVE, low.epoch(), 100, true);
        assertThat(ra.sent).containsExactly("role STANDBY 0 want-active");
        low.peerRoleChange(Role.STANDBY, 0, true, "preempt");
        assertThat(low.role()).isEqualTo(Role.STANDBY);
        high.peerRoleChange(Role.STANDBY, low.epoch(), false, "handing over");
        assertThat(ra.arbiterRequests).isEqualTo(1);
        high.arbiterResult(true, "none");
        assertThat(high.role()).isEqualTo(Role.ACTIVE);
        assertThat(high.epoch()).isGreaterThan(low.epoch());
    }

    @Test
    void aRefusedPreemptRequestIsAskedAgainAfterADeadInterval() {
        Recorder r = new Recorder();
        RoleMachine high = machine("a", 150, true, 0, r);
        high.start();
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        assertThat(r.sent).containsExactly("role STANDBY 0 want-active");
        // the active refused (it still thought us faulty) and keeps beating
        ticker.advance(Duration.ofSeconds(1));
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        assertThat(r.sent).hasSize(1);
        ticker.advance(DEAD);
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        assertThat(r.sent).containsExactly("role STANDBY 0 want-active", "role STANDBY 0 want-active");
    }

    @Test
    void aPeerAnnouncingStandbyIsHealthyForAPreemptRequest() {
        Recorder r = new Recorder();
        RoleMachine low = machine("b", 100, true, 0, r);
        low.start();
        ticker.advance(DEAD);
        low.tick();
        low.arbiterResult(true, "none");
        low.peerHeard("a", Role.FAULT, 0, 150, false);
        low.peerRoleChange(Role.STANDBY, 0, false, "healthy again");
        low.peerRoleChange(Role.STANDBY, 0, true, "preempt");
        assertThat(low.role()).isEqualTo(Role.STANDBY);
    }

    @Test
    void aClosedPreemptGateHoldsThePreemptRequestUntilItOpens() {
        Recorder r = new Recorder();
        RoleMachine high = machine("a", 150, true, 0, r);
        boolean[] holdsFiles = {false};
        high.preemptGate(() -> holdsFiles[0]);
        high.start();
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        ticker.advance(DEAD);
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        assertThat(r.sent).as("no preempt while the gate is closed").isEmpty();
        holdsFiles[0] = true;
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        assertThat(r.sent).containsExactly("role STANDBY 0 want-active");
    }

    @Test
    void aClosedPreemptGateNeverDelaysAFailover() {
        Recorder r = new Recorder();
        RoleMachine high = machine("a", 150, true, 0, r);
        high.preemptGate(() -> false);
        high.start();
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        ticker.advance(DEAD.plusMillis(1)); // the active went silent
        high.tick();
        assertThat(r.arbiterRequests).isEqualTo(1);
        high.arbiterResult(true, "none");
        assertThat(high.role()).isEqualTo(Role.ACTIVE);
    }

    @Test
    void nopreemptLeavesTheActiveAlone() {
        Recorder r = new Recorder();
        RoleMachine high = machine("a", 150, false, 0, r);
        high.start();
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        ticker.advance(Duration.ofSeconds(1));
        high.peerHeard("b", Role.ACTIVE, 4, 100, true);
        assertThat(r.sent).isEmpty();
        assertThat(high.role()).isEqualTo(Role.STANDBY);
    }

    @Test
    void splitBrainTheLowerEpochStepsDownThenPriorityThenNodeId() {
        RoleMachine m = started("a", 150, true, 0);
        ticker.advance(DEAD);
        m.tick();
        m.arbiterResult(true, "none");
        assertThat(m.epoch()).isEqualTo(1);
        // the peer, cut off too, promoted at a higher epoch: we step down though our priority is higher
        m.peerHeard("b", Role.ACTIVE, 2, 100, true);
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        assertThat(r.alarms).containsExactly("+SPLIT_BRAIN", "-SPLIT_BRAIN");
        assertThat(r.releases).isEqualTo(1);

        Recorder r2 = new Recorder();
        RoleMachine winner = machine("a", 150, true, 0, r2);
        winner.start();
        ticker.advance(DEAD);
        winner.tick();
        winner.arbiterResult(true, "none");
        winner.peerHeard("b", Role.ACTIVE, 1, 100, true); // same epoch, lower priority: the peer steps down
        assertThat(winner.role()).isEqualTo(Role.ACTIVE);
        assertThat(winner.splitBrain()).isTrue();
        winner.peerRoleChange(Role.STANDBY, 1, false, "split brain resolved");
        assertThat(winner.splitBrain()).isFalse();
        assertThat(r2.alarms).containsExactly("+SPLIT_BRAIN", "-SPLIT_BRAIN");
    }

    @Test
    void healthFailuresSendTheNodeToFaultAndBack() {
        RoleMachine m = started("a", 150, true, 0);
        ticker.advance(DEAD);
        m.tick();
        m.arbiterResult(true, "none");
        m.healthChanged(false, "disk check failed");
        assertThat(m.role()).isEqualTo(Role.FAULT);
        assertThat(r.releases).isEqualTo(1);
        ticker.advance(DEAD);
        m.tick();
        assertThat(r.arbiterRequests).as("a faulty node never asks to promote").isEqualTo(1);
        m.healthChanged(true, "ok");
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        assertThat(r.arbiterRequests).isEqualTo(2);
    }

    @Test
    void aFaultyPeerLetsTheStandbyTakeOver() {
        RoleMachine m = standbyHearingActive(1);
        m.peerRoleChange(Role.FAULT, 1, false, "health check failed");
        assertThat(r.arbiterRequests).isEqualTo(1);
    }

    @Test
    void anEpochThatCannotBePersistedIsNeverUsed() {
        Recorder r = new Recorder();
        r.failPersist = true;
        RoleMachine m = machine("a", 100, true, 3, r);
        m.start();
        ticker.advance(DEAD);
        m.tick();
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.FAULT);
        assertThat(m.epoch()).isEqualTo(3);
        assertThat(r.releases).isEqualTo(1);
    }

    @Test
    void losingTheArbiterLeaseStepsDown() {
        RoleMachine m = started("a", 100, true, 0);
        ticker.advance(DEAD);
        m.tick();
        m.arbiterResult(true, "lease");
        m.arbiterLost("session expired");
        assertThat(m.role()).isEqualTo(Role.STANDBY);
    }

    @Test
    void heartbeatAlarmAfterThirtySecondsOfSilenceClearedWhenTheyReturn() {
        RoleMachine m = standbyHearingActive(1);
        ticker.advance(ALARM.minusMillis(1));
        m.tick();
        assertThat(r.alarms).doesNotContain("+HEARTBEAT_INTERRUPTED");
        ticker.advance(Duration.ofMillis(1));
        m.tick();
        m.tick();
        assertThat(r.alarms).containsOnlyOnce("+HEARTBEAT_INTERRUPTED");
        m.peerHeard("a", Role.ACTIVE, 1, 150, true);
        assertThat(r.alarms).endsWith("-HEARTBEAT_INTERRUPTED");
    }

    @Test
    void stopSaysGoodbyeAndReleases() {
        RoleMachine m = started("a", 100, true, 0);
        ticker.advance(DEAD);
        m.tick();
        m.arbiterResult(true, "none");
        m.stop("shutdown");
        assertThat(m.role()).isEqualTo(Role.STOPPED);
        assertThat(r.sent).endsWith("goodbye STOPPED 1");
        assertThat(r.releases).isEqualTo(1);
        m.stop("again");
        assertThat(r.changes).hasSize(3);
    }

    // ------------------------------------------------------------------ a failing TLS handshake is not silence

    private static final String UNKNOWN_CA = "unknown CA: the peer's certificate (CN=a) is not signed by our CA";

    @Test
    void aFailingHandshakeKeepsTheStandbyStandbyAndRaisesTheAlarmAtOnceNamingTheCause() {
        RoleMachine m = started("b", 100, true, 0);
        ticker.advance(Duration.ofMillis(100));
        m.peerHandshakeFailed(UNKNOWN_CA, true);
        assertThat(r.alarms).as("raised at once, not after 30 s").containsExactly("+HEARTBEAT_INTERRUPTED");
        assertThat(r.alarmDetails).containsExactly("no heartbeat from the peer: the TLS handshake fails: "
                + UNKNOWN_CA);
        assertThat(m.handshakeProblem()).isEqualTo(UNKNOWN_CA);
        // the peer retries every second for ten dead intervals: it answers, so it is not dead
        for (int i = 0; i < 30; i++) {
            ticker.advance(Duration.ofSeconds(1));
            m.peerHandshakeFailed(UNKNOWN_CA, true);
            m.tick();
        }
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        assertThat(r.arbiterRequests).isZero();
        assertThat(r.alarms).as("one alarm, not one per failure").containsExactly("+HEARTBEAT_INTERRUPTED");
    }

    @Test
    void aStallOfThisNodeIsNoEndOfTheFailures() {
        // a GC pause or a starved CPU: no handshake for a minute, and no sign that the peer's address went quiet
        RoleMachine m = started("b", 100, true, 0);
        m.peerHandshakeFailed(UNKNOWN_CA, true);
        ticker.advance(Duration.ofMinutes(1));
        m.tick();
        assertThat(r.arbiterRequests).isZero();
        assertThat(m.handshakeProblem()).isEqualTo(UNKNOWN_CA);
    }

    @Test
    void onceThePeersAddressStopsAnsweringTheSilentPeerIsTakenOver() {
        // the peer died for real: the next connection is refused
        RoleMachine m = started("b", 100, true, 0);
        ticker.advance(Duration.ofSeconds(5));
        m.peerHandshakeFailed(UNKNOWN_CA, true);
        m.tick();
        assertThat(r.arbiterRequests).isZero();
        m.peerUnreachable();
        assertThat(m.handshakeProblem()).isNull();
        assertThat(r.arbiterRequests).isEqualTo(1);
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.ACTIVE);
        assertThat(r.alarms).as("no heartbeat yet: the alarm stays, with its cause brought up to date")
                .containsExactly("+HEARTBEAT_INTERRUPTED", "+HEARTBEAT_INTERRUPTED");
        assertThat(r.alarmDetails).last().isEqualTo("no heartbeat from the peer for 5000 ms");
    }

    @Test
    void withPromoteOnHandshakeFailureAFailingHandshakeIsSilenceAsBefore() {
        Recorder r = new Recorder();
        RoleMachine m = machine("b", 100, true, 0, r);
        m.promoteOnHandshakeFailure(true);
        m.start();
        for (int i = 0; i < 3; i++) {
            ticker.advance(Duration.ofSeconds(1));
            m.peerHandshakeFailed(UNKNOWN_CA, true);
        }
        assertThat(r.arbiterRequests).isEqualTo(1);
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.ACTIVE);
        assertThat(r.alarmDetails).first().asString().contains(UNKNOWN_CA);
    }

    @Test
    void aHandshakeFailureWhileTheArbiterIsAskedCancelsThePromotion() {
        RoleMachine m = started("b", 100, true, 0);
        ticker.advance(DEAD);
        m.tick();
        assertThat(r.arbiterRequests).isEqualTo(1);
        m.peerHandshakeFailed(UNKNOWN_CA, true);
        m.arbiterResult(true, "none");
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        assertThat(r.releases).isEqualTo(1);
    }

    @Test
    void anActivePeerWhoseHandshakesStartFailingIsNotTakenOver() {
        // the link dropped and every new handshake fails (a certificate replaced by a bad one on one side)
        RoleMachine m = standbyHearingActive(4);
        m.peerDisconnected();
        for (int i = 0; i < 20; i++) {
            ticker.advance(Duration.ofSeconds(1));
            m.peerHandshakeFailed("peer name x where a was expected", true);
            m.tick();
        }
        assertThat(m.role()).isEqualTo(Role.STANDBY);
        assertThat(r.arbiterRequests).isZero();
        assertThat(r.alarmDetails).containsExactly("no heartbeat from a: the TLS handshake fails: peer name x where a "
                + "was expected");
    }

    @Test
    void theAlarmFollowsTheCauseAndClearsWhenThePeerIsHeard() {
        RoleMachine m = started("b", 100, true, 0);
        m.peerHandshakeFailed(UNKNOWN_CA, true);
        m.peerHandshakeFailed(UNKNOWN_CA, true);
        m.peerHandshakeFailed("the peer's certificate (CN=a) expired at 2026-01-01T00:00:00Z", true);
        assertThat(r.alarms).containsExactly("+HEARTBEAT_INTERRUPTED", "+HEARTBEAT_INTERRUPTED");
        assertThat(r.alarmDetails.get(1)).endsWith("expired at 2026-01-01T00:00:00Z");
        m.peerHeard("a", Role.STANDBY, 0, 150, true);
        assertThat(r.alarms).endsWith("-HEARTBEAT_INTERRUPTED");
        assertThat(m.handshakeProblem()).isNull();
    }

    @Test
    void aSlowFirstHandshakeExtendsTheStartUpGraceUntilItEnds() {
        Recorder r = new Recorder();
        RoleMachine m = machine("b", 100, true, 0, r);
        m.awaitFirstContact(Duration.ofSeconds(11).toNanos());
        m.start();
        ticker.advance(DEAD.multipliedBy(2));
        m.tick();
        assertThat(r.arbiterRequests).as("the first handshake has not ended yet").isZero();
        m.peerHandshakeFailed(UNKNOWN_CA, true);
        m.firstContactConcluded();
        ticker.advance(Duration.ofSeconds(3));
        m.tick();
        assertThat(r.arbiterRequests).isZero();
        assertThat(m.role()).isEqualTo(Role.STANDBY);
    }

    @Test
    void theStartUpGraceForTheFirstContactIsBounded() {
        Recorder r = new Recorder();
        RoleMachine m = machine("b", 100, true, 0, r);
        m.awaitFirstContact(Duration.ofSeconds(11).toNanos());
        m.start();
        ticker.advance(Duration.ofSeconds(11).minusMillis(1));
        m.tick();
        assertThat(r.arbiterRequests).isZero();
        ticker.advance(Duration.ofMillis(1));
        m.tick();
        assertThat(r.arbiterRequests).as("a peer that accepts and never answers is silent").isEqualTo(1);
    }

    @Test
    void aRefusedConnectionEndsTheFirstContactAndTheLoneNodePromotesAfterTheDeadInterval() {
        Recorder r = new Recorder();
        RoleMachine m = machine("a", 100, true, 0, r);
        m.awaitFirstContact(Duration.ofSeconds(11).toNanos());
        m.start();
        m.firstContactConcluded();
        ticker.advance(DEAD);
        m.tick();
        assertThat(r.arbiterRequests).isEqualTo(1);
    }

    @Test
    void aCauseNamedHereIsShownRatherThanThePeersAlertWhenBothRefuse() {
        // both refuse each other's certificate: each direction fails on the side that checks first, so this node
        // alternately names the cause and receives the peer's alert; the status and the alarm stay on the cause
        RoleMachine m = started("b", 100, true, 0);
        String alert = "the peer refused the handshake with the TLS alert unknown_ca (...)";
        m.peerHandshakeFailed(alert, false);
        assertThat(m.handshakeProblem()).isEqualTo(alert);
        for (int i = 0; i < 10; i++) {
            ticker.advance(Duration.ofMillis(500));
            m.peerHandshakeFailed(UNKNOWN_CA, true);
            m.peerHandshakeFailed(alert, false);
            assertThat(m.handshakeProblem()).isEqualTo(UNKNOWN_CA);
        }
        assertThat(r.alarmDetails).containsExactly("no heartbeat from the peer: the TLS handshake fails: " + alert,
                "no heartbeat from the peer: the TLS handshake fails: " + UNKNOWN_CA);
        // only the peer's alert goes on: it is shown again once the cause named here is old
        ticker.advance(DEAD.multipliedBy(RoleMachine.NAMED_CAUSE_DEAD_INTERVALS));
        m.peerHandshakeFailed(alert, false);
        assertThat(m.handshakeProblem()).isEqualTo(alert);
    }

    /** a (priority 150, preempt) is active at epoch 1 with b (100) its standby. */
    private RoleMachine activeWithStandby(Recorder r) {
        RoleMachine a = machine("a", 150, true, 0, r);
        a.start();
        ticker.advance(DEAD);
        a.tick();
        a.arbiterResult(true, "none");
        a.peerHeard("b", Role.STANDBY, 0, 100, true);
        assertThat(a.role()).isEqualTo(Role.ACTIVE);
        return a;
    }

    @Test
    void aSwitchoverHandsOverAndTheHigherPriorityDoesNotTakeTheRoleStraightBack() {
        Recorder r = new Recorder();
        RoleMachine a = activeWithStandby(r);
        assertThat(a.switchover("operator")).isNull();
        assertThat(a.role()).isEqualTo(Role.STANDBY);
        assertThat(a.eligible()).as("its heartbeats say it will not take the role").isFalse();
        assertThat(a.operatorState()).contains("switchover");
        // the peer promotes and says so; a does not preempt although its priority is higher
        a.peerRoleChange(Role.ACTIVE, 2, false, "peer a is a standby that will not take the active role");
        for (int i = 0; i < 10; i++) {
            ticker.advance(Duration.ofSeconds(1));
            a.peerHeard("b", Role.ACTIVE, 2, 100, true);
            a.tick();
        }
        assertThat(r.sent).noneMatch(x -> x.contains("want-active"));
        assertThat(a.eligible()).isTrue();
        assertThat(a.operatorState()).contains("preempt suspended");
        // once b stops being active, a is an ordinary node of higher priority again
        a.peerGoodbye(Role.STANDBY, 2, "stopped");
        assertThat(a.operatorState()).isEqualTo("-");
    }

    @Test
    void aFormerActiveThatTakesOverAgainAfterTheNewActiveDiesNoLongerSaysItHoldsBack() {
        Recorder r = new Recorder();
        RoleMachine a = activeWithStandby(r);
        assertThat(a.switchover("operator")).isNull();
        a.peerRoleChange(Role.ACTIVE, 2, false, "peer a is a standby that will not take the active role");
        a.peerHeard("b", Role.ACTIVE, 2, 100, true);
        assertThat(a.operatorState()).contains("preempt suspended");
        // b is killed: a hears nothing, takes over after the dead interval
        ticker.advance(DEAD.plusSeconds(1));
        a.tick();
        a.arbiterResult(true, "none");
        assertThat(a.role()).isEqualTo(Role.ACTIVE);
        assertThat(a.operatorState()).isEqualTo("-");
    }

    @Test
    void aSwitchoverNeedsAnActiveNodeAndAnEligibleStandbyPeer() {
        Recorder r = new Recorder();
        RoleMachine b = machine("b", 100, true, 0, r);
        b.start();
        b.peerHeard("a", Role.ACTIVE, 1, 150, true);
        assertThat(b.switchover("operator")).contains("not ACTIVE");
        RoleMachine a = activeWithStandby(new Recorder());
        a.peerHeard("b", Role.FAULT, 0, 100, false);
        assertThat(a.switchover("operator")).contains("cannot take the active role");
        assertThat(a.role()).isEqualTo(Role.ACTIVE);
        ticker.advance(DEAD.plusSeconds(1));
        a.tick();
        assertThat(a.switchover("operator")).contains("not heard");
    }

    @Test
    void theLowerPriorityPeerTakesOverFromAStandbyThatIsNotEligible() {
        Recorder r = new Recorder();
        RoleMachine b = machine("b", 100, true, 0, r);
        b.start();
        b.peerHeard("a", Role.ACTIVE, 1, 150, true);
        // a hands over: its role change, then its heartbeats saying it will not take the role
        b.peerRoleChange(Role.STANDBY, 1, false, "switchover");
        b.peerHeard("a", Role.STANDBY, 1, 150, false);
        assertThat(r.arbiterRequests).isEqualTo(1);
        b.arbiterResult(true, "none");
        assertThat(b.role()).isEqualTo(Role.ACTIVE);
        assertThat(r.changes.get(r.changes.size() - 1).reason()).contains("will not take the active role");
    }

    @Test
    void maintenanceHandsOverAndNeverTakesTheActiveRoleEvenWhenThePeerDies() {
        Recorder r = new Recorder();
        RoleMachine a = activeWithStandby(r);
        a.maintenance(true, "operator");
        assertThat(a.role()).isEqualTo(Role.STANDBY);
        assertThat(a.eligible()).isFalse();
        ticker.advance(DEAD.multipliedBy(3));
        a.tick();
        assertThat(a.role()).as("in maintenance even a lone node stays standby").isEqualTo(Role.STANDBY);
        int requests = r.arbiterRequests;
        a.maintenance(false, "operator");
        a.tick();
        assertThat(r.arbiterRequests).as("out of maintenance, a lone node promotes").isEqualTo(requests + 1);
    }
}
