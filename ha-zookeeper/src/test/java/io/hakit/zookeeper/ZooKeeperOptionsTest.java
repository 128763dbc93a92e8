package io.hakit.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ZooKeeperOptionsTest {

    private static HaConfig.Builder base() {
        return HaConfig.builder().type("zookeeper").nodeId("n")
                .backendOption(ZooKeeperOptions.QUORUM, "zk-1:2181,zk-2:2181");
    }

    @Test
    void ensembleTrackingFollowsFlinkAndCuratorByDefaultAndCanBeSwitchedOff() {
        assertThat(ZooKeeperOptions.of(base().build()).ensembleTracker()).isTrue();
        assertThat(ZooKeeperOptions.of(base().backendOption(ZooKeeperOptions.ENSEMBLE_TRACKER, "false").build())
                .ensembleTracker()).isFalse();
        assertThat(ZooKeeperOptions.of(base().backendOption(ZooKeeperOptions.ENSEMBLE_TRACKER, " TRUE ").build())
                .ensembleTracker()).isTrue();
    }

    @Test
    void aBadEnsembleTrackingValueNamesTheKey() {
        HaConfig config = base().backendOption(ZooKeeperOptions.ENSEMBLE_TRACKER, "sometimes").build();
        assertThatThrownBy(() -> ZooKeeperOptions.of(config)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(ZooKeeperOptions.ENSEMBLE_TRACKER).hasMessageContaining("sometimes");
    }

    @Test
    void anUnknownZooKeeperKeyIsRefused() {
        HaConfig config = base().backendOption("high-availability.zookeeper.client.ensemble-tracking", "false")
                .build();
        assertThatThrownBy(() -> ZooKeeperOptions.of(config)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("high-availability.zookeeper.client.ensemble-tracking");
    }
}
