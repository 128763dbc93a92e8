package example.leader;

import io.hakit.api.HaServices;
import io.hakit.testkit.junit.Backend;
import io.hakit.testkit.junit.HaCluster;
import io.hakit.testkit.junit.HaTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scheduler on HAKit's in-process backend: three processes, leadership moved by the test. After each test the
 * extension checks that no two schedulers dispatched as leaders at once and that no deposed leader's record landed.
 */
@HaTest(backend = Backend.EMBEDDED, processes = 3)
class JobSchedulerTest {

    @Test
    void onlyTheLeaderDispatches(HaCluster cluster) {
        List<JobScheduler> schedulers = cluster.startServices(Schedulers::correct);
        HaServices leader = cluster.await().leader();

        JobScheduler leading = schedulers.get(cluster.processes().indexOf(leader));
        await().atMost(Duration.ofSeconds(10)).until(() -> leading.dispatched() >= 5);
        assertThat(schedulers).filteredOn(s -> s != leading).allMatch(s -> s.dispatched() == 0);
    }

    @Test
    void anotherSchedulerTakesOverWhenLeadershipMoves(HaCluster cluster, HaServices p0, HaServices p1,
            HaServices p2) {
        List<JobScheduler> schedulers = cluster.startServices(Schedulers::correct);
        cluster.grant(p1);
        await().atMost(Duration.ofSeconds(10)).until(() -> schedulers.get(1).dispatched() >= 3);

        cluster.grant(p2);
        await().atMost(Duration.ofSeconds(10)).until(() -> schedulers.get(2).dispatched() >= 3);

        cluster.expireSession(p2);
        HaServices next = cluster.await().leaderOtherThan(p2);
        JobScheduler taking = schedulers.get(cluster.processes().indexOf(next));
        long before = taking.dispatched();
        await().atMost(Duration.ofSeconds(10)).until(() -> taking.dispatched() > before + 3);
    }

    @Test
    void survivesASeededFaultCampaign(HaCluster cluster) {
        // a random seed per run (or -Dhakit.campaign.seed=...); the report printed starts with it
        cluster.runCampaign(Schedulers::correct);
    }
}
