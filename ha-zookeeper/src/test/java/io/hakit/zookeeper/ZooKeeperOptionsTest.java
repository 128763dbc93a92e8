package io.hakit.zookeeper;

import io.hakit.api.ConnectionStatePolicy;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ZooKeeperOptionsTest {

    private static HaConfig config(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>();
        m.put("high-availability.type", "zookeeper");
        m.put("high-availability.cluster-id", "prod");
        m.put(ZooKeeperOptions.QUORUM, "zk1:2181,zk2:2181,zk3:2181");
        m.putAll(extra);
        return HaConfig.fromMap(m);
    }

    @Test
    void defaultsAndFlinkKeys() {
        ZooKeeperOptions o = ZooKeeperOptions.of(config(Map.of()));
        assertThat(o.quorum()).isEqualTo("zk1:2181,zk2:2181,zk3:2181");
        assertThat(o.clusterPath("prod")).isEqualTo("/hakit/prod");
        assertThat(o.sessionTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(o.connectionTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(o.retryWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.maxRetryAttempts()).isEqualTo(3);
        assertThat(o.creatorAcl()).isFalse();
        assertThat(o.inlineLimit()).isEqualTo(1_000_000);

        ZooKeeperOptions f = ZooKeeperOptions.of(config(Map.of(
                ZooKeeperOptions.PATH_ROOT, "flink/",
                ZooKeeperOptions.SESSION_TIMEOUT, "60000",
                ZooKeeperOptions.CONNECTION_TIMEOUT, "20 s",
                ZooKeeperOptions.RETRY_WAIT, "1 s",
                ZooKeeperOptions.MAX_RETRY_ATTEMPTS, "5",
                ZooKeeperOptions.ACL, "creator",
                ZooKeeperOptions.DIGEST, "flink:secret")));
        assertThat(f.clusterPath("prod")).isEqualTo("/flink/prod");
        assertThat(f.sessionTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(f.connectionTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(f.maxRetryAttempts()).isEqualTo(5);
        assertThat(f.creatorAcl()).isTrue();
        assertThat(f.digest()).isPresent();
    }

    @Test
    void flinksTolerateSuspendedSwitchSelectsThePolicy() {
        assertThat(config(Map.of(ZooKeeperOptions.TOLERATE_SUSPENDED, "true")).connectionStatePolicy())
                .isSameAs(ConnectionStatePolicy.REVOKE_ON_LOSS);
        assertThat(config(Map.of(ZooKeeperOptions.TOLERATE_SUSPENDED, "false",
                HaConfig.CONNECTION_STATE_POLICY, "revoke-on-loss")).connectionStatePolicy())
                .isSameAs(ConnectionStatePolicy.REVOKE_ON_SUSPEND);
        assertThatThrownBy(() -> config(Map.of(ZooKeeperOptions.TOLERATE_SUSPENDED, "maybe")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(ZooKeeperOptions.TOLERATE_SUSPENDED);
    }

    @Test
    void badOptionsNameTheirKey() {
        Map<String, String> noQuorum = new HashMap<>(Map.of("high-availability.type", "zookeeper"));
        assertThatThrownBy(() -> ZooKeeperOptions.of(HaConfig.fromMap(noQuorum)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(ZooKeeperOptions.QUORUM);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.QUORUM, "zk1:21x81"))))
                .hasMessageContaining(ZooKeeperOptions.QUORUM);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.SESSION_TIMEOUT, "0 s"))))
                .hasMessageContaining(ZooKeeperOptions.SESSION_TIMEOUT);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.SESSION_TIMEOUT, "10 ms"))))
                .hasMessageContaining(ZooKeeperOptions.SESSION_TIMEOUT);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.MAX_RETRY_ATTEMPTS, "-1"))))
                .hasMessageContaining(ZooKeeperOptions.MAX_RETRY_ATTEMPTS);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.ACL, "world"))))
                .hasMessageContaining(ZooKeeperOptions.ACL);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.ACL, "creator"))))
                .hasMessageContaining(ZooKeeperOptions.ACL).hasMessageContaining(ZooKeeperOptions.DIGEST);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.DIGEST, "nopassword"))))
                .hasMessageContaining(ZooKeeperOptions.DIGEST);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.PATH_ROOT, "/zookeeper/x"))))
                .hasMessageContaining(ZooKeeperOptions.PATH_ROOT);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.PATH_ROOT, "/a/../b"))))
                .hasMessageContaining(ZooKeeperOptions.PATH_ROOT);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of(ZooKeeperOptions.INLINE_LIMIT, "2 mb"))))
                .hasMessageContaining(ZooKeeperOptions.INLINE_LIMIT);
        assertThatThrownBy(() -> ZooKeeperOptions.of(config(Map.of("high-availability.zookeeper.quorm", "x"))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("quorm");
    }

    @Test
    void anUnreachableQuorumFailsWithinTheConnectionTimeoutNamingIt() {
        Map<String, String> m = new HashMap<>(Map.of(
                "high-availability.type", "zookeeper",
                ZooKeeperOptions.QUORUM, "127.0.0.1:1",
                ZooKeeperOptions.CONNECTION_TIMEOUT, "500 ms",
                ZooKeeperOptions.RETRY_WAIT, "50 ms"));
        assertThatThrownBy(() -> HaServices.create(m))
                .isInstanceOf(io.hakit.api.BackendUnavailableException.class)
                .hasMessageContaining("127.0.0.1:1").hasMessageContaining(ZooKeeperOptions.CONNECTION_TIMEOUT);
    }

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
