package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The extension on fabric8's Kubernetes mock server. */
class KubernetesMockClusterTest {

    @RegisterExtension
    static final HaCluster CLUSTER = HaCluster.builder(Backend.KUBERNETES).processes(3)
            .apiServer(HaCluster.ApiServer.MOCK).build();

    @Test
    void grantAndRevokeMoveTheLeaseAndTheOldLeaderHearsFirst(HaServices p0, HaServices p1, HaServices p2) {
        assertThat(CLUSTER.describe()).contains("KubernetesMockServer");
        CLUSTER.startServices(TickingService::correct);
        HaServices first = CLUSTER.await().leader();
        HaServices target = first == p1 ? p2 : p1;

        CLUSTER.grant(target);
        assertThat(CLUSTER.await().leader()).isSameAs(target);
        ZooKeeperClusterTest.assertRevokedBeforeGranted(CLUSTER, first, target);

        CLUSTER.revoke(target);
        HaServices next = CLUSTER.await().leaderOtherThan(target);
        ZooKeeperClusterTest.assertRevokedBeforeGranted(CLUSTER, target, next);
        assertThat(ZooKeeperClusterTest.epochs(CLUSTER)).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void anExpiredLeaseEndsTheLeadersLeadershipAndTheNextLeadsAtAHigherEpoch(HaServices p0, HaServices p1) {
        CLUSTER.startServices(TickingService::correct);
        CLUSTER.grant(p1);
        CLUSTER.expireSession(p0); // p0 holds nothing: nothing happens
        assertThat(CLUSTER.leader()).contains(p1);

        long epoch = CLUSTER.recording().session("p1").orElseThrow().epoch();
        int revoked = CLUSTER.recording().revocations("p1");
        CLUSTER.expireSession(p1);
        await().atMost(Duration.ofSeconds(10)).until(() -> CLUSTER.recording().revocations("p1") > revoked);
        HaServices next = CLUSTER.await().leader();
        assertThat(CLUSTER.recording().session(next.config().nodeId()).orElseThrow().epoch()).isGreaterThan(epoch);
        assertThat(ZooKeeperClusterTest.epochs(CLUSTER)).isSorted().doesNotHaveDuplicates();
    }
}
