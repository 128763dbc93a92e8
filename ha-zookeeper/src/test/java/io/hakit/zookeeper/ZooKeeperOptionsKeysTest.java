package io.hakit.zookeeper;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every key of {@link ZooKeeperOptions#OPTIONS}, from a table: read from a map, refused when misspelt or bad. */
class ZooKeeperOptionsKeysTest {

    /** A key, a value other than its default and what the options then hold, and a value they refuse. */
    private record Case(String key, String value, Function<ZooKeeperOptions, Object> getter, Object expected,
                        String bad) {
    }

    private static final List<Case> CASES = List.of(
            new Case(ZooKeeperOptions.QUORUM, " zk1:2181,zk2:2181/chroot ", ZooKeeperOptions::quorum,
                    "zk1:2181,zk2:2181/chroot", "zk1:21x81"),
            new Case(ZooKeeperOptions.PATH_ROOT, "flink/", ZooKeeperOptions::pathRoot, "/flink", "/zookeeper/x"),
            new Case(ZooKeeperOptions.SESSION_TIMEOUT, "60000", ZooKeeperOptions::sessionTimeout,
                    Duration.ofSeconds(60), "10 ms"),
            new Case(ZooKeeperOptions.CONNECTION_TIMEOUT, "20 s", ZooKeeperOptions::connectionTimeout,
                    Duration.ofSeconds(20), "0 s"),
            new Case(ZooKeeperOptions.RETRY_WAIT, "1 s", ZooKeeperOptions::retryWait, Duration.ofSeconds(1), "30 d"),
            new Case(ZooKeeperOptions.MAX_RETRY_ATTEMPTS, "5", ZooKeeperOptions::maxRetryAttempts, 5, "-1"),
            new Case(ZooKeeperOptions.ACL, "Creator", ZooKeeperOptions::creatorAcl, true, "world"),
            new Case(ZooKeeperOptions.DIGEST, "flink:secret",
                    o -> new String(o.digest().orElseThrow(), StandardCharsets.UTF_8), "flink:secret", "nopassword"),
            new Case(ZooKeeperOptions.INLINE_LIMIT, "64 kb", ZooKeeperOptions::inlineLimit, 64 << 10, "2 mb"),
            new Case(ZooKeeperOptions.ENSEMBLE_TRACKER, " FALSE ", ZooKeeperOptions::ensembleTracker, false,
                    "sometimes"));

    /** What every case needs besides its own key: a quorum, and the digest that acl creator needs. */
    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>(Map.of(ZooKeeperOptions.QUORUM, "zk:2181",
                ZooKeeperOptions.DIGEST, "u:p"));
        m.put(key, value);
        return m;
    }

    @Test
    void everyKeyRoundTripsFromAMapAndThroughHaConfig() {
        assertThat(CASES).extracting(Case::key).as("a case for every key")
                .containsExactlyInAnyOrderElementsOf(ZooKeeperOptions.OPTIONS.stream().map(ConfigOption::key).toList());
        for (Case c : CASES) {
            assertThat(c.getter().apply(ZooKeeperOptions.fromMap(with(c.key(), c.value())))).as(c.key())
                    .isEqualTo(c.expected());
            Map<String, String> m = with(c.key(), c.value());
            m.put(HaConfig.TYPE, "zookeeper");
            assertThat(c.getter().apply(ZooKeeperOptions.of(HaConfig.fromMap(m)))).as(c.key())
                    .isEqualTo(c.expected());
        }
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheNearestValidKey() {
        List<String> keys = new java.util.ArrayList<>(CASES.stream().map(Case::key).toList());
        keys.add(ZooKeeperOptions.TOLERATE_SUSPENDED); // HaConfig's key in this namespace: named, not refused
        for (String key : keys) {
            String typo = key.substring(0, key.length() - 2) + key.charAt(key.length() - 1);
            InvalidConfigException e = catchThrowableOfType(() -> ZooKeeperOptions.fromMap(with(typo, "x")),
                    InvalidConfigException.class);
            assertThat(e).as(typo).isNotNull();
            assertThat(e.getMessage()).contains("unknown key " + typo).contains("did you mean " + key + "?");
            assertThat(e.fields()).containsExactly(typo);
        }
        assertThat(ZooKeeperOptions.fromMap(with(ZooKeeperOptions.TOLERATE_SUSPENDED, "true")).quorum())
                .isEqualTo("zk:2181");
        // a misspelt backend namespace belongs to no one: HaConfig refuses it, naming this backend's key
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of("high-availability.zookeper.quorum", "zk:2181")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("did you mean " + ZooKeeperOptions.QUORUM + "?");
    }

    @Test
    void aBadValueNamesTheKeyAndChangesNothing() {
        for (Case c : CASES) {
            ZooKeeperOptions.Builder b = ZooKeeperOptions.builder().options(with(c.key(), c.value()));
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
        ZooKeeperOptions fromMap = ZooKeeperOptions.fromMap(all);
        ZooKeeperOptions built = ZooKeeperOptions.builder().quorum("zk1:2181,zk2:2181/chroot").pathRoot("/flink")
                .sessionTimeout(Duration.ofSeconds(60)).connectionTimeout(Duration.ofSeconds(20))
                .retryWait(Duration.ofSeconds(1)).maxRetryAttempts(5).creatorAcl(true).digest("flink:secret")
                .inlineLimit(64 << 10).ensembleTracker(false).build();
        for (Case c : CASES) {
            assertThat(c.getter().apply(fromMap)).as(c.key()).isEqualTo(c.getter().apply(built));
        }
    }
}
