package io.hakit.cli;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import io.hakit.testkit.contract.ConfigKeysContractTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every key of {@link AgentConfig#OPTIONS}, from a table: read from a map, refused when misspelt or bad; and an agent
 * file refuses what the owners of its namespaces refuse.
 */
class AgentConfigKeysTest extends ConfigKeysContractTest<AgentConfig, AgentConfig.Builder> {

    AgentConfigKeysTest() {
        super(AgentConfig.OPTIONS, AgentConfig::fromMap, keys -> AgentConfig.builder().options(keys),
                AgentConfig.Builder::options, AgentConfig.Builder::build);
    }

    @TempDir
    Path dir;

    private static final List<Case<AgentConfig>> CASES = List.of(
            new Case<>(AgentConfig.LOG_FILE, "/var/log/hakit.log", c -> c.logFile(Path.of("/state")),
                    Path.of("/var/log/hakit.log"), "a\0b"),
            new Case<>(AgentConfig.LOG_LEVEL, "DEBUG", AgentConfig::logLevel, "debug", "verbose"),
            new Case<>(AgentConfig.LOG_MAX_SIZE, "1 mb", AgentConfig::logMaxSize, 1L << 20, "1 kb"),
            new Case<>(AgentConfig.LOG_MAX_FILES, "9", AgentConfig::logMaxFiles, 9, "101"),
            new Case<>(AgentConfig.HTTP_BIND, "9100", c -> c.httpBind().orElseThrow(),
                    InetSocketAddress.createUnresolved("127.0.0.1", 9100), "host:http"));

    @Override
    protected List<Case<AgentConfig>> cases() {
        return CASES;
    }

    @Override
    protected AgentConfig builtInJava() {
        return AgentConfig.builder().logFile("/var/log/hakit.log").logLevel("debug").logMaxSize(1L << 20)
                .logMaxFiles(9).httpBind(InetSocketAddress.createUnresolved("127.0.0.1", 9100)).build();
    }

    @Test
    void theDefaultsAndTheOtherFormsOfAValue() {
        AgentConfig defaults = AgentConfig.fromMap(Map.of("keepalive.node-id", "a"));
        assertThat(defaults.logFile(Path.of("/state"))).isEqualTo(Path.of("/state/agent.log"));
        assertThat(defaults.httpBind()).isEmpty();
        assertThat(AgentConfig.fromMap(Map.of(AgentConfig.LOG_FILE, "-")).logToStandardError()).isTrue();
        assertThat(AgentConfig.fromMap(Map.of(AgentConfig.HTTP_BIND, "[::1]:80")).httpBind().orElseThrow())
                .isEqualTo(InetSocketAddress.createUnresolved("::1", 80));
    }

    private static final String NODE = String.join("\n",
            "keepalive:",
            "  node-id: node-a",
            "  bind: 127.0.0.1:7655",
            "  peer: {address: 127.0.0.1:7665, node-id: node-b}",
            "  tls.insecure: true",
            "  state-dir: state",
            "");

    private String refused(String text) throws Exception {
        Path f = Files.writeString(dir.resolve("node.yaml"), text);
        return catchThrowableOfType(() -> ConfigFile.read(f), InvalidConfigException.class).getMessage();
    }

    @Test
    void anAgentFileRefusesWhatTheOwnersOfItsNamespacesRefuseWithTheLine() throws Exception {
        assertThat(refused(NODE + "agent.log.levl: debug\n")).contains("node.yaml:7: unknown key agent.log.levl "
                + "(did you mean agent.log.level?)").contains("'hakit config reference' lists every key");
        assertThat(refused(NODE + "agent.http.bind: 99999\n")).contains("node.yaml:7: agent.http.bind must be PORT "
                + "or HOST:PORT");
        assertThat(refused(NODE + "high-availability.lease-duratoin: 20 s\n")).contains("node.yaml:7")
                .contains("did you mean high-availability.lease-duration?");
        assertThat(refused(NODE + "kubernetes.namepsace: ha\n")).contains("node.yaml:7")
                .contains("did you mean kubernetes.namespace?");
        assertThat(refused(NODE + "keepalive.priority: 300\n")).contains("node.yaml:7: keepalive.priority must be "
                + "1-255");
        // Flink's notation in the backend's keys: a number alone is milliseconds there
        ConfigFile ok = ConfigFile.read(Files.writeString(dir.resolve("ok.yaml"), NODE
                + "high-availability.zookeeper.client.session-timeout: 60000\nkubernetes.namespace: ha\n"));
        assertThat(ok.values()).containsEntry("kubernetes.namespace", "ha");
    }
}
