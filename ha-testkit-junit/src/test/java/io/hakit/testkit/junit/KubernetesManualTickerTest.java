package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.testkit.ManualTicker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The extension on fabric8's Kubernetes mock server, with time driven by a ManualTicker. */
class KubernetesManualTickerTest {

    @RegisterExtension
    static final HaCluster CLUSTER = HaCluster.builder(Backend.KUBERNETES).processes(3)
            .apiServer(HaCluster.ApiServer.MOCK).manualTicker(true).build();

    @Test
    void aPartitionedLeaderIsReplacedOnlyWhenTheTestMovesTimePastTheLease(HaServices p0, ManualTicker ticker) {
        CLUSTER.startServices(TickingService::correct);
        CLUSTER.grant(p0);

        CLUSTER.partition(p0);
        // time stands still: p0's renew deadline never passes and the others never see its lease run out
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
                .until(() -> CLUSTER.leader().filter(p0::equals).isPresent());

        ticker.advance(Duration.ofMillis(2100)); // past p0's renew deadline (2 s): it steps down
        CLUSTER.await().noLeader();
        ticker.advance(Duration.ofSeconds(1)); // past the lease (3 s) the others saw last
        HaServices next = CLUSTER.await().leaderOtherThan(p0);
        CLUSTER.heal(p0);
        assertThat(CLUSTER.await().leader()).isSameAs(next);
    }
}
