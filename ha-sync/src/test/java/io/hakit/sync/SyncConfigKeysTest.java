package io.hakit.sync;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.testkit.contract.ConfigKeysContractTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every key of {@link SyncConfig#OPTIONS}, from a table: read from a map, refused when misspelt or bad; the builder
 * and the keys agree; the pair's keys come from {@link KeepaliveConfig} alone.
 */
class SyncConfigKeysTest extends ConfigKeysContractTest<SyncConfig, SyncConfig.Builder> {

    /** The builder takes the pair (ids, addresses, TLS, state directory) from the node's KeepaliveConfig. */
    SyncConfigKeysTest() {
        super(SyncConfig.OPTIONS, SyncConfig::fromMap,
                keys -> SyncConfig.builder().keepalive(KeepaliveConfig.fromMap(keys)).options(keys),
                SyncConfig.Builder::options, SyncConfig.Builder::build);
    }

    @TempDir
    static Path dir;
    private static Path conf;
    private static Path jobs;

    @BeforeAll
    static void roots() throws Exception {
        conf = Files.createDirectories(dir.resolve("conf"));
        jobs = Files.createDirectories(dir.resolve("jobs"));
    }

    @Override
    protected List<Case<SyncConfig>> cases() {
        return List.of(
                new Case<>(SyncConfig.ROOT + "<name>", jobs.toString(), c -> c.roots().get("jobs"), jobs, "a\0b"),
                new Case<>(SyncConfig.BIND, "127.0.0.1:9000", SyncConfig::bind,
                        new InetSocketAddress("127.0.0.1", 9000), "9000"),
                new Case<>(SyncConfig.PEER_ADDRESS, "127.0.0.1:9001", SyncConfig::peerAddress,
                        new InetSocketAddress("127.0.0.1", 9001), "x:"),
                new Case<>(SyncConfig.INCLUDE, "*.yaml, conf/**", SyncConfig::includes, List.of("*.yaml", "conf/**"),
                        "[unclosed"),
                new Case<>(SyncConfig.EXCLUDE, "*.tmp,logs", SyncConfig::excludes, List.of("*.tmp", "logs"), "{a"),
                new Case<>(SyncConfig.PERIOD, "10 s", SyncConfig::period, Duration.ofSeconds(10), "0 s"),
                new Case<>(SyncConfig.WATCH, "false", SyncConfig::watch, false, "sometimes"),
                new Case<>(SyncConfig.DEBOUNCE, "20 ms", SyncConfig::debounce, Duration.ofMillis(20), "11 s"),
                new Case<>(SyncConfig.BANDWIDTH, "50 mb", SyncConfig::bandwidthLimit, 50L << 20, "1 kb"),
                new Case<>(SyncConfig.RESERVE, "1 gb", SyncConfig::diskReserve, 1L << 30, "lots"),
                new Case<>(SyncConfig.MAX_FILE, "1 gb", SyncConfig::maxFileSize, 1L << 30, "0"),
                new Case<>(SyncConfig.MAX_ENTRIES, "5000", SyncConfig::maxEntries, 5000, "0"),
                new Case<>(SyncConfig.TIMEOUT, "5 s", SyncConfig::timeout, Duration.ofSeconds(5), "-"),
                new Case<>(SyncConfig.VERIFY_CONTENT, "true", SyncConfig::verifyContent, true, "always"),
                new Case<>(SyncConfig.STATE_DIR, dir.resolve("sync-state").toString(), SyncConfig::stateDir,
                        dir.resolve("sync-state"), "a\0b"));
    }

    /** The key as a map holds it: a family by one member. */
    @Override
    protected String mapKey(Case<SyncConfig> c) {
        return c.key().replace("<name>", "jobs");
    }

    /** A root misspelt would name another root: its family's prefix is misspelt. */
    @Override
    protected String misspell(String key) {
        return key.startsWith(SyncConfig.ROOT) ? "sync.rot.jobs" : super.misspell(key);
    }

    @Override
    protected Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>();
        m.put(KeepaliveConfig.NODE_ID, "node-a");
        m.put(KeepaliveConfig.PEER_NODE_ID, "node-b");
        m.put(KeepaliveConfig.BIND, "127.0.0.1:7000");
        m.put(KeepaliveConfig.PEER_ADDRESS, "10.0.0.2:7000");
        m.put(KeepaliveConfig.INSECURE, "true");
        m.put(KeepaliveConfig.STATE_DIR, dir.resolve("state").toString());
        m.put(KeepaliveConfig.ARBITER, "none");
        m.put(SyncConfig.ROOT + "conf", conf.toString());
        m.put(key, value);
        return m;
    }

    @Test
    void thePairComesFromTheKeepaliveConfig() {
        SyncConfig c = SyncConfig.fromMap(with(SyncConfig.WATCH, "true"));
        assertThat(c.keepalive()).isEqualTo(c.keepalive());
        assertThat(c.nodeId()).isEqualTo("node-a");
        assertThat(c.keepalive().peerNodeId()).isEqualTo("node-b");
        assertThat(c.bind()).isEqualTo(new InetSocketAddress("127.0.0.1", 7001));
        assertThat(c.peerAddress()).isEqualTo(new InetSocketAddress("10.0.0.2", 7001));
        assertThat(c.stateDir()).isEqualTo(dir.resolve("state"));
        // a misspelt pair key is the keepalive's to refuse, with its nearest key
        assertThatThrownBy(() -> SyncConfig.fromMap(with("keepalive.tls.cert-dr", "/x")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("did you mean keepalive.tls.cert-dir?");
    }

    @Override
    protected Map<String, String> everyValue() {
        Map<String, String> all = with(SyncConfig.WATCH, "false");
        cases().forEach(c -> all.put(mapKey(c), c.value()));
        all.put(SyncConfig.DEBOUNCE, "20 ms");
        return all;
    }

    @Override
    protected SyncConfig builtInJava() {
        return SyncConfig.builder().keepalive(KeepaliveConfig.fromMap(everyValue())).root("conf", conf)
                .root("jobs", jobs).bind(new InetSocketAddress("127.0.0.1", 9000))
                .peer(new InetSocketAddress("127.0.0.1", 9001)).include(List.of("*.yaml", "conf/**"))
                .exclude(List.of("*.tmp", "logs")).period(Duration.ofSeconds(10)).watch(false)
                .debounce(Duration.ofMillis(20)).bandwidthLimit(50L << 20).diskReserve(1L << 30)
                .maxFileSize(1L << 30).maxEntries(5000).timeout(Duration.ofSeconds(5)).verifyContent(true)
                .stateDir(dir.resolve("sync-state")).build();
    }

    @Override
    protected void alsoAgree(SyncConfig fromMap, SyncConfig built) {
        assertThat(fromMap.toString()).isEqualTo(built.toString());
    }
}
