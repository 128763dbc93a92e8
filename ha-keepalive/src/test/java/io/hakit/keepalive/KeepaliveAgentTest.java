package io.hakit.keepalive;

import io.hakit.api.InvalidConfigException;
import io.hakit.testkit.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class KeepaliveAgentTest {

    @TempDir
    Path dir;

    private Map<String, String> settings(String node, String peer, int port, int peerPort, int priority)
            throws Exception {
        Path notify = dir.resolve("notify-" + node + ".sh");
        Files.writeString(notify, "#!/bin/sh\necho \"$HAKIT_ROLE $HAKIT_EPOCH\" >> " + dir.resolve(node + ".log") + "\n");
        Files.setPosixFilePermissions(notify, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> m = new HashMap<>();
        m.put("keepalive.node-id", node);
        m.put("keepalive.priority", Integer.toString(priority));
        m.put("keepalive.bind", "127.0.0.1:" + port);
        m.put("keepalive.peer.address", "127.0.0.1:" + peerPort);
        m.put("keepalive.peer.node-id", peer);
        m.put("keepalive.heartbeat.interval", "50 ms");
        m.put("keepalive.tls.insecure", "true");
        m.put("keepalive.state-dir", dir.resolve(node).toString());
        m.put("keepalive.arbiter", "none");
        m.put("keepalive.notify.active", notify.toString());
        m.put("keepalive.notify.standby", notify.toString());
        return m;
    }

    private static Properties status(Path file) throws Exception {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }

    @Test
    void twoAgentsFormAPairRunTheirScriptsAndWriteTheirStatus() throws Exception {
        int pa = FreePorts.loopback();
        int pb = FreePorts.loopback();
        try (KeepaliveAgent a = KeepaliveAgent.start(settings("node-a", "node-b", pa, pb, 150));
             KeepaliveAgent b = KeepaliveAgent.start(settings("node-b", "node-a", pb, pa, 100))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> a.node().role() == Role.ACTIVE
                    && b.node().role() == Role.STANDBY);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(a.statusFile())
                    && "ACTIVE".equals(status(a.statusFile()).getProperty("role")));
            Properties s = status(a.statusFile());
            assertThat(s.getProperty("node")).isEqualTo("node-a");
            assertThat(s.getProperty("peer")).contains("node-b");
            assertThat(s.getProperty("alarms")).isEqualTo("0");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("node-a.log"))
                    && Files.readString(dir.resolve("node-a.log")).contains("ACTIVE"));
        }
    }

    @Test
    void badSettingsNameTheirKeyAndStartNothing() throws Exception {
        Map<String, String> m = settings("node-a", "node-b", FreePorts.loopback(), FreePorts.loopback(), 100);
        m.put("keepalive.arbiter", "hope");
        assertThatThrownBy(() -> KeepaliveAgent.start(m)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("keepalive.arbiter");
        m.put("keepalive.arbiter", "reachability");
        assertThatThrownBy(() -> KeepaliveAgent.start(m)).hasMessageContaining("keepalive.arbiter.addresses");
        m.put("keepalive.arbiter", "none");
        m.put("keepalive.vip", "10.0.0.1/24");
        assertThatThrownBy(() -> KeepaliveAgent.start(m)).hasMessageContaining("keepalive.vip.device");
        m.put("keepalive.vip.device", "eth0");
        m.put("keepalive.vip", "10.0.0.999/24");
        assertThatThrownBy(() -> KeepaliveAgent.start(m)).hasMessageContaining("keepalive.vip");
        m.remove("keepalive.vip");
        m.remove("keepalive.vip.device");
        m.put("keepalive.notify.master", "/bin/true");
        assertThatThrownBy(() -> KeepaliveAgent.start(m)).hasMessageContaining("keepalive.notify.master");
        m.remove("keepalive.notify.master");
        m.put("keepalive.priorty", "5");
        assertThatThrownBy(() -> KeepaliveAgent.start(m)).hasMessageContaining("keepalive.priorty");
        m.remove("keepalive.priorty");
        m.remove("keepalive.tls.insecure");
        assertThatThrownBy(() -> KeepaliveAgent.start(m)).hasMessageContaining("keepalive.tls.cert-dir");
        m.put("keepalive.heartbeat.interval", "1 s");
        m.put("keepalive.heartbeat.dead-interval", "500 ms");
        m.put("keepalive.tls.insecure", "true");
        assertThatThrownBy(() -> KeepaliveAgent.start(m)).hasMessageContaining("keepalive.heartbeat.dead-interval")
                .hasMessageContaining("keepalive.heartbeat.interval");
    }
}
