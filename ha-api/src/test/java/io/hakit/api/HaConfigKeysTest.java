package io.hakit.api;

import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every key of {@link HaConfig#OPTIONS}, from a table: read from a map, refused when misspelt or bad. */
class HaConfigKeysTest {

    /** A key, a value other than its default and what the config then holds, and a value it refuses. */
    private record Case(String key, String value, Function<HaConfig, Object> getter, Object expected, String bad) {
    }

    private static final List<Case> CASES = List.of(
            new Case(HaConfig.TYPE, " ZooKeeper ", HaConfig::type, "zookeeper", " "),
            new Case(HaConfig.CLUSTER_ID, "/prod/", HaConfig::clusterId, "prod", "a b"),
            new Case(HaConfig.NODE_ID, "n-1", HaConfig::nodeId, "n-1", "a b"),
            new Case(HaConfig.STORAGE_DIR, "file:///var/ha", HaConfig::storageDir, Paths.get("/var/ha"), "a\0b"),
            new Case(HaConfig.LEASE_DURATION, "30 s", HaConfig::leaseDuration, Duration.ofSeconds(30), "soon"),
            new Case(HaConfig.RENEW_DEADLINE, "PT5S", HaConfig::renewDeadline, Duration.ofSeconds(5), "0 s"),
            new Case(HaConfig.RETRY_PERIOD, "500ms", HaConfig::retryPeriod, Duration.ofMillis(500), "5 fortnights"),
            new Case(HaConfig.OPERATION_TIMEOUT, "3 s", HaConfig::operationTimeout, Duration.ofSeconds(3), "0 s"),
            new Case(HaConfig.CONNECTION_STATE_POLICY, "revoke-on-loss", HaConfig::connectionStatePolicy,
                    ConnectionStatePolicy.REVOKE_ON_LOSS, "never"),
            new Case(HaConfig.MAX_VALUE_SIZE, "8 mb", HaConfig::maxValueSize, 8 << 20, "2 gb"),
            new Case(HaConfig.FLAPPING_MAX_CHANGES, "7", HaConfig::flappingMaxChanges, 7, "0"),
            new Case(HaConfig.FLAPPING_WINDOW, "1 min", HaConfig::flappingWindow, Duration.ofMinutes(1), "-"),
            new Case(HaConfig.ZOOKEEPER_TOLERATE_SUSPENDED, "true", HaConfig::connectionStatePolicy,
                    ConnectionStatePolicy.REVOKE_ON_LOSS, "maybe"));

    @Test
    void everyKeyRoundTripsFromAMap() {
        assertThat(CASES).extracting(Case::key).as("a case for every key")
                .containsExactlyInAnyOrderElementsOf(HaConfig.OPTIONS.stream().map(ConfigOption::key).toList());
        for (Case c : CASES) {
            assertThat(c.getter().apply(HaConfig.fromMap(Map.of(c.key(), c.value())))).as(c.key())
                    .isEqualTo(c.expected());
        }
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheNearestValidKey() {
        for (ConfigOption o : HaConfig.OPTIONS) {
            if (o.key().equals(HaConfig.ZOOKEEPER_TOLERATE_SUSPENDED)) {
                continue; // under high-availability.zookeeper.: the ZooKeeper backend's to refuse (ZooKeeperOptionsTest)
            }
            String typo = o.key().substring(0, o.key().length() - 2) + o.key().charAt(o.key().length() - 1);
            InvalidConfigException e = catchThrowableOfType(() -> HaConfig.fromMap(Map.of(typo, "x")),
                    InvalidConfigException.class);
            assertThat(e).as(typo).isNotNull();
            assertThat(e.getMessage()).contains("unknown key " + typo).contains("did you mean " + o.key() + "?");
            assertThat(e.fields()).containsExactly(typo);
        }
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

    @Test
    void aBadValueNamesTheKeyAndChangesNothing() {
        for (Case c : CASES) {
            HaConfig.Builder b = HaConfig.builder().options(Map.of(c.key(), c.value()));
            InvalidConfigException e = catchThrowableOfType(() -> b.options(Map.of(c.key(), c.bad())),
                    InvalidConfigException.class);
            assertThat(e).as(c.key() + "=" + c.bad()).isNotNull();
            assertThat(e.getMessage()).contains(c.key());
            assertThat(e.fields()).first().isEqualTo(c.key());
            assertThat(c.getter().apply(b.build())).as(c.key() + " unchanged").isEqualTo(c.expected());
        }
    }

    @Test
    void builderAndFromMapAgree() {
        Map<String, String> all = new HashMap<>();
        CASES.forEach(c -> all.put(c.key(), c.value()));
        all.put("high-availability.zookeeper.quorum", "zk:2181");
        HaConfig fromMap = HaConfig.fromMap(all);
        HaConfig built = HaConfig.builder().type("zookeeper").clusterId("prod").nodeId("n-1")
                .storageDir(Paths.get("/var/ha")).leaseDuration(Duration.ofSeconds(30))
                .renewDeadline(Duration.ofSeconds(5)).retryPeriod(Duration.ofMillis(500))
                .operationTimeout(Duration.ofSeconds(3)).connectionStatePolicy(ConnectionStatePolicy.REVOKE_ON_LOSS)
                .maxValueSize(8 << 20).flappingAlarm(7, Duration.ofMinutes(1))
                .backendOption("high-availability.zookeeper.quorum", "zk:2181").build();
        for (Case c : CASES) {
            assertThat(c.getter().apply(fromMap)).as(c.key()).isEqualTo(c.getter().apply(built));
        }
        assertThat(fromMap.toString()).isEqualTo(built.toString());
        assertThat(fromMap.backendOptions()).isEqualTo(built.backendOptions());
    }
}
