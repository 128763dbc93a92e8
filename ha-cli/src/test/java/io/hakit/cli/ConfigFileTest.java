package io.hakit.cli;

import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every mistake in an agent file is refused with the file, the line, the key and the fix; nothing is started. */
class ConfigFileTest {

    @TempDir
    Path dir;

    private static final String GOOD = String.join("\n",
            "keepalive:",
            "  node-id: node-a",
            "  bind: 127.0.0.1:7655",
            "  peer:",
            "    address: 127.0.0.1:7665",
            "    node-id: node-b",
            "  tls.insecure: true",
            "  state-dir: state",
            "  arbiter: none",
            "");

    private Path yaml(String text) throws Exception {
        return Files.writeString(dir.resolve("node.yaml"), text);
    }

    private String refused(String text) throws Exception {
        Path f = yaml(text);
        return org.assertj.core.api.Assertions.catchThrowableOfType(() -> ConfigFile.read(f),
                InvalidConfigException.class).getMessage();
    }

    @Test
    void aGoodFileReadsWithTheLineOfEachKey() throws Exception {
        ConfigFile c = ConfigFile.read(yaml(GOOD));
        assertThat(c.values()).containsEntry("keepalive.peer.address", "127.0.0.1:7665")
                .containsEntry("keepalive.tls.insecure", "true");
        assertThat(c.where("keepalive.peer.node-id")).isEqualTo(dir.resolve("node.yaml") + ":6");
    }

    @Test
    void aMisspeltKeyOrNamespaceNamesTheNearestValidKey() throws Exception {
        assertThat(refused(GOOD + "keeplive:\n  priority: 200\n")).contains("node.yaml:11")
                .contains("unknown key keeplive.priority").contains("did you mean keepalive.priority?");
        assertThat(refused(GOOD.replace("  arbiter: none", "  arbiter: none\n  priorty: 200")))
                .contains("node.yaml:10").contains("unknown key keepalive.priorty")
                .contains("did you mean keepalive.priority?");
        assertThat(refused(GOOD + "sync:\n  root.data: /srv\n  perod: 10 s\n"))
                .contains("did you mean sync.period?");
    }

    @Test
    void aKeySetTwiceNamesBothLines() throws Exception {
        assertThat(refused(GOOD + "keepalive:\n  priority: 200\n")).contains("keepalive")
                .contains("set twice");
        assertThat(refused(GOOD.replace("  arbiter: none", "  arbiter: none\n  priority: 100\n  priority: 150")))
                .contains("keepalive.priority is set twice (lines 10 and 11)");
        Path p = Files.writeString(dir.resolve("node.properties"),
                "keepalive.node-id=a\nkeepalive.priority=100\n# comment\nkeepalive.priority=150\n");
        assertThatThrownBy(() -> ConfigFile.read(p)).hasMessageContaining("node.properties:4")
                .hasMessageContaining("keepalive.priority is set twice (lines 2 and 4)");
    }

    @Test
    void aSyntaxErrorNamesTheFileAndLine() throws Exception {
        assertThat(refused(GOOD + "keepalive.vip: [unclosed\n")).contains("node.yaml:").contains("YAML syntax error");
        assertThat(refused("keepalive:\n  node-id: a\n   bad indent: x\n")).contains("node.yaml:3");
        assertThatThrownBy(() -> ConfigFile.read(dir.resolve("missing.yaml")))
                .hasMessage(dir.resolve("missing.yaml") + ": no such file");
    }

    @Test
    void durationsAndSizesNeedAUnit() throws Exception {
        assertThat(refused(GOOD + "keepalive.heartbeat.interval: 500\n"))
                .contains("keepalive.heartbeat.interval: '500' has no unit: write 500 ms, 500 s or 500 min");
        assertThat(refused(GOOD + "sync:\n  root.data: /srv\n  disk-reserve: 64\n")).contains("has no unit");
        assertThat(ConfigFile.read(yaml(GOOD + "keepalive.heartbeat.interval: 500 ms\n")).values())
                .containsEntry("keepalive.heartbeat.interval", "500 ms");
    }

    @Test
    void aSubKeyWithoutItsParentIsRefused() throws Exception {
        assertThat(refused(GOOD + "keepalive.vip.devce: eth0\n")).contains("did you mean keepalive.vip.device?");
        assertThat(refused(GOOD + "keepalive.vip.device: eth0\n"))
                .contains("keepalive.vip.device without keepalive.vip");
        assertThat(refused(GOOD + "keepalive.arbiter.addresses: [10.0.0.1:22]\n"))
                .contains("is used only with keepalive.arbiter=reachability");
        assertThat(refused(GOOD + "keepalive.notify.timeout: 5 s\n")).contains("without keepalive.notify.active");
        assertThat(refused(GOOD + "sync:\n  period: 10 s\n")).contains("without any sync.root.<name>");
        assertThat(refused(GOOD + "keepalive.priority:\n")).contains("keepalive.priority has no value");
    }

    @Test
    void configCheckReportsTheFirstProblemOrOk() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ConfigCommand c = new ConfigCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        Path good = yaml(GOOD);
        assertThat(c.run(List.of("check", good.toString()))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("OK: node node-a, peer node-b");
        assertThat(Files.exists(dir.resolve("state"))).as("nothing is created").isFalse();
        Path bad = Files.writeString(dir.resolve("bad.yaml"), GOOD.replace("node-id: node-a", "node-id: node a"));
        assertThat(c.run(List.of("check", bad.toString()))).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("bad.yaml:2: keepalive.node-id must be 1-64 "
                + "characters");
        assertThat(c.run(List.of("--help"))).isZero();
    }

    @Test
    void theReferencePageIsWhatTheCodeSays() throws Exception {
        Path page = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/config-reference.md");
        assertThat(Files.readString(page)).as("docs/config-reference.md is the output of 'hakit config reference'"
                + " (regenerate it)").isEqualTo(ConfigCommand.reference());
    }
}
