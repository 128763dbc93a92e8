package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesBackendServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The extension on a real kube-apiserver with etcd (or the cluster of {@code KUBECONFIG}), when one can run here (CI
 * builds it; elsewhere the class is skipped).
 */
@EnabledIf("realApiServer")
@HaTest(backend = Backend.KUBERNETES, processes = 2, apiServer = HaCluster.ApiServer.REAL)
class KubernetesRealClusterTest {

    static boolean realApiServer() {
        String reason = KubernetesBackendServer.realUnavailableReason();
        if (reason != null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI must run the real-apiserver tests, but " + reason);
        }
        return reason == null;
    }

    @Test
    void grantRevokeAndExpireMoveTheLeaseWithTheShippedRbac(HaCluster cluster, HaServices p0, HaServices p1) {
        assertThat(cluster.describe()).contains("kube-apiserver");
        cluster.startServices(TickingService::correct);
        cluster.await().leader();

        cluster.grant(p1);
        cluster.revoke(p1);
        assertThat(cluster.await().leader()).isSameAs(p0);
        ZooKeeperClusterTest.assertRevokedBeforeGranted(cluster, p1, p0);

        // the Lease goes to a stranger for a second: p0 steps down, and whoever acquires it next leads at a higher epoch
        int revoked = cluster.recording().revocations("p0");
        cluster.expireSession(p0);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.recording().revocations("p0") > revoked);
        cluster.await().leader();
        assertThat(ZooKeeperClusterTest.epochs(cluster)).isSorted().doesNotHaveDuplicates().hasSizeGreaterThan(2);
    }
}
