package io.hakit.testkit.contract;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeaderSession;
import io.hakit.api.Subscription;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.TestingRetrievalListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The leader-retrieval contract: listeners see the confirmed leader with its session and epoch, or empty. */
public abstract class LeaderRetrievalContractTest extends ContractTestBase {

    /**
     * For a backend's test class, which extends this suite and implements {@link #createCluster()}; JUnit makes one
     * instance per test. Nothing is connected until a test runs.
     */
    public LeaderRetrievalContractTest() {
    }

    @Test
    void retrievalSeesTheConfirmedLeaderThenEmptyAfterRevoke() {
        HaServices leader = process("node-a");
        TestingRetrievalListener observer = new TestingRetrievalListener();
        process("observer").watchLeader("dispatcher", observer);

        LeaderElection election = leader.leaderElection("dispatcher");
        TestingContender c = new TestingContender("a", "addr-a:8081", null).startOn(election);
        LeaderSession s = c.awaitGrant(TIMEOUT);

        LeaderInformation seen = observer.awaitAddress("addr-a:8081", TIMEOUT);
        assertThat(seen.epoch()).isEqualTo(s.epoch());
        assertThat(seen.sessionId()).contains(s.id());

        election.close();
        observer.awaitEmpty(TIMEOUT);
    }

    /**
     * Retrieval never shows a record whose leadership has ended, however epochs are numbered. Once, on ZooKeeper, a
     * record was shown while a latch node of its epoch existed: after the election znode was deleted its counter
     * started again, a new latch node got the old leader's epoch, and the old leader's lingering record showed again.
     * Here a leads at the first epoch and publishes; b contends only for another component, so it never replaces a's
     * record; then the election's storage is deleted.
     */
    @Test
    void aRecordOfAnEndedLeadershipIsNeverShownAgainAfterTheElectionIsDeleted() {
        HaServices a = process("node-a");
        TestingRetrievalListener observer = new TestingRetrievalListener();
        process("observer").watchLeader("dispatcher", observer);
        TestingContender ca = new TestingContender("a", "addr-a:8081", null).startOn(a.leaderElection("dispatcher"));
        LeaderSession first = ca.awaitGrant(TIMEOUT);
        observer.awaitAddress("addr-a:8081", TIMEOUT);
        HaServices b = process("node-b");
        TestingContender cb = new TestingContender("b", "addr-b:8081", null).startOn(b.leaderElection("jobs"));

        deleteElectionOrSkip();

        // a new grant, to either process
        await("a grant after the deletion").atMost(TIMEOUT).pollInterval(java.time.Duration.ofMillis(2))
                .until(() -> cb.isLeader() || ca.session().map(s -> !s.id().equals(first.id())).orElse(false));
        if (cb.isLeader()) {
            observer.awaitEmpty(TIMEOUT); // b never confirms "dispatcher"
        } else {
            LeaderSession again = ca.session().orElseThrow();
            observer.awaitLatest(i -> i.sessionId().map(again.id()::equals).orElse(false), TIMEOUT);
        }
        // once anything but the first leadership was shown, the first is never shown again
        List<LeaderInformation> seen = observer.all();
        int firstShown = 0;
        while (!isSession(seen.get(firstShown), first)) {
            firstShown++;
        }
        int firstOther = -1;
        for (int i = firstShown + 1; i < seen.size() && firstOther < 0; i++) {
            if (!isSession(seen.get(i), first)) {
                firstOther = i;
            }
        }
        assertThat(firstOther).as("the first leadership's record stopped being shown; seen: %s", seen)
                .isNotNegative();
        List<UUID> after = seen.subList(firstOther, seen.size()).stream()
                .map(i -> i.sessionId().orElse(null)).toList();
        assertThat(after).as("shown after the first leadership ended; seen: %s", seen).doesNotContain(first.id());
    }

    private static boolean isSession(LeaderInformation info, LeaderSession session) {
        return info.sessionId().map(session.id()::equals).orElse(false);
    }

