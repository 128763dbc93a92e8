package io.hakit.kubernetes;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.testkit.contract.ConfigKeysContractTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every key of {@link KubernetesOptions#OPTIONS}, from a table: read from a map, refused when misspelt or bad. */
class KubernetesOptionsKeysTest extends ConfigKeysContractTest<KubernetesOptions, KubernetesOptions.Builder> {

    KubernetesOptionsKeysTest() {
        super(KubernetesOptions.OPTIONS, KubernetesOptions::fromMap, keys -> KubernetesOptions.builder().options(keys),
                KubernetesOptions.Builder::options, KubernetesOptions.Builder::build);
    }

    @TempDir
    static Path dir;
    private static Path kubeconfig;

    @BeforeAll
    static void kubeconfig() throws IOException {
        kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\n");
    }

    @Override
    protected List<Case<KubernetesOptions>> cases() {
        return List.of(
                new Case<>(KubernetesOptions.NAMESPACE, " ha ", o -> o.namespace().orElseThrow(), "ha", "Bad_NS"),
                new Case<>(KubernetesOptions.CONTEXT, "prod", o -> o.context().orElseThrow(), "prod",
                        null), // any context name is valid
                new Case<>(KubernetesOptions.CONFIG_FILE, kubeconfig.toString(), o -> o.configFile().orElseThrow(),
                        kubeconfig, dir.resolve("missing").toString()),
                new Case<>(KubernetesOptions.LEASE_DURATION, "20 s", KubernetesOptions::leaseDuration,
                        Duration.ofSeconds(20), "500 ms"),
                new Case<>(KubernetesOptions.RENEW_DEADLINE, "12 s", KubernetesOptions::renewDeadline,
                        Duration.ofSeconds(12), "0 s"),
                new Case<>(KubernetesOptions.RETRY_PERIOD, "3 s", KubernetesOptions::retryPeriod,
                        Duration.ofSeconds(3), "soon"),
                new Case<>(KubernetesOptions.OWNER_REFERENCE, "apps/v1/Deployment/flink/0f5c",
                        o -> o.owner().orElseThrow().apiVersion() + " " + o.owner().orElseThrow().uid(),
                        "apps/v1 0f5c", "Deployment/flink"));
    }

    /** fromMap, and the backend's way: through HaConfig's backend options. */
    @Override
    protected List<Function<Map<String, String>, KubernetesOptions>> readers() {
        return List.of(KubernetesOptions::fromMap, keys -> KubernetesOptions.of(HaConfig.fromMap(keys)));
    }

    /** The lease timings of every case together are valid (20 s > 12 s > 3 s). */
    @Override
    protected Map<String, String> with(String key, String value) {
        Map<String, String> m = new HashMap<>(Map.of(KubernetesOptions.LEASE_DURATION, "20 s",
                KubernetesOptions.RENEW_DEADLINE, "12 s"));
        m.put(key, value);
        return m;
    }

    /** kubernetes.* is Flink's namespace: only three of its keys are read, and none is refused. */
    @Override
    protected List<String> misspeltKeys() {
        return KubernetesOptions.OPTIONS.stream().map(ConfigOption::key)
                .filter(k -> k.startsWith("high-availability.kubernetes.")).toList();
    }

    /** In Java, the lease timings are set on HaConfig. */
    @Override
    protected KubernetesOptions builtInJava() {
        HaConfig timings = HaConfig.builder().leaseDuration(Duration.ofSeconds(20)).renewDeadline(Duration.ofSeconds(12))
                .retryPeriod(Duration.ofSeconds(3)).build();
        return KubernetesOptions.builder(timings).namespace("ha").context("prod").configFile(kubeconfig)
                .owner(KubernetesOptions.OwnerReference.parse("apps/v1/Deployment/flink/0f5c")).build();
    }

    @Test
    void theLeaseTimingsAreHaConfigsUnlessFlinksKeysSetThem() {
        KubernetesOptions o = KubernetesOptions.of(HaConfig.fromMap(Map.of(HaConfig.LEASE_DURATION, "30 s",
                "kubernetes.jobmanager.cpu", "2")));
        assertThat(o.leaseDuration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
        KubernetesOptions flink = KubernetesOptions.of(HaConfig.fromMap(Map.of(HaConfig.LEASE_DURATION, "30 s",
                KubernetesOptions.LEASE_DURATION, "40 s")));
        assertThat(flink.leaseDuration()).isEqualTo(Duration.ofSeconds(40));
        assertThat(KubernetesOptions.builder().build().retryPeriod()).isEqualTo(HaConfig.defaults().retryPeriod());
    }

    @Test
    void flinksOtherKubernetesKeysAreNotRefusedAndAMisspeltNamespaceIsHaConfigsToRefuse() {
        assertThat(KubernetesOptions.fromMap(Map.of("kubernetes.namepsace", "x")).namespace()).isEmpty();
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of("high-availability.kubernets.owner-reference", "x")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("did you mean " + KubernetesOptions.OWNER_REFERENCE + "?");
    }
}
