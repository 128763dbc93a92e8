package example.leader;

import io.hakit.api.HaServices;
import io.hakit.testkit.junit.HaCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/** The scheduler on a real 3-member ZooKeeper ensemble, its processes cut off through fault-injecting proxies. */
class JobSchedulerZooKeeperTest {

    @RegisterExtension
    static final HaCluster CLUSTER = HaCluster.builder(io.hakit.testkit.junit.Backend.ZOOKEEPER).processes(3)
            .sessionTimeout(Duration.ofSeconds(2)).build();

    @Test
    void aLeaderCutOffFromZooKeeperIsReplacedAndStopsDispatching(HaServices p0) {
        List<JobScheduler> schedulers = CLUSTER.startServices(Schedulers::correct);
        CLUSTER.grant(p0);
        await().atMost(Duration.ofSeconds(10)).until(() -> schedulers.get(0).dispatched() >= 3);

        CLUSTER.partition(p0); // p0 suspends and stops; past the session timeout another scheduler takes over
        HaServices next = CLUSTER.await().leaderOtherThan(p0);
        JobScheduler taking = schedulers.get(CLUSTER.processes().indexOf(next));
        long before = taking.dispatched();
        await().atMost(Duration.ofSeconds(10)).until(() -> taking.dispatched() > before + 3);

        CLUSTER.heal(p0);
    }
}