    @Test
    void anUnconfirmedLeaderIsNotVisible() {
        HaServices leader = process("node-a");
        TestingRetrievalListener observer = new TestingRetrievalListener();
        process("observer").watchLeader("dispatcher", observer);
        LeaderElection election = leader.leaderElection("dispatcher");
        TestingContender silent = new TestingContender("a").startOn(election);
        LeaderSession s = silent.awaitGrant(TIMEOUT);
        // a confirmation of another component proves the watch is live before we look at this one
        TestingRetrievalListener other = new TestingRetrievalListener();
        process("observer-2").watchLeader("other", other);
        TestingContender o = new TestingContender("o", "addr-other", null).startOn(leader.leaderElection("other"));
        o.awaitGrant(TIMEOUT);
        other.awaitAddress("addr-other", TIMEOUT);
        assertThat(observer.latest().isEmpty()).isTrue();

        assertThat(election.confirmLeadership(s, "addr-late")).isTrue();
        observer.awaitAddress("addr-late", TIMEOUT);
    }

    @Test
    void retrievalFollowsFailover() {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        TestingRetrievalListener observer = new TestingRetrievalListener();
        process("observer").watchLeader("resourcemanager", observer);
        TestingContender ca = new TestingContender("a", "addr-a", null).startOn(a.leaderElection("resourcemanager"));
        LeaderSession sa = ca.awaitGrant(TIMEOUT);
        observer.awaitAddress("addr-a", TIMEOUT);
        TestingContender cb = new TestingContender("b", "addr-b", null).startOn(b.leaderElection("resourcemanager"));

        a.close();

        LeaderSession sb = cb.awaitGrant(TIMEOUT);
        LeaderInformation seen = observer.awaitAddress("addr-b", TIMEOUT);
        assertThat(seen.epoch()).isEqualTo(sb.epoch()).isGreaterThan(sa.epoch());
        // the listener never went back to the old leader after seeing the new one
        List<LeaderInformation> all = observer.all();
        int firstB = all.indexOf(seen);
        assertThat(all.subList(firstB, all.size())).noneMatch(i -> i.address().map("addr-a"::equals).orElse(false));
    }

    @Test
    void aLateListenerGetsTheCurrentLeaderFirst() {
        HaServices a = process("node-a");
        TestingContender ca = new TestingContender("a", "addr-a", null).startOn(a.leaderElection("dispatcher"));
        ca.awaitGrant(TIMEOUT);
        TestingRetrievalListener early = new TestingRetrievalListener();
        HaServices observer = process("observer");
        observer.watchLeader("dispatcher", early);
        early.awaitAddress("addr-a", TIMEOUT);

        TestingRetrievalListener late = new TestingRetrievalListener();
        observer.watchLeader("dispatcher", late);
        late.awaitAddress("addr-a", TIMEOUT);
        assertThat(late.all()).hasSize(1);
    }

    @Test
    void manyComponentsShareOneProcessAndOneWatch() {
        HaServices a = process("node-a");
        HaServices observer = process("observer");
        int n = 50;
        List<TestingRetrievalListener> listeners = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TestingRetrievalListener l = new TestingRetrievalListener();
            observer.watchLeader("job-" + i, l);
            listeners.add(l);
            new TestingContender("a/" + i, "addr-job-" + i, null).startOn(a.leaderElection("job-" + i));
        }
        for (int i = 0; i < n; i++) {
            listeners.get(i).awaitAddress("addr-job-" + i, TIMEOUT);
        }
        long epoch = listeners.get(0).latest().epoch();
        assertThat(listeners).allSatisfy(l -> assertThat(l.latest().epoch()).isEqualTo(epoch));
    }

    @Test
    void aClosedSubscriptionHearsNothingMore() {
        HaServices a = process("node-a");
        TestingRetrievalListener l = new TestingRetrievalListener();
        TestingRetrievalListener control = new TestingRetrievalListener();
        HaServices observer = process("observer");
        Subscription sub = observer.watchLeader("dispatcher", l);
        observer.watchLeader("dispatcher", control);
        l.awaitEmpty(TIMEOUT);
        sub.close();
        int before = l.all().size();

        new TestingContender("a", "addr-a", null).startOn(a.leaderElection("dispatcher")).awaitGrant(TIMEOUT);
        control.awaitAddress("addr-a", TIMEOUT);
        assertThat(l.all()).hasSize(before);
    }
}
