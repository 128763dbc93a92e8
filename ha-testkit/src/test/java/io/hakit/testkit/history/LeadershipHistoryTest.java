package io.hakit.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hakit.api.LeaderSession;
import io.hakit.testkit.history.LeadershipEvent.Type;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LeadershipHistoryTest {

    private final LeadershipHistory history = new LeadershipHistory();

    @Test
    void cleanHandoverHasNoViolations() {
        LeaderSession a1 = LeaderSession.random(1);
        LeaderSession b2 = LeaderSession.random(2);
        LeaderSession a3 = LeaderSession.random(3);

        history.granted("A", a1);
        history.writeAccepted("A", a1, "k");
        history.revoked("A", a1);
        history.granted("B", b2);
        history.writeRefused("A", a1, "k");
        history.writeAccepted("B", b2, "k");
        history.revoked("B", b2);
        history.granted("A", a3);
        history.writeAccepted("A", a3, "k");

        assertThat(history.check()).isEmpty();
        assertThat(history.check(CheckOptions.defaults().withStrictExclusion(true))).isEmpty();
        assertThat(history.overlaps()).isEmpty();
        history.assertNoViolations();
        history.assertNoViolations(CheckOptions.defaults().withStrictExclusion(true));
    }

    @Test
    void actionsOfSuccessiveLeadersInTurnHaveNoViolations() {
        LeaderSession a1 = LeaderSession.random(1);
        LeaderSession b2 = LeaderSession.random(2);

        history.granted("A", a1);
        history.acted("A", a1, "tick 1");
        history.acted("A", a1, null);
        history.revoked("A", a1);
        history.granted("B", b2);
        history.acted("B", b2, "tick 1");

        assertThat(history.check()).isEmpty();
        assertThat(history.events().get(1).toString()).contains("ACTED", "contender=A", "epoch=1", "action=tick 1");
    }

    @Test
    void anOldLeaderActingAfterTheNewOneActedIsCaughtOncePerEpochPair() {
        LeaderSession a1 = LeaderSession.random(1);
        LeaderSession b2 = LeaderSession.random(2);
        history.granted("A", a1);                 // #1
        history.acted("A", a1, "tick 1");         // #2
        history.granted("B", b2);                 // #3: A never heard of its revoke
        history.acted("A", a1, "tick 2");         // #4: B has not acted yet: not (yet) two leaders acting
        history.acted("B", b2, "tick 1");         // #5
        history.acted("A", a1, "tick 3");         // #6: stale
        history.acted("B", b2, "tick 2");         // #7
        history.acted("A", a1, "tick 4");         // #8: stale, same pair of epochs

        List<Violation> violations = history.check();

        assertThat(violations).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.OVERLAPPING_ACTIONS);
            assertThat(v.message()).contains("A acted with epoch 1 at #6 (tick 3)",
                    "after B had acted with epoch 2 at #5 (tick 1)", "2 actions of A with epoch 1",
                    "the last at #8", "Overlapping epochs: 1 (A) and 2 (B)");
            assertThat(v.sequences()).containsExactly(5L, 6L);
        });
        assertThatThrownBy(history::assertNoViolations).isInstanceOf(AssertionError.class)
                .hasMessageContaining("OVERLAPPING_ACTIONS").hasMessageContaining("#8 ACTED contender=A epoch=1");
    }

    @Test
    void anActionWithASessionNeverGrantedIsCaught() {
        LeaderSession a1 = LeaderSession.random(1);
        history.granted("A", a1);
        history.acted("B", a1, "stolen");

        assertThat(history.check()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.ACTION_WITHOUT_GRANT);
            assertThat(v.message()).contains("B acted (stolen) with epoch 1 at #2");
        });
    }

    @Test
    void eventsGetConsecutiveSequenceNumbersInRecordOrder() {
        LeaderSession s = LeaderSession.random(1);
        assertThat(history.lastSequence()).isZero();

        LeadershipEvent grant = history.granted("A", s);
        LeadershipEvent write = history.writeAccepted("A", s, "k");
        LeadershipEvent revoke = history.revoked("A", s);

        assertThat(List.of(grant.sequence(), write.sequence(), revoke.sequence())).containsExactly(1L, 2L, 3L);
        assertThat(history.events()).containsExactly(grant, write, revoke);
        assertThat(history.grants()).containsExactly(grant);
        assertThat(history.lastSequence()).isEqualTo(3);
        assertThat(history.size()).isEqualTo(3);
        assertThat(write.key()).isEqualTo("k");
        assertThat(grant.key()).isNull();
        assertThat(write.issuedAfterSequence()).isEqualTo(1);
        assertThatThrownBy(() -> history.events().add(grant)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void twoContendersWithOneEpochAreCaught() {
        history.granted("A", LeaderSession.random(7));
        history.granted("B", LeaderSession.random(7));

        List<Violation> violations = history.check();

        assertThat(violations).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.TWO_HOLDERS_OF_ONE_EPOCH);
            assertThat(v.message()).contains("epoch 7", "to A", "to B", "#1", "#2");
            assertThat(v.sequences()).containsExactly(1L, 2L);
        });
    }

    @Test
    void twoSessionIdsWithOneEpochForTheSameContenderAreCaught() {
        history.granted("A", LeaderSession.of(UUID.randomUUID(), 4));
        history.granted("A", LeaderSession.of(UUID.randomUUID(), 4));

        assertThat(history.check()).extracting(Violation::kind)
                .containsExactly(Violation.Kind.TWO_HOLDERS_OF_ONE_EPOCH);
    }

    @Test
    void epochGoingBackwardsIsCaught() {
        history.granted("A", LeaderSession.random(5));
        history.granted("B", LeaderSession.random(3));

        assertThat(history.check()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.EPOCH_WENT_BACKWARDS);
            assertThat(v.message()).contains("epoch 3", "epoch 5", "to A", "to B", "#1", "#2");
        });
    }

    @Test
    void perContenderGrantOrderToleratesInterleavedObservationButNotOwnRegression() {
        history.granted("A", LeaderSession.random(5));
        history.granted("B", LeaderSession.random(3));
        CheckOptions perContender = CheckOptions.defaults().withGlobalGrantOrder(false);
        assertThat(history.check(perContender)).isEmpty();

        history.granted("B", LeaderSession.random(2));

        assertThat(history.check(perContender)).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.EPOCH_WENT_BACKWARDS);
            assertThat(v.message()).contains("epoch 2", "epoch 3", "to B");
        });
    }

    @Test
    void duplicateGrantOfOneSessionIsAnEpochThatDidNotIncrease() {
        LeaderSession s = LeaderSession.random(2);
        history.granted("A", s);
        history.granted("A", s);

        assertThat(history.check()).extracting(Violation::kind).containsExactly(Violation.Kind.EPOCH_WENT_BACKWARDS);
    }

    @Test
    void staleWriteAfterANewerGrantIsCaught() {
        LeaderSession a1 = LeaderSession.random(1);
        history.granted("A", a1);
        history.granted("B", LeaderSession.random(2));
        history.writeAccepted("A", a1, "jobs/1");

        assertThat(history.check()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.STALE_WRITE_ACCEPTED);
            assertThat(v.message()).contains("epoch 1", "epoch 2", "jobs/1", "by A", "to B", "#2", "#3");
            assertThat(v.sequences()).containsExactly(2L, 3L);
        });
    }

    @Test
    void staleWriteThatWasRefusedIsFine() {
        LeaderSession a1 = LeaderSession.random(1);
        history.granted("A", a1);
        history.granted("B", LeaderSession.random(2));
        history.writeRefused("A", a1, "jobs/1");

        assertThat(history.check()).isEmpty();
    }

    @Test
    void writeIssuedBeforeAConcurrentGrantIsJudgedFromWhenItWasIssued() {
        LeaderSession a1 = LeaderSession.random(1);
        history.granted("A", a1);
        long issuedBeforeNewGrant = history.lastSequence();
        history.granted("B", LeaderSession.random(2));
        long issuedAfterNewGrant = history.lastSequence();
        history.writeAccepted("A", a1, "k", issuedBeforeNewGrant);
        assertThat(history.check()).isEmpty();

        history.writeAccepted("A", a1, "k", issuedAfterNewGrant);

        assertThat(history.check()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.STALE_WRITE_ACCEPTED);
            assertThat(v.message()).contains("epoch 1", "epoch 2", "(#4, issued after #2)");
        });
    }

    @Test
    void issuedAfterSequenceFromTheFutureIsRejected() {
        LeaderSession s = LeaderSession.random(1);
        history.granted("A", s);

        assertThatThrownBy(() -> history.writeAccepted("A", s, "k", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("issuedAfterSequence 2");
        assertThatThrownBy(() -> history.writeAccepted("A", s, "k", -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(history.size()).isEqualTo(1);
    }

    @Test
    void writeByAContenderNeverGrantedIsCaught() {
        LeaderSession a1 = LeaderSession.random(1);
        history.granted("A", a1);
        history.writeAccepted("B", a1, "k");

        assertThat(history.check()).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.WRITE_WITHOUT_GRANT);
            assertThat(v.message()).contains("epoch 1", "by B", "#2", a1.id().toString());
        });
    }

    @Test
    void writeWithASessionIdNeverGrantedIsCaught() {
        LeaderSession granted = LeaderSession.random(3);
        history.granted("A", granted);
        history.writeAccepted("A", LeaderSession.of(UUID.randomUUID(), 3), "k");

        assertThat(history.check()).extracting(Violation::kind).containsExactly(Violation.Kind.WRITE_WITHOUT_GRANT);
    }

    @Test
    void writeRecordedBeforeItsGrantIsCaught() {
        LeaderSession s = LeaderSession.random(1);
        history.writeAccepted("A", s, "k");
        history.granted("A", s);

        assertThat(history.check()).extracting(Violation::kind).containsExactly(Violation.Kind.WRITE_WITHOUT_GRANT);
    }

    @Test
    void overlappingLeadersAreReportedOnlyWithStrictExclusion() {
        LeaderSession a1 = LeaderSession.random(1);
        LeaderSession b2 = LeaderSession.random(2);
        history.granted("A", a1);
        history.granted("B", b2);
        history.revoked("A", a1);

        assertThat(history.check()).isEmpty();
        assertThat(history.overlaps()).containsExactly(new Overlap("A", a1, "B", b2, 2, OptionalLong.of(3)));

        List<Violation> strict = history.check(CheckOptions.defaults().withStrictExclusion(true));

        assertThat(strict).singleElement().satisfies(v -> {
            assertThat(v.kind()).isEqualTo(Violation.Kind.OVERLAPPING_LEADERS);
            assertThat(v.message()).contains("A (epoch 1)", "B (epoch 2)", "from #2", "until #3");
            assertThat(v.sequences()).containsExactly(2L, 3L);
        });
    }

    @Test
    void overlapStillOpenAtTheEndIsReported() {
        LeaderSession a1 = LeaderSession.random(1);
        LeaderSession b2 = LeaderSession.random(2);
        history.granted("A", a1);
        history.granted("B", b2);

        assertThat(history.overlaps()).containsExactly(new Overlap("A", a1, "B", b2, 2, OptionalLong.empty()));
        assertThat(history.check(CheckOptions.defaults().withStrictExclusion(true)).get(0).message())
                .contains("to the end of the history");
    }

    @Test
    void aNewGrantEndsTheContendersEarlierIntervalAndForeignRevokesAreIgnored() {
        LeaderSession a1 = LeaderSession.random(1);
        LeaderSession a2 = LeaderSession.random(2);
        LeaderSession b3 = LeaderSession.random(3);
        history.granted("A", a1);
        history.granted("A", a2);
        history.revoked("A", a1);
        history.revoked("A", a2);
        history.granted("B", b3);
        history.revoked("B", a2);

        assertThat(history.overlaps()).isEmpty();
        assertThat(history.check(CheckOptions.defaults().withStrictExclusion(true))).isEmpty();
    }

    @Test
    void assertNoViolationsListsEveryViolationAndTheHistory() {
        LeaderSession a1 = LeaderSession.random(1);
        history.granted("A", a1);
        history.granted("B", LeaderSession.random(1));
        history.granted("C", LeaderSession.random(2));
        history.writeAccepted("A", a1, "k");

        assertThatThrownBy(history::assertNoViolations)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("2 leadership violation(s)")
                .hasMessageContaining("TWO_HOLDERS_OF_ONE_EPOCH")
                .hasMessageContaining("STALE_WRITE_ACCEPTED")
                .hasMessageContaining("#4 WRITE_ACCEPTED contender=A epoch=1");
    }

    @Test
    void assertNoViolationsBoundsTheListTo50() {
        LeaderSession a1 = LeaderSession.random(1);
        history.granted("A", a1);
        history.granted("B", LeaderSession.random(2));
        for (int i = 0; i < 60; i++) {
            history.writeAccepted("A", a1, "k" + i);
        }

        assertThat(history.check()).hasSize(60);
        assertThatThrownBy(history::assertNoViolations)
                .hasMessageContaining("60 leadership violation(s)")
                .hasMessageContaining("50. STALE_WRITE_ACCEPTED")
                .hasMessageNotContaining("51. STALE_WRITE_ACCEPTED")
                .hasMessageContaining("... and 10 more");
    }

    @Test
    void toStringDumpIsBounded() {
        LeaderSession s = LeaderSession.random(1);
        history.granted("A", s);
        for (int i = 0; i < 500; i++) {
            history.writeAccepted("A", s, "k" + i);
        }

        String dump = history.toString();

        assertThat(dump).startsWith("LeadershipHistory of 501 events:")
                .contains("#1 GRANTED contender=A epoch=1", "301 events omitted", "#501 WRITE_ACCEPTED")
                .doesNotContain("#250 ");
    }

    @Test
    void exceedingTheCapacityThrowsNamingTheLimit() {
        LeadershipHistory small = new LeadershipHistory(3);
        LeaderSession s = LeaderSession.random(1);
        small.granted("A", s);
        small.writeAccepted("A", s, "k");
        small.revoked("A", s);

        assertThatThrownBy(() -> small.granted("A", LeaderSession.random(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("capacity of 3 events");
        assertThat(small.size()).isEqualTo(3);
        assertThat(new LeadershipHistory().capacity()).isEqualTo(LeadershipHistory.DEFAULT_CAPACITY);
        assertThatThrownBy(() -> new LeadershipHistory(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullArgumentsAreRejectedAndRecordNothing() {
        LeaderSession s = LeaderSession.random(1);
        assertThatThrownBy(() -> history.granted(null, s)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> history.granted("A", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> history.writeAccepted("A", s, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> history.writeRefused("A", s, null)).isInstanceOf(NullPointerException.class);
        assertThat(history.size()).isZero();
    }

    @Test
    void concurrentRecordingFromEightThreadsKeepsEveryEvent() throws Exception {
        int threads = 8;
        int perThread = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String contender = "c" + t;
                LeaderSession session = LeaderSession.random(t + 1);
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        history.writeRefused(contender, session, "k" + i);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        List<LeadershipEvent> events = history.events();
        assertThat(events).hasSize(threads * perThread);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).sequence()).isEqualTo(i + 1L);
        }
        Set<String> distinct = new HashSet<>();
        for (LeadershipEvent e : events) {
            assertThat(e.type()).isEqualTo(Type.WRITE_REFUSED);
            distinct.add(e.contender() + "/" + e.key());
        }
        assertThat(distinct).hasSize(threads * perThread);
    }
}
