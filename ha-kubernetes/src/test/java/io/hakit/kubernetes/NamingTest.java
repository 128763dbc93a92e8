package io.hakit.kubernetes;

import io.hakit.api.CorruptValueException;
import io.hakit.api.HaConfig;
import io.hakit.api.InvalidConfigException;
import io.hakit.kubernetes.internal.Naming;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Object names, entry names and the entry format; the options' validation. */
class NamingTest {

    private static final Pattern CONFIGMAP_KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    @Test
    void everyHakitKeyBecomesAValidDistinctConfigMapKey() {
        List<String> keys = List.of("a", "jobs/a", "jobs_a", "jobs/_a", ".x", "..x", "a.b/c", "x".repeat(1024),
                "x".repeat(1023) + "y", "a/".repeat(200) + "b", "_s", "/");
        Set<String> names = new HashSet<>();
        for (String k : keys) {
            String n = Naming.entryName(k);
            assertThat(n).as(k).matches(CONFIGMAP_KEY).isNotIn(".", "..");
            assertThat(names.add(n)).as("%s collides", k).isTrue();
        }
    }

    @Test
    void entriesRoundTripAndForeignDataIsCorrupt() {
        byte[] e = Naming.entry("jobs/1", 7, new byte[] {1, 2, 3});
        Naming.Entry back = Naming.parseEntry("x", e);
        assertThat(back.key).isEqualTo("jobs/1");
        assertThat(back.version).isEqualTo(7);
        assertThat(back.record).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> Naming.parseEntry("x", new byte[] {'{', '}'})).isInstanceOf(CorruptValueException.class);
    }

    @Test
    void objectNamesAreValidForAnyClusterIdAndDistinct() {
        Set<String> names = new HashSet<>();
        for (String id : List.of("orders", "Orders", "or_ders", "a.b", "x".repeat(128), "x".repeat(127) + "Y")) {
            for (String n : List.of(Naming.leaseName(id), Naming.leadersName(id), Naming.storeName(id, "jobs"))) {
                assertThat(n).as(id).matches(DNS_SUBDOMAIN).hasSizeLessThanOrEqualTo(253);
                assertThat(names.add(n)).as("%s collides", n).isTrue();
            }
            assertThat(Naming.clusterLabel(id)).hasSizeLessThanOrEqualTo(63);
        }
    }

    @Test
    void optionsAreValidatedNamingTheKeys() {
        HaConfig ok = HaConfig.fromMap(Map.of("high-availability.type", "kubernetes", "kubernetes.namespace", "ha",
                KubernetesOptions.LEASE_DURATION, "20 s", KubernetesOptions.RENEW_DEADLINE, "15 s",
                KubernetesOptions.RETRY_PERIOD, "5 s"));
        KubernetesOptions o = KubernetesOptions.of(ok);
        assertThat(o.namespace()).contains("ha");
        assertThat(o.leaseDuration()).hasSeconds(20);
        assertThatThrownBy(() -> KubernetesOptions.of(HaConfig.fromMap(Map.of(KubernetesOptions.LEASE_DURATION, "5 s",
                KubernetesOptions.RENEW_DEADLINE, "5 s")))).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(KubernetesOptions.LEASE_DURATION).hasMessageContaining(KubernetesOptions.RENEW_DEADLINE);
        assertThatThrownBy(() -> KubernetesOptions.of(HaConfig.fromMap(Map.of("kubernetes.namespace", "Bad_NS"))))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("kubernetes.namespace");
        assertThatThrownBy(() -> KubernetesOptions.of(HaConfig.fromMap(Map.of(KubernetesOptions.OWNER_REFERENCE,
                "Deployment/x")))).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(KubernetesOptions.OWNER_REFERENCE);
        KubernetesOptions owned = KubernetesOptions.of(HaConfig.fromMap(Map.of(KubernetesOptions.OWNER_REFERENCE,
                "apps/v1/Deployment/flink/0f5c")));
        assertThat(owned.owner().orElseThrow().apiVersion()).isEqualTo("apps/v1");
        assertThat(owned.owner().orElseThrow().kind()).isEqualTo("Deployment");
    }
}
