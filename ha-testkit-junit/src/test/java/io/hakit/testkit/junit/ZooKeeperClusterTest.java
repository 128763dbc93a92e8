package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.testkit.history.LeadershipEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The extension on a real ZooKeeper ensemble, with a 2 s session timeout. */
class ZooKeeperClusterTest {

    @RegisterExtension
    static final HaCluster CLUSTER = HaCluster.builder(Backend.ZOOKEEPER).processes(3)
            .sessionTimeout(Duration.ofSeconds(2)).build();

    @Test
    void grantAndRevokeMoveLeadershipAndTheOldLeaderHearsFirst(HaCluster cluster, HaServices p0, HaServices p1,
            HaServices p2) {
        assertThat(cluster.backend()).isEqualTo(Backend.ZOOKEEPER);
        assertThat(cluster.describe()).contains("ZooKeeper ensemble");
        cluster.startServices(TickingService::correct);
        HaServices first = cluster.await().leader();
        HaServices target = first == p2 ? p0 : p2;

        cluster.grant(target);
        assertThat(cluster.await().leader()).isSameAs(target);
        assertRevokedBeforeGranted(cluster, first, target);

        cluster.revoke(target);
        HaServices next = cluster.await().leaderOtherThan(target);
        assertRevokedBeforeGranted(cluster, target, next);
        assertThat(epochs(cluster)).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void anExpiredSessionEndsLeadershipAndThePartitionedLeaderIsReplacedAfterTheSessionTimeout(HaCluster cluster,
            HaServices p0, HaServices p1) {
        cluster.startServices(TickingService::correct);
        cluster.grant(p0);

        cluster.expireSession(p0);
        HaServices second = cluster.await().leaderOtherThan(p0);

        cluster.partition(second);
        HaServices third = cluster.await().leaderOtherThan(second);
        cluster.heal(second);
        assertThat(cluster.await().leader()).isSameAs(third);
    }

    static List<Long> epochs(HaCluster cluster) {
        return cluster.recorder().history().grants().stream().map(LeadershipEvent::epoch).toList();
    }

    static void assertRevokedBeforeGranted(HaCluster cluster, HaServices old, HaServices next) {
        List<LeadershipEvent> events = cluster.recorder().history().events();
        long revoked = events.stream().filter(e -> e.type() == LeadershipEvent.Type.REVOKED
                && e.contender().equals(old.config().nodeId())).mapToLong(LeadershipEvent::sequence).max()
                .orElseThrow();
        long granted = events.stream().filter(e -> e.type() == LeadershipEvent.Type.GRANTED
                && e.contender().equals(next.config().nodeId())).mapToLong(LeadershipEvent::sequence).max()
                .orElseThrow();
        assertThat(revoked).as(cluster.recorder().toString()).isLessThan(granted);
    }
}
