package io.hakit.testkit.contract;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.testkit.PausableSerialExecutor;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.TestingRetrievalListener;
import io.hakit.testkit.history.LeadershipHistory;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The leader-election contract every backend passes: one leader among many, revoke on close and shutdown,
 * failover, strictly increasing epochs, no effect of stale sessions, serial callbacks.
 */
public abstract class LeaderElectionContractTest extends ContractTestBase {

    /**
     * For a backend's test class, which extends this suite and implements {@link #createCluster()}; JUnit makes one
     * instance per test. Nothing is connected until a test runs.
     */
    public LeaderElectionContractTest() {
    }

    private static final String COMPONENT = "dispatcher";

    @Test
    void oneLeaderAmongNContenders() {
        List<TestingContender> contenders = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            contenders.add(contend(process("node-" + i), COMPONENT));
        }
        TestingContender leader = awaitSingleLeader(contenders);
        assertThat(epochOf(leader)).isPositive();
        // and it stays that way: nobody else is granted while the leader holds on
        for (int i = 0; i < 50; i++) {
            assertThat(leaders(contenders)).containsExactly(leader);
        }
        assertThat(contenders).allSatisfy(c -> assertThat(c.grants()).isLessThanOrEqualTo(1));
    }

    @Test
    void allComponentsOfAProcessShareItsLeadership() {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        TestingContender a1 = contend(a, "dispatcher");
        TestingContender a2 = contend(a, "resourcemanager");
        TestingContender b1 = contend(b, "dispatcher");
        TestingContender b2 = contend(b, "resourcemanager");
        await().atMost(TIMEOUT).until(() -> (a1.isLeader() && a2.isLeader()) || (b1.isLeader() && b2.isLeader()));
        TestingContender x = a1.isLeader() ? a1 : b1;
        TestingContender y = a1.isLeader() ? a2 : b2;
        assertThat(epochOf(x)).isEqualTo(epochOf(y));
        assertThat(x.session()).isEqualTo(y.session());
    }

    @Test
    void revokeIsDeliveredBeforeCloseReturns() {
        HaServices a = process("node-a");
        LeaderElection election = a.leaderElection(COMPONENT);
        TestingContender c = new TestingContender("a", address(a), null).startOn(election);
        LeaderSession s = c.awaitGrant(TIMEOUT);
        assertThat(election.hasLeadership(s)).isTrue();

        election.close();

        assertThat(c.revokes()).isEqualTo(1);
        assertThat(c.isLeader()).isFalse();
        assertThat(election.hasLeadership(s)).isFalse();
        assertThat(election.currentSession()).isEmpty();
    }

    @Test
    void failoverToAnotherContenderWithAHigherEpoch() {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        HaServices c = process("node-c");
        List<TestingContender> all = List.of(contend(a, COMPONENT), contend(b, COMPONENT), contend(c, COMPONENT));
        TestingContender first = awaitSingleLeader(all);
        long firstEpoch = epochOf(first);
        HaServices leaderProcess = first == all.get(0) ? a : first == all.get(1) ? b : c;

        leaderProcess.close();

        assertThat(first.isLeader()).isFalse();
        List<TestingContender> rest = new ArrayList<>(all);
        rest.remove(first);
        TestingContender second = awaitSingleLeader(rest);
        assertThat(epochOf(second)).isGreaterThan(firstEpoch);
    }

    /**
     * The epoch is strictly increasing across the whole history of the election, even when an operator deletes the
     * election's storage (ZooKeeper's election znode, whose child counter then starts again; the Lease). Once, on
     * ZooKeeper, the first grant after the deletion had epoch 1 after epoch 3.
     */
    @Test
    void epochsKeepIncreasingAfterTheElectionsStorageIsDeleted() {
        List<HaServices> procs = List.of(process("node-a"), process("node-b"), process("node-c"));
        List<LeaderElection> elections = new ArrayList<>();
        List<TestingContender> contenders = new ArrayList<>();
        for (HaServices p : procs) {
            LeaderElection e = p.leaderElection(COMPONENT);
            elections.add(e);
            contenders.add(new TestingContender(p.config().nodeId(), address(p), null).startOn(e));
        }
        Set<Long> granted = new HashSet<>();
        long highest = 0;
        for (int turn = 0; turn < 3; turn++) { // three leaders in turn
            TestingContender leader = awaitSingleLeaderAbove(contenders, highest);
            highest = epochOf(leader);
            granted.add(highest);
            stepDown(procs, elections, contenders, contenders.indexOf(leader), turn);
        }
        TestingContender beforeDeletion = awaitSingleLeaderAbove(contenders, highest);
        highest = epochOf(beforeDeletion);
        granted.add(highest);

        deleteElectionOrSkip();

        for (int turn = 3; turn < 5; turn++) {
            TestingContender leader = awaitSingleLeaderAbove(contenders, highest);
            highest = epochOf(leader);
            assertThat(granted.add(highest)).as("epoch %d granted twice", highest).isTrue();
            stepDown(procs, elections, contenders, contenders.indexOf(leader), turn);
        }
        assertThat(contenders).allSatisfy(c -> assertThat(c.errors()).isEmpty());
    }

    /** The contender at {@code i} closes its election and contends again at the back of the queue. */
    private static void stepDown(List<HaServices> procs, List<LeaderElection> elections,
            List<TestingContender> contenders, int i, int turn) {
        elections.get(i).close();
        HaServices p = procs.get(i);
        LeaderElection e = p.leaderElection(COMPONENT);
        elections.set(i, e);
        contenders.set(i, new TestingContender(p.config().nodeId() + "#" + turn, address(p), null).startOn(e));
    }

    @Test
    void epochsStrictlyIncreaseAcrossRandomGrantRevokeCycles() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        LeadershipHistory history = new LeadershipHistory();
        List<HaServices> procs = new ArrayList<>();
        List<LeaderElection> elections = new ArrayList<>();
        List<TestingContender> contenders = new ArrayList<>();
        int nextNode = 0;
        for (int i = 0; i < 3; i++) {
            HaServices p = process("node-" + nextNode++);
            procs.add(p);
            LeaderElection e = p.leaderElection(COMPONENT);
            elections.add(e);
            contenders.add(new TestingContender(p.config().nodeId() + "#0", address(p), history).startOn(e));
        }
        List<Long> epochs = new ArrayList<>();
        TestingContender leader = awaitSingleLeader(contenders);
        epochs.add(epochOf(leader));
        for (int cycle = 1; cycle <= 100; cycle++) {
            int i = contenders.indexOf(leader);
            if (random.nextInt(3) == 0) {
                // the leader's process dies; a new process joins
                procs.get(i).close();
                HaServices p = process("node-" + nextNode++);
                procs.set(i, p);
                LeaderElection e = p.leaderElection(COMPONENT);
                elections.set(i, e);
                contenders.set(i, new TestingContender(p.config().nodeId() + "#0", address(p), history).startOn(e));
            } else {
                // the leader steps down and contends again at the back of the queue
                elections.get(i).close();
                LeaderElection e = procs.get(i).leaderElection(COMPONENT);
                elections.set(i, e);
                contenders.set(i, new TestingContender(procs.get(i).config().nodeId() + "#" + cycle, address(procs.get(i)),
                        history).startOn(e));
            }
            assertThat(leader.isLeader()).as("old leader revoked, seed %d cycle %d", seed, cycle).isFalse();
            long previous = epochs.get(epochs.size() - 1);
            await("new leader in cycle " + cycle + " (seed " + seed + ")").atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> leaders(contenders).size() == 1 && epochOf(leaders(contenders).get(0)) > previous);
            leader = leaders(contenders).get(0);
            epochs.add(epochOf(leader));
        }
        for (int k = 1; k < epochs.size(); k++) {
            assertThat(epochs.get(k)).as("epoch %d of %s (seed %d)", k, epochs, seed).isGreaterThan(epochs.get(k - 1));
        }
        history.assertNoViolations();
    }

    @Test
    void confirmWithAStaleSessionHasNoEffect() {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        TestingRetrievalListener observer = new TestingRetrievalListener();
        process("observer").watchLeader(COMPONENT, observer);

        LeaderElection ea = a.leaderElection(COMPONENT);
        TestingContender ca = new TestingContender("a", "addr-a", null).startOn(ea);
        LeaderSession stale = ca.awaitGrant(TIMEOUT);
        observer.awaitAddress("addr-a", TIMEOUT);
        TestingContender cb = new TestingContender("b", "addr-b", null).startOn(b.leaderElection(COMPONENT));

        ea.close();
        LeaderSession current = cb.awaitGrant(TIMEOUT);
        observer.awaitAddress("addr-b", TIMEOUT);

        assertThat(ea.confirmLeadership(stale, "stale-on-closed")).isFalse();
        LeaderElection again = a.leaderElection(COMPONENT);
        again.startLeaderElection(new TestingContender("a2"));
        assertThat(again.confirmLeadership(stale, "stale-on-new-election")).isFalse();
        assertThat(again.hasLeadership(stale)).isFalse();

        // a later confirmation by the real leader is visible; the stale ones never were
        assertThat(b.leaderElection("other").confirmLeadership(current, "wrong-component")).isFalse();
        observer.awaitAddress("addr-b", TIMEOUT);
        assertThat(observer.all()).noneMatch(i -> i.address().map(x -> x.startsWith("stale")).orElse(false));
        assertThat(observer.latest().epoch()).isEqualTo(current.epoch());
    }

    @Test
    void anOldLeaderThatHasNotHeardOfItsRevokeCannotConfirm() throws Exception {
        try (PausableSerialExecutor aEvents = new PausableSerialExecutor("paused-events-a")) {
            HaServices a = process("node-a", b -> b.eventExecutor(aEvents));
            HaServices b = process("node-b");
            TestingRetrievalListener observer = new TestingRetrievalListener();
            process("observer").watchLeader(COMPONENT, observer);
            LeaderElection ea = a.leaderElection(COMPONENT);
            TestingContender ca = new TestingContender("a").startOn(ea);
            LeaderSession old = ca.awaitGrant(TIMEOUT);
            TestingContender cb = new TestingContender("b", "addr-b", null).startOn(b.leaderElection(COMPONENT));

            aEvents.pause();
            assumeTrue(cluster.expireSession(a), "this backend cannot expire a session on demand");
            LeaderSession current = cb.awaitGrant(TIMEOUT);
            observer.awaitAddress("addr-b", TIMEOUT);
            assertThat(ea.hasLeadership(old)).as("not yet told").isTrue();

            assertThat(onceReachable(() -> ea.confirmLeadership(old, "addr-a-stale"))).isFalse();
            assertThat(observer.latest().epoch()).isEqualTo(current.epoch());

            aEvents.resume();
            await("old leader revoked").atMost(TIMEOUT).until(() -> !ca.isLeader());
            a.close(); // while its executor still runs, so the close delivers everything
            assertThat(observer.all()).noneMatch(i -> i.address().map("addr-a-stale"::equals).orElse(false));
        }
    }

    @Test
    void callbacksAreNeverConcurrentForOneContender() {
        List<HaServices> procs = new ArrayList<>();
        List<LeaderElection> elections = new ArrayList<>();
        List<TestingContender> contenders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HaServices p = process("node-" + i);
            procs.add(p);
        }
        // every process runs two components so each grant fans out to several contenders of one process
        for (HaServices p : procs) {
            for (String component : List.of("c1", "c2")) {
                LeaderElection e = p.leaderElection(component);
                elections.add(e);
                contenders.add(new TestingContender(p.config().nodeId() + "/" + component, address(p), null)
                        .callbackWork(Duration.ofMillis(1)).startOn(e));
            }
        }
        for (int cycle = 0; cycle < 20; cycle++) {
            int leaderProcess = -1;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (leaderProcess < 0 && System.nanoTime() < deadline) {
                for (int i = 0; i < contenders.size(); i++) {
                    if (contenders.get(i).isLeader()) {
                        leaderProcess = i / 2;
                    }
                }
                Thread.onSpinWait();
            }
            assertThat(leaderProcess).as("a leader in cycle %d", cycle).isGreaterThanOrEqualTo(0);
            int idx = leaderProcess * 2;
            for (int k = idx; k < idx + 2; k++) {
                elections.get(k).close();
                LeaderElection e = procs.get(leaderProcess).leaderElection(k % 2 == 0 ? "c1" : "c2");
                elections.set(k, e);
                TestingContender old = contenders.get(k);
                contenders.set(k, new TestingContender(old.name(), address(procs.get(leaderProcess)), null)
                        .callbackWork(Duration.ofMillis(1)).startOn(e));
                assertThat(old.maxConcurrentCallbacks()).as(old.name()).isEqualTo(1);
            }
        }
        assertThat(contenders).allSatisfy(c -> assertThat(c.maxConcurrentCallbacks()).isLessThanOrEqualTo(1));
    }

    @Test
    void revokeIsDeliveredOnShutdownEvenToOneThatNeverLed() {
        HaServices a = process("node-a");
        TestingContender ca = contend(a, COMPONENT);
        ca.awaitGrant(TIMEOUT);
        HaServices b = process("node-b");
        TestingContender cb = contend(b, COMPONENT);
        assertThat(cb.isLeader()).isFalse();

        b.close();
        assertThat(cb.grants()).isZero();
        assertThat(cb.revokes()).isEqualTo(1);

        a.close();
        assertThat(ca.revokes()).isEqualTo(1);
        assertThat(ca.isLeader()).isFalse();
    }

    @Test
    void aSecondElectionForTheSameComponentInOneProcessIsRefused() {
        HaServices a = process("node-a");
        LeaderElection first = a.leaderElection(COMPONENT);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.leaderElection(COMPONENT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(COMPONENT);
        first.close();
        a.leaderElection(COMPONENT).close();
    }

    @Test
    void noTwoContendersEverHoldTheSameEpoch() {
        LeadershipHistory history = new LeadershipHistory();
        List<LeaderElection> elections = new ArrayList<>();
        List<TestingContender> contenders = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            HaServices p = process("node-" + i);
            LeaderElection e = p.leaderElection(COMPONENT);
            elections.add(e);
            contenders.add(new TestingContender("node-" + i, address(p), history).startOn(e));
        }
        Set<Long> seen = new HashSet<>();
        for (int cycle = 0; cycle < 12; cycle++) {
            TestingContender leader = awaitSingleLeader(contenders);
            assertThat(seen.add(epochOf(leader))).as("epoch %d handed out twice", epochOf(leader)).isTrue();
            int i = contenders.indexOf(leader);
            elections.get(i).close();
            contenders.remove(i);
            elections.remove(i);
            if (contenders.isEmpty()) {
                break;
            }
            if (cycle % 3 == 2) {
                HaServices p = process("late-" + cycle);
                LeaderElection e = p.leaderElection(COMPONENT);
                elections.add(e);
                contenders.add(new TestingContender("late-" + cycle, address(p), history).startOn(e));
            }
        }
        history.assertNoViolations();
    }
}
