package io.hakit.kubernetes;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every key of {@link KubernetesOptions#OPTIONS}, from a table: read from a map, refused when misspelt or bad. */
class KubernetesOptionsKeysTest {

    @TempDir
    static Path dir;

    /** A key, a value other than its default and what the options then hold, and a value they refuse. */
    private record Case(String key, String value, Function<KubernetesOptions, Object> getter, Object expected,
                        String bad) {
    }

    private static List<Case> cases() throws Exception {
        Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\n");
        return List.of(
                new Case(KubernetesOptions.NAMESPACE, " ha ", o -> o.namespace().orElseThrow(), "ha", "Bad_NS"),
                new Case(KubernetesOptions.CONTEXT, "prod", o -> o.context().orElseThrow(), "prod", null),
                new Case(KubernetesOptions.CONFIG_FILE, kubeconfig.toString(), o -> o.configFile().orElseThrow(),
                        kubeconfig, dir.resolve("missing").toString()),
                new Case(KubernetesOptions.LEASE_DURATION, "20 s", KubernetesOptions::leaseDuration,
                        Duration.ofSeconds(20), "500 ms"),
                new Case(KubernetesOptions.RENEW_DEADLINE, "12 s", KubernetesOptions::renewDeadline,
                        Duration.ofSeconds(12), "0 s"),
                new Case(KubernetesOptions.RETRY_PERIOD, "3 s", KubernetesOptions::retryPeriod,
                        Duration.ofSeconds(3), "soon"),
                new Case(KubernetesOptions.OWNER_REFERENCE, "apps/v1/Deployment/flink/0f5c",
                        o -> o.owner().orElseThrow().apiVersion() + " " + o.owner().orElseThrow().uid(),
                        "apps/v1 0f5c", "Deployment/flink"));
    }

    /** The lease timings of every case together are valid (20 s > 12 s > 3 s). */
    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>(Map.of(KubernetesOptions.LEASE_DURATION, "20 s",
                KubernetesOptions.RENEW_DEADLINE, "12 s"));
        m.put(key, value);
        return m;
    }

    @Test
    void everyKeyRoundTripsFromAMapAndThroughHaConfig() throws Exception {
        assertThat(cases()).extracting(Case::key).as("a case for every key").containsExactlyInAnyOrderElementsOf(
                KubernetesOptions.OPTIONS.stream().map(ConfigOption::key).toList());
        for (Case c : cases()) {
            assertThat(c.getter().apply(KubernetesOptions.fromMap(with(c.key(), c.value())))).as(c.key())
                    .isEqualTo(c.expected());
            assertThat(c.getter().apply(KubernetesOptions.of(HaConfig.fromMap(with(c.key(), c.value())))))
                    .as(c.key()).isEqualTo(c.expected());
        }
        // the lease timings default to HaConfig's in of(), and Flink's other kubernetes.* keys are not this class's
        KubernetesOptions o = KubernetesOptions.of(HaConfig.fromMap(Map.of(HaConfig.LEASE_DURATION, "30 s",
                "kubernetes.jobmanager.cpu", "2")));
        assertThat(o.leaseDuration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheNearestValidKey() {
        for (ConfigOption opt : KubernetesOptions.OPTIONS) {
            String key = opt.key();
            if (!key.startsWith("high-availability.kubernetes.")) {
                continue; // kubernetes.* is Flink's namespace: only three of its keys are read, none refused
            }
            String typo = key.substring(0, key.length() - 2) + key.charAt(key.length() - 1);
            InvalidConfigException e = catchThrowableOfType(() -> KubernetesOptions.fromMap(Map.of(typo, "x")),
                    InvalidConfigException.class);
            assertThat(e).as(typo).isNotNull();
            assertThat(e.getMessage()).contains("unknown key " + typo).contains("did you mean " + key + "?");
            assertThat(e.fields()).containsExactly(typo);
        }
        assertThat(KubernetesOptions.fromMap(Map.of("kubernetes.namepsace", "x")).namespace()).isEmpty();
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of("high-availability.kubernets.owner-reference", "x")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("did you mean " + KubernetesOptions.OWNER_REFERENCE + "?");
    }

    @Test
    void aBadValueNamesTheKeyAndChangesNothing() throws Exception {
        for (Case c : cases()) {
            if (c.bad() == null) {
                continue; // any context name is valid
            }
            KubernetesOptions.Builder b = KubernetesOptions.builder().options(with(c.key(), c.value()));
            InvalidConfigException e = catchThrowableOfType(() -> b.options(Map.of(c.key(), c.bad())),
                    InvalidConfigException.class);
            assertThat(e).as(c.key() + "=" + c.bad()).isNotNull();
            assertThat(e.getMessage()).contains(c.key());
            assertThat(e.fields()).first().isEqualTo(c.key());
            assertThat(c.getter().apply(b.build())).as(c.key() + " unchanged").isEqualTo(c.expected());
        }
    }

    @Test
    void builderAndFromMapAgree() throws Exception {
        Map<String, String> all = new HashMap<>();
        List<Case> cases = new ArrayList<>(cases());
        cases.forEach(c -> all.put(c.key(), c.value()));
        KubernetesOptions fromMap = KubernetesOptions.fromMap(all);
        // in Java, the lease timings are set on HaConfig
        HaConfig timings = HaConfig.builder().leaseDuration(Duration.ofSeconds(20)).renewDeadline(Duration.ofSeconds(12))
                .retryPeriod(Duration.ofSeconds(3)).build();
        KubernetesOptions built = KubernetesOptions.builder(timings).namespace("ha").context("prod")
                .configFile(dir.resolve("kubeconfig"))
                .owner(KubernetesOptions.OwnerReference.parse("apps/v1/Deployment/flink/0f5c")).build();
        for (Case c : cases) {
            assertThat(c.getter().apply(fromMap)).as(c.key()).isEqualTo(c.getter().apply(built));
        }
    }
}
