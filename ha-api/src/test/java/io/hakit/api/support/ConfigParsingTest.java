package io.hakit.api.support;

import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

import java.time.LocalTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigParsingTest {

    @Test
    void commandsSplitIntoWordsAsAShellWouldWithoutRunningOne() {
        assertThat(ConfigParsing.command("k", "  /bin/sh -c \"echo active >> /tmp/x.log\"  "))
                .containsExactly("/bin/sh", "-c", "echo active >> /tmp/x.log");
        assertThat(ConfigParsing.command("k", "/bin/sh -c 'echo \"a b\" $HOME'"))
                .containsExactly("/bin/sh", "-c", "echo \"a b\" $HOME");
        assertThat(ConfigParsing.command("k", "say \"x \\\"y\\\" \\\\ \\n\" a\\ b ''"))
                .containsExactly("say", "x \"y\" \\ \\n", "a b", "");
        assertThat(ConfigParsing.command("k", "systemctl start flink.service"))
                .containsExactly("systemctl", "start", "flink.service");
        assertThatThrownBy(() -> ConfigParsing.command("keepalive.notify.active", "/bin/sh -c \"echo"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("keepalive.notify.active: the quote \" is never closed");
        assertThatThrownBy(() -> ConfigParsing.command("k", "a b\\")).hasMessageContaining("ends with a backslash");
        assertThatThrownBy(() -> ConfigParsing.command("k", "   ")).hasMessageContaining("k is an empty command");
    }

    @Test
    void listsTimesAndPaths() {
        assertThat(ConfigParsing.list("k", " a, b ,, c")).containsExactly("a", "b", "c");
        assertThat(ConfigParsing.list("k", "")).isEmpty();
        assertThat(ConfigParsing.timeOfDay("k", " 01:30 ")).isEqualTo(LocalTime.of(1, 30));
        assertThatThrownBy(() -> ConfigParsing.timeOfDay("k", "1am")).hasMessageContaining("k: '1am' is not a time");
        assertThatThrownBy(() -> ConfigParsing.path("k", "a\0b")).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("k: ");
    }
}
