package io.hakit.api.support;

import io.hakit.api.ConfigOption;
import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The key table: what it owns, refuses, suggests and sets. */
class ConfigKeysTest {

    /** A builder that records what was set. */
    static final class Rec {
        final Map<String, Object> set = new TreeMap<>();
        final List<String> order = new ArrayList<>();

        void put(String k, Object v) {
            set.put(k, v);
            order.add(k);
        }
    }

    private static final ConfigKeys<Rec> KEYS = ConfigKeys.<Rec>owning("demo.")
            .except(List.of(new ConfigOption("demo.foreign", ConfigOption.Type.STRING, "-", "another class's")))
            .duration("demo.period", "1 s", "a period", (b, d) -> b.put("period", d))
            .size("demo.size", "1 kb", "a size", (b, n) -> b.put("size", n))
            .path("demo.dir", "required", "a dir", (b, p) -> b.put("dir", p))
            .list("demo.list", "-", "a list", (b, l) -> b.put("list", l))
            .command("demo.run", "-", "a command", (b, c) -> b.put("run", c))
            .key("demo.root.<name>", ConfigOption.Type.PATH, "-", "a family",
                    (b, k, v) -> b.put(k, Path.of(v)))
            .text("demo.vip", ConfigOption.Type.STRING, "-", "a parent", (b, v) -> b.put("vip", v))
            .text("demo.vip.device", ConfigOption.Type.STRING, "-", "needs vip", (b, v) -> b.put("device", v))
            .requires("demo.vip")
            .text("demo.mode", ConfigOption.Type.CHOICE, "a", "a or b", (b, v) -> b.put("mode", v))
            .list("demo.mode.targets", "-", "only with mode b", (b, l) -> b.put("targets", l))
            .requiresValue("demo.mode", "b")
            .text("other.key", ConfigOption.Type.STRING, "-", "outside the namespace", (b, v) -> b.put("other", v))
            .build();

    @Test
    void ownsItsNamespaceButTheOtherClassesKeys() {
        assertThat(KEYS.owns("demo.anything")).isTrue();
        assertThat(KEYS.owns("demo.foreign")).isFalse();
        assertThat(KEYS.owns("other.key")).isFalse();
        assertThat(KEYS.find("other.key")).isPresent();
        assertThat(KEYS.find("demo.root.a")).map(ConfigOption::key).contains("demo.root.<name>");
        assertThat(KEYS.find("demo.root.")).isEmpty();
        assertThat(KEYS.options()).extracting(ConfigOption::key).startsWith("demo.period", "demo.size");
    }

    @Test
    void appliesTrimmedParsedValuesInSortedOrderAndIgnoresOtherKeys() {
        Map<String, String> m = new HashMap<>();
        m.put("demo.size", " 2 kb ");
        m.put("demo.period", "500 ms");
        m.put("demo.list", "a, b,,c");
        m.put("demo.run", "/bin/sh -c 'echo a b'");
        m.put("demo.root.conf", "/etc/x");
        m.put("demo.foreign", "ignored");
        m.put("other.key", " o ");
        m.put("unrelated.key", "ignored");
        Rec r = KEYS.apply(m, new Rec());
        assertThat(r.set).containsEntry("size", 2048L).containsEntry("period", Duration.ofMillis(500))
                .containsEntry("list", List.of("a", "b", "c")).containsEntry("run", List.of("/bin/sh", "-c", "echo a b"))
                .containsEntry("demo.root.conf", Path.of("/etc/x")).containsEntry("other", "o").hasSize(6);
        assertThat(r.order).as("in sorted key order").containsExactly("list", "period", "demo.root.conf", "run", "size",
                "other");
    }

    @Test
    void anUnknownKeyIsRefusedBeforeAnythingIsSetNamingTheNearest() {
        Rec r = new Rec();
        assertThatThrownBy(() -> KEYS.apply(Map.of("demo.perod", "1 s", "demo.dir", "/x"), r))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("unknown key demo.perod (did you mean demo.period?)");
        assertThat(r.set).isEmpty();
        assertThatThrownBy(() -> KEYS.check(Map.of("demo.foreing", "x")))
                .hasMessageContaining("did you mean demo.foreign?");
        assertThatThrownBy(() -> KEYS.check(Map.of("demo.rot.conf", "x")))
                .hasMessageContaining("did you mean demo.root.conf?");
        assertThatThrownBy(() -> KEYS.check(Map.of("demo.zzzzzzzzzzzzzzzz.yyyyyyyy", "x")))
                .hasMessageStartingWith("unknown key demo.zzzzzzzzzzzzzzzz.yyyyyyyy (the nearest valid key is demo.");
    }

    @Test
    void aSubKeyWithoutItsParentIsRefused() {
        assertThatThrownBy(() -> KEYS.check(Map.of("demo.vip.device", "eth0")))
                .hasMessage("demo.vip.device without demo.vip: it has no effect alone")
                .satisfies(e -> assertThat(((InvalidConfigException) e).fields())
                        .containsExactly("demo.vip.device", "demo.vip"));
        KEYS.check(Map.of("demo.vip.device", "eth0", "demo.vip", "10.0.0.1/24"));
        assertThatThrownBy(() -> KEYS.check(Map.of("demo.mode.targets", "x", "demo.mode", " a ")))
                .hasMessage("demo.mode.targets is used only with demo.mode=b (here demo.mode is 'a')");
        assertThatThrownBy(() -> KEYS.check(Map.of("demo.mode.targets", "x")))
                .hasMessageContaining("(here demo.mode is 'unset')");
        KEYS.check(Map.of("demo.mode.targets", "x", "demo.mode", "b"));
    }

    @Test
    void aBadOrMissingValueNamesTheKey() {
        Map<String, String> noValue = new HashMap<>();
        noValue.put("demo.dir", null);
        assertThatThrownBy(() -> KEYS.apply(noValue, new Rec())).hasMessage("demo.dir has no value");
        assertThatThrownBy(() -> KEYS.apply(Map.of("demo.period", "soon"), new Rec()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("demo.period: 'soon'");
        assertThatThrownBy(() -> KEYS.apply(Map.of("demo.run", "a 'b"), new Rec()))
                .hasMessageContaining("demo.run: the quote ' is never closed");
    }

    @Test
    void nearestNeedsAKeyCloseEnough() {
        List<ConfigOption> known = KEYS.options();
        assertThat(ConfigKeys.nearest("demo.sise", known)).contains("demo.size");
        assertThat(ConfigKeys.nearest("completely.different.thing", known)).isEmpty();
        assertThat(ConfigKeys.suggestion("x", List.of())).isEmpty();
        assertThat(ConfigKeys.distance("kitten", "sitting")).isEqualTo(3);
    }
}
