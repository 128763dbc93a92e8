package io.hakit.api;

import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HaConfigTest {

    @Test
    void defaultsAreSafeAndDocumented() {
        HaConfig c = HaConfig.defaults();
        assertThat(c.type()).isEqualTo("embedded");
        assertThat(c.clusterId()).isEqualTo("default");
        assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.operationTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.connectionStatePolicy()).isSameAs(ConnectionStatePolicy.REVOKE_ON_SUSPEND);
        assertThat(c.nodeId()).matches("[A-Za-z0-9._-]{1,128}");
        assertThat(c.eventExecutor()).isEmpty();
    }

    @Test
    void zeroAndNegativeTimeoutsNameTheirField() {
        assertThatThrownBy(() -> HaConfig.builder().leaseDuration(Duration.ZERO))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.LEASE_DURATION)
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> HaConfig.builder().renewDeadline(Duration.ofSeconds(-1)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.RENEW_DEADLINE);
        assertThatThrownBy(() -> HaConfig.builder().retryPeriod(Duration.ofMillis(-5)))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.RETRY_PERIOD);
        assertThatThrownBy(() -> HaConfig.builder().operationTimeout(Duration.ZERO))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.OPERATION_TIMEOUT);
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.OPERATION_TIMEOUT, "0 s")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.OPERATION_TIMEOUT);
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.LEASE_DURATION, "-3 s")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.LEASE_DURATION);
    }

    @Test
    void leaseNotAboveRenewDeadlineNamesBothFields() {
        HaConfig.Builder b = HaConfig.builder().leaseDuration(Duration.ofSeconds(10)).renewDeadline(Duration.ofSeconds(10));
        assertThatThrownBy(b::build).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(HaConfig.LEASE_DURATION).hasMessageContaining(HaConfig.RENEW_DEADLINE)
                .satisfies(e -> assertThat(((InvalidConfigException) e).fields())
                        .containsExactly(HaConfig.LEASE_DURATION, HaConfig.RENEW_DEADLINE));
        HaConfig.Builder c = HaConfig.builder().renewDeadline(Duration.ofSeconds(1)).retryPeriod(Duration.ofSeconds(2));
        assertThatThrownBy(c::build).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(HaConfig.RENEW_DEADLINE).hasMessageContaining(HaConfig.RETRY_PERIOD);
    }

    @Test
    void flinkStyleMapIsParsed() {
        HaConfig c = HaConfig.fromMap(Map.of(
                "high-availability.type", "ZooKeeper",
                "high-availability.cluster-id", "/flink-prod/",
                "high-availability.storageDir", "file:///var/flink/ha",
                "high-availability.lease-duration", "20 s",
                "high-availability.renew-deadline", "PT12S",
                "high-availability.retry-period", "500ms",
                "high-availability.connection-state-policy", "revoke-on-loss",
                "high-availability.store.max-value-size", "8 mb",
                "high-availability.zookeeper.quorum", "zk1:2181,zk2:2181",
                "taskmanager.numberOfTaskSlots", "4"));
        assertThat(c.type()).isEqualTo("zookeeper");
        assertThat(c.clusterId()).isEqualTo("flink-prod");
        assertThat(c.storageDir()).isEqualTo(Paths.get("/var/flink/ha"));
        assertThat(c.leaseDuration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.renewDeadline()).isEqualTo(Duration.ofSeconds(12));
        assertThat(c.retryPeriod()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.connectionStatePolicy()).isSameAs(ConnectionStatePolicy.REVOKE_ON_LOSS);
        assertThat(c.maxValueSize()).isEqualTo(8 << 20);
        assertThat(c.backendOptions()).containsExactly(Map.entry("high-availability.zookeeper.quorum", "zk1:2181,zk2:2181"));
        assertThat(c.backendOption("high-availability.zookeeper.quorum")).contains("zk1:2181,zk2:2181");
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.LEASE_DURATION, "soon")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.LEASE_DURATION)
                .hasMessageContaining("soon");
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.RETRY_PERIOD, "5 fortnights")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("fortnights");
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.CONNECTION_STATE_POLICY, "never")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.CONNECTION_STATE_POLICY);
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.CLUSTER_ID, "a b")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.CLUSTER_ID);
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.NODE_ID, "")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.NODE_ID);
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.MAX_VALUE_SIZE, "2 gb")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.MAX_VALUE_SIZE);
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.TYPE, " ")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.TYPE);
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.FLAPPING_MAX_CHANGES, "0")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining(HaConfig.FLAPPING_MAX_CHANGES);
        assertThatThrownBy(() -> HaConfig.builder().backendOption("zookeeper.quorum", "x"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("high-availability.");
    }

    @Test
    void toBuilderCopiesEverythingAndBuildCopies() {
        HaConfig.Builder b = HaConfig.builder().nodeId("n1").clusterId("c1").leaseDuration(Duration.ofSeconds(30))
                .backendOption("high-availability.zookeeper.quorum", "q");
        HaConfig first = b.build();
        b.nodeId("n2");
        assertThat(first.nodeId()).isEqualTo("n1");
        HaConfig copy = first.toBuilder().build();
        assertThat(copy.toString()).isEqualTo(first.toString());
        assertThat(copy.backendOptions()).isEqualTo(first.backendOptions());
    }
}
