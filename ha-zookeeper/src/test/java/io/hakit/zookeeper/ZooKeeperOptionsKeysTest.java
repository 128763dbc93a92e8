package io.hakit.zookeeper;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.testkit.contract.ConfigKeysContractTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every key of {@link ZooKeeperOptions#OPTIONS}, from a table: read from a map, refused when misspelt or bad. */
class ZooKeeperOptionsKeysTest extends ConfigKeysContractTest<ZooKeeperOptions, ZooKeeperOptions.Builder> {

    ZooKeeperOptionsKeysTest() {
        super(ZooKeeperOptions.OPTIONS, ZooKeeperOptions::fromMap, keys -> ZooKeeperOptions.builder().options(keys),
                ZooKeeperOptions.Builder::options, ZooKeeperOptions.Builder::build);
    }

    private static final List<Case<ZooKeeperOptions>> CASES = List.of(
            new Case<>(ZooKeeperOptions.QUORUM, " zk1:2181,zk2:2181/chroot ", ZooKeeperOptions::quorum,
                    "zk1:2181,zk2:2181/chroot", "zk1:21x81"),
            new Case<>(ZooKeeperOptions.PATH_ROOT, "flink/", ZooKeeperOptions::pathRoot, "/flink", "/zookeeper/x"),
            new Case<>(ZooKeeperOptions.SESSION_TIMEOUT, "60000", ZooKeeperOptions::sessionTimeout,
                    Duration.ofSeconds(60), "10 ms"),
            new Case<>(ZooKeeperOptions.CONNECTION_TIMEOUT, "20 s", ZooKeeperOptions::connectionTimeout,
                    Duration.ofSeconds(20), "0 s"),
            new Case<>(ZooKeeperOptions.RETRY_WAIT, "1 s", ZooKeeperOptions::retryWait, Duration.ofSeconds(1), "30 d"),
            new Case<>(ZooKeeperOptions.MAX_RETRY_ATTEMPTS, "5", ZooKeeperOptions::maxRetryAttempts, 5, "-1"),
            new Case<>(ZooKeeperOptions.ACL, "Creator", ZooKeeperOptions::creatorAcl, true, "world"),
            new Case<>(ZooKeeperOptions.DIGEST, "flink:secret",
                    o -> new String(o.digest().orElseThrow(), StandardCharsets.UTF_8), "flink:secret", "nopassword"),
            new Case<>(ZooKeeperOptions.INLINE_LIMIT, "64 kb", ZooKeeperOptions::inlineLimit, 64 << 10, "2 mb"),
            new Case<>(ZooKeeperOptions.ENSEMBLE_TRACKER, " FALSE ", ZooKeeperOptions::ensembleTracker, false,
                    "sometimes"));

    @Override
    protected List<Case<ZooKeeperOptions>> cases() {
        return CASES;
    }

    /** fromMap, and the backend's way: through HaConfig's backend options. */
    @Override
    protected List<Function<Map<String, String>, ZooKeeperOptions>> readers() {
        return List.of(ZooKeeperOptions::fromMap, keys -> {
            Map<String, String> m = new HashMap<>(keys);
            m.put(HaConfig.TYPE, "zookeeper");
            return ZooKeeperOptions.of(HaConfig.fromMap(m));
        });
    }

    /** What every case needs besides its own key: a quorum, and the digest that acl creator needs. */
    @Override
    protected Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>(Map.of(ZooKeeperOptions.QUORUM, "zk:2181",
                ZooKeeperOptions.DIGEST, "u:p"));
        m.put(key, value);
        return m;
    }

    @Override
    protected List<String> misspeltKeys() {
        List<String> keys = new ArrayList<>(super.misspeltKeys());
        keys.add(ZooKeeperOptions.TOLERATE_SUSPENDED); // HaConfig's key in this namespace: named, not refused
        return keys;
    }

    @Override
    protected ZooKeeperOptions builtInJava() {
        return ZooKeeperOptions.builder().quorum("zk1:2181,zk2:2181/chroot").pathRoot("/flink")
                .sessionTimeout(Duration.ofSeconds(60)).connectionTimeout(Duration.ofSeconds(20))
                .retryWait(Duration.ofSeconds(1)).maxRetryAttempts(5).creatorAcl(true).digest("flink:secret")
                .inlineLimit(64 << 10).ensembleTracker(false).build();
    }

    @Test
    void haConfigsKeyInThisNamespaceIsNotRefusedAndAMisspeltNamespaceIsHaConfigsToRefuse() {
        assertThat(ZooKeeperOptions.fromMap(with(ZooKeeperOptions.TOLERATE_SUSPENDED, "true")).quorum())
                .isEqualTo("zk:2181");
        // a misspelt backend namespace belongs to no one: HaConfig refuses it, naming this backend's key
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of("high-availability.zookeper.quorum", "zk:2181")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("did you mean " + ZooKeeperOptions.QUORUM + "?");
    }
}
