package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderSession;
import io.hakit.testkit.history.LeadershipEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The extension on the embedded backend: parameters, leadership control, faults and the recorder. */
class EmbeddedClusterTest {

    @RegisterExtension
    static final HaCluster CLUSTER = HaCluster.embedded(3);

    @Test
    void givesEachTestItsProcessesAsParameters(HaCluster cluster, HaServices p0, HaServices p1,
            @ProcessIndex(2) HaServices third, List<HaServices> all, HistoryRecorder recorder) {
        assertThat(cluster).isSameAs(CLUSTER);
        assertThat(List.of(p0, p1, third)).extracting(p -> p.config().nodeId()).containsExactly("p0", "p1", "p2");
        assertThat(all).containsExactly(p0, p1, third);
        assertThat(cluster.process(1)).isSameAs(p1);
        assertThat(recorder).isSameAs(cluster.recorder());
        assertThat(cluster.backend()).isEqualTo(Backend.EMBEDDED);
        assertThatThrownBy(cluster::ticker).hasMessageContaining("manualTicker(true)");
    }

    @Test
    void grantRevokeAndAwaitMoveLeadershipAndTheOldLeaderHearsFirst(HaServices p0, HaServices p1, HaServices p2) {
        CLUSTER.startServices(TickingService::correct);
        HaServices first = CLUSTER.await().leader();

        HaServices target = first == p2 ? p1 : p2;
        CLUSTER.grant(target);
        assertThat(CLUSTER.await().leader()).isSameAs(target);
        ZooKeeperClusterTest.assertRevokedBeforeGranted(CLUSTER, first, target);

        CLUSTER.revoke(target);
        HaServices next = CLUSTER.await().leaderOtherThan(target);
        assertThat(CLUSTER.leader()).contains(next);

        CLUSTER.grant(next); // leads already: nothing moves
        assertThat(CLUSTER.recorder().history().grants()).hasSize(3);
        awaitActions(next);
    }

    @Test
    void anExpiredSessionOrAPartitionedLeaderLosesLeadership(HaServices p0) {
        CLUSTER.startServices(TickingService::correct);
        CLUSTER.grant(p0);

        CLUSTER.expireSession(p0);
        HaServices second = CLUSTER.await().leaderOtherThan(p0);

        // embedded: a partition suspends the connection; the default policy revokes on suspend and gives leadership
        // up, so the next contender leads
        CLUSTER.partition(second);
        HaServices third = CLUSTER.await().leaderOtherThan(second);
        CLUSTER.heal(second);
        assertThat(CLUSTER.await().leader()).isSameAs(third);
        awaitActions(third);
    }

    @Test
    void grantingAProcessThatDoesNotContendSaysSo(HaServices p0) {
        assertThatThrownBy(() -> CLUSTER.grant(p0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("p0 does not contend");
        assertThatThrownBy(() -> CLUSTER.await().atMost(Duration.ofMillis(50)).leader())
                .isInstanceOf(AssertionError.class).hasMessageContaining("p0 does not contend");
    }

    @Test
    void aProcessStartedLaterIsClosedWithTheOthers() {
        HaServices extra = CLUSTER.newProcess("late");
        assertThat(CLUSTER.processes()).hasSize(4).last().isSameAs(extra);
        assertThatThrownBy(() -> CLUSTER.newProcess("late")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCampaignAgainstACorrectServicePassesAndPrintsItsSeed() {
        ServiceCampaign.Result result = CLUSTER.campaign(TickingService::correct).seed(42).steps(6).run();

        assertThat(result.passed()).as(result.report()).isTrue();
        assertThat(result.seed()).isEqualTo(42);
        assertThat(result.report()).startsWith("fault campaign seed 42: passed").contains("-Dhakit.campaign.seed=42");
        assertThat(result.schedule()).hasSizeGreaterThanOrEqualTo(6);
        // the same seed draws the same faults
        assertThat(CLUSTER.campaign(TickingService::correct).seed(42).steps(6).run().schedule())
                .extracting(l -> l.replaceAll("\\+ *\\d+ ms", "").replaceAll("p\\d", "p").replaceAll("hold \\d+", ""))
                .startsWith(result.schedule().stream()
                        .map(l -> l.replaceAll("\\+ *\\d+ ms", "").replaceAll("p\\d", "p").replaceAll("hold \\d+", ""))
                        .limit(6).toArray(String[]::new));
    }

    private static void awaitActions(HaServices leader) {
        LeaderSession s = CLUSTER.recording().session(leader.config().nodeId()).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> CLUSTER.recorder().history().events().stream()
                .anyMatch(e -> e.type() == LeadershipEvent.Type.ACTED && e.session().equals(s)));
    }
}
