package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link HaTest} builds the class's cluster from its attributes and gives tests its parameters. */
@HaTest(processes = 2)
class HaTestAnnotationTest {

    @Test
    void givesTheAnnotatedClusterAndItsProcesses(HaCluster cluster, LeadershipControl control, HaServices first,
            List<HaServices> all) {
        assertThat(cluster.backend()).isEqualTo(Backend.EMBEDDED);
        assertThat(control).isSameAs(cluster);
        assertThat(all).hasSize(2).first().isSameAs(first);
        cluster.startServices(TickingService::correct);
        assertThat(cluster.await().leader()).isIn(all);
    }
}
