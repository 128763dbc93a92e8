package io.hakit.testkit.config;

import io.hakit.api.ConfigOption;
import io.hakit.api.ConnectionStatePolicy;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.testkit.contract.ConfigKeysContractTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every key of {@link HaConfig#OPTIONS}, from a table: read from a map, refused when misspelt or bad (here, not in
 * ha-api, because the table's checks are ha-testkit's {@link ConfigKeysContractTest}).
 */
class HaConfigKeysTest extends ConfigKeysContractTest<HaConfig, HaConfig.Builder> {

    HaConfigKeysTest() {
        super(HaConfig.OPTIONS, HaConfig::fromMap, keys -> HaConfig.builder().options(keys), HaConfig.Builder::options,
                HaConfig.Builder::build);
    }

    private static final List<Case<HaConfig>> CASES = List.of(
            new Case<>(HaConfig.TYPE, " ZooKeeper ", HaConfig::type, "zookeeper", " "),
            new Case<>(HaConfig.CLUSTER_ID, "/prod/", HaConfig::clusterId, "prod", "a b"),
            new Case<>(HaConfig.NODE_ID, "n-1", HaConfig::nodeId, "n-1", "a b"),
            new Case<>(HaConfig.STORAGE_DIR, "file:///var/ha", HaConfig::storageDir, Paths.get("/var/ha"), "a\0b"),
            new Case<>(HaConfig.LEASE_DURATION, "30 s", HaConfig::leaseDuration, Duration.ofSeconds(30), "soon"),
            new Case<>(HaConfig.RENEW_DEADLINE, "PT5S", HaConfig::renewDeadline, Duration.ofSeconds(5), "0 s"),
            new Case<>(HaConfig.RETRY_PERIOD, "500ms", HaConfig::retryPeriod, Duration.ofMillis(500), "5 fortnights"),
            new Case<>(HaConfig.OPERATION_TIMEOUT, "3 s", HaConfig::operationTimeout, Duration.ofSeconds(3), "0 s"),
            new Case<>(HaConfig.CONNECTION_STATE_POLICY, "revoke-on-loss", HaConfig::connectionStatePolicy,
                    ConnectionStatePolicy.REVOKE_ON_LOSS, "never"),
            new Case<>(HaConfig.MAX_VALUE_SIZE, "8 mb", HaConfig::maxValueSize, 8 << 20, "2 gb"),
            new Case<>(HaConfig.FLAPPING_MAX_CHANGES, "7", HaConfig::flappingMaxChanges, 7, "0"),
            new Case<>(HaConfig.FLAPPING_WINDOW, "1 min", HaConfig::flappingWindow, Duration.ofMinutes(1), "-"),
            new Case<>(HaConfig.ZOOKEEPER_TOLERATE_SUSPENDED, "true", HaConfig::connectionStatePolicy,
                    ConnectionStatePolicy.REVOKE_ON_LOSS, "maybe"));

    @Override
    protected List<Case<HaConfig>> cases() {
        return CASES;
    }

    @Override
    protected List<String> misspeltKeys() {
        // under high-availability.zookeeper.: the ZooKeeper backend's to refuse (ZooKeeperOptionsKeysTest)
        return CASES.stream().map(Case::key).filter(k -> !k.equals(HaConfig.ZOOKEEPER_TOLERATE_SUSPENDED)).toList();
    }

    @Override
    protected Map<String, String> everyValue() {
        Map<String, String> all = super.everyValue();
        all.put("high-availability.zookeeper.quorum", "zk:2181");
        return all;
    }

    @Override
    protected HaConfig builtInJava() {
        return HaConfig.builder().type("zookeeper").clusterId("prod").nodeId("n-1")
                .storageDir(Paths.get("/var/ha")).leaseDuration(Duration.ofSeconds(30))
                .renewDeadline(Duration.ofSeconds(5)).retryPeriod(Duration.ofMillis(500))
                .operationTimeout(Duration.ofSeconds(3)).connectionStatePolicy(ConnectionStatePolicy.REVOKE_ON_LOSS)
                .maxValueSize(8 << 20).flappingAlarm(7, Duration.ofMinutes(1))
                .backendOption("high-availability.zookeeper.quorum", "zk:2181").build();
    }

    @Override
    protected void alsoAgree(HaConfig fromMap, HaConfig built) {
        assertThat(fromMap.toString()).isEqualTo(built.toString());
        assertThat(fromMap.backendOptions()).isEqualTo(built.backendOptions());
    }

    @Test
    void aKeyFarFromEveryKeyIsRefusedNamingTheNearestAnyway() {
        InvalidConfigException far = catchThrowableOfType(() -> HaConfig.fromMap(Map.of(
                "high-availability.jobmanager.port", "0")), InvalidConfigException.class);
        assertThat(far.getMessage()).containsPattern("unknown key high-availability.jobmanager.port \\((did you mean"
                + "|the nearest valid key is) high-availability\\.");
    }

    @Test
    void keysOfBackendsAndOtherNamespacesAreLeftToTheirOwners() {
        HaConfig c = HaConfig.fromMap(Map.of("high-availability.zookeeper.quorum", "zk:2181",
                "high-availability.etcd.endpoints", "e:2379", "kubernetes.namespace", "ha",
                "kubernetes.jobmanager.cpu", "1", "taskmanager.numberOfTaskSlots", "4"));
        assertThat(c.backendOptions()).containsOnlyKeys("high-availability.zookeeper.quorum",
                "high-availability.etcd.endpoints", "kubernetes.namespace", "kubernetes.jobmanager.cpu");
        assertThatThrownBy(() -> HaConfig.builder().backendOption("high-availability.lease-duratoin", "20 s"))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("did you mean "
                        + HaConfig.LEASE_DURATION + "?");
    }
}
