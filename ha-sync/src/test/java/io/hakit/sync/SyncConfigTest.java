package io.hakit.sync;

import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyncConfigTest {

    @TempDir
    Path tmp;

    private Map<String, String> base() throws Exception {
        Map<String, String> m = new HashMap<>();
        m.put("keepalive.cluster-id", "c1");
        m.put("keepalive.node-id", "node-a");
        m.put("keepalive.peer.node-id", "node-b");
        m.put("keepalive.bind", "127.0.0.1:7000");
        m.put("keepalive.peer.address", "10.0.0.2:7000");
        m.put("keepalive.tls.cert-dir", tmp.resolve("certs").toString());
        m.put("keepalive.state-dir", tmp.resolve("state").toString());
        m.put("keepalive.arbiter", "none");
        m.put("sync.root.conf", Files.createDirectories(tmp.resolve("conf")).toString());
        return m;
    }

    @Test
    void theAgentsKeysGiveTheDefaultsAndThePortsNextToTheKeepalivePorts() throws Exception {
        SyncConfig c = SyncConfig.fromMap(base());
        assertThat(c.bind().getPort()).isEqualTo(7001);
        assertThat(c.peerAddress().getHostString()).isEqualTo("10.0.0.2");
        assertThat(c.peerAddress().getPort()).isEqualTo(7001);
        assertThat(c.period()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.debounce()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.keepalive().insecure()).isFalse();
        assertThat(c.watch()).isTrue();
        assertThat(c.roots()).containsOnlyKeys("conf");
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Map<String, String> m = base();
        m.put("sync.period", "10 s");
        m.put("sync.debounce", "20 ms");
        m.put("sync.bandwidth-limit", "50 mb");
        m.put("sync.exclude", "*.tmp, cache");
        m.put("sync.include", "*.yaml");
        m.put("sync.bind", "0.0.0.0:9000");
        m.put("sync.peer.address", "10.0.0.2:9000");
        m.put("sync.max-file-size", "1 gb");
        m.put("sync.watch", "false");
        SyncConfig c = SyncConfig.fromMap(m);
        assertThat(c.period()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.bandwidthLimit()).isEqualTo(50L << 20);
        assertThat(c.excludes()).containsExactly("*.tmp", "cache");
        assertThat(c.includes()).containsExactly("*.yaml");
        assertThat(c.bind().getPort()).isEqualTo(9000);
        assertThat(c.maxFileSize()).isEqualTo(1L << 30);
        assertThat(c.watch()).isFalse();
    }

    @Test
    void badValuesNameTheirKeys() throws Exception {
        Map<String, String> m = base();
        m.put("sync.perid", "10 s");
        assertThatThrownBy(() -> SyncConfig.fromMap(m)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown key sync.perid");

        Map<String, String> nested = base();
        nested.put("sync.root.inner", Files.createDirectories(tmp.resolve("conf/inner")).toString());
        assertThatThrownBy(() -> SyncConfig.fromMap(nested)).hasMessageContaining("sync.root.conf")
                .hasMessageContaining("sync.root.inner").hasMessageContaining("nest");

        Map<String, String> slow = base();
        slow.put("sync.period", "1 s");
        slow.put("sync.debounce", "2 s");
        assertThatThrownBy(() -> SyncConfig.fromMap(slow)).hasMessageContaining("sync.debounce")
                .hasMessageContaining("sync.period");

        Map<String, String> missing = base();
        missing.put("sync.root.gone", tmp.resolve("nope").toString());
        assertThatThrownBy(() -> SyncConfig.fromMap(missing)).hasMessageContaining("sync.root.gone")
                .hasMessageContaining("is not a directory");

        Map<String, String> noTls = base();
        noTls.remove("keepalive.tls.cert-dir");
        assertThatThrownBy(() -> SyncConfig.fromMap(noTls)).hasMessageContaining("keepalive.tls.cert-dir");

        Map<String, String> badName = base();
        badName.put("sync.root.a b", tmp.toString());
        assertThatThrownBy(() -> SyncConfig.fromMap(badName)).hasMessageContaining("root name");

        Map<String, String> stateInside = base();
        stateInside.put("sync.state-dir", tmp.resolve("conf/.state").toString());
        assertThatThrownBy(() -> SyncConfig.fromMap(stateInside)).hasMessageContaining("lies inside");
    }

    @Test
    void aDefaultSyncPortThatIsTheOtherNodesKeepalivePortIsRefused() throws Exception {
        // two nodes on one host with adjacent keepalive ports: node-a's sync port (7000 + 1) is node-b's keepalive
        Map<String, String> m = base();
        m.put("keepalive.peer.address", "127.0.0.1:7001");
        assertThatThrownBy(() -> SyncConfig.fromMap(m)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("sync.bind (default: keepalive.bind's port + 1) 127.0.0.1:7001")
                .hasMessageContaining("is a keepalive address (keepalive.peer.address)")
                .hasMessageContaining("at least 2 apart");
        // node-b's view of the same pair: its sync peer (7000 + 1) is its own keepalive port
        Map<String, String> b = base();
        b.put("keepalive.bind", "127.0.0.1:7001");
        b.put("keepalive.peer.address", "127.0.0.1:7000");
        assertThatThrownBy(() -> SyncConfig.fromMap(b)).hasMessageContaining("sync.peer.address")
                .hasMessageContaining("127.0.0.1:7001 is a keepalive address (keepalive.bind)");
        // explicit ports apart from the keepalive ones are fine
        b.put("sync.bind", "127.0.0.1:7100");
        b.put("sync.peer.address", "127.0.0.1:7101");
        assertThat(SyncConfig.fromMap(b).bind().getPort()).isEqualTo(7100);
    }
}
