package io.hakit.api;

import io.hakit.api.embedded.EmbeddedHaBackend;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackendLookupTest {

    @Test
    void aMissingBackendModuleNamesTheArtifactToAdd() {
        assertThatThrownBy(() -> HaServices.create(Map.of("high-availability.type", "zookeeper")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("high-availability.type")
                .hasMessageContaining("io.hakit:ha-zookeeper");
        assertThatThrownBy(() -> HaServices.create(Map.of("high-availability.type", "kubernetes")))
                .hasMessageContaining("io.hakit:ha-kubernetes");
    }

    @Test
    void anUnknownTypeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> HaServices.create(HaConfig.builder().type("consul").build()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("high-availability.type=consul")
                .hasMessageContaining("unknown backend type")
                .hasMessageContaining("embedded");
    }

    @Test
    void embeddedIsFoundThroughTheServiceLoaderAndSharedPerClusterId() {
        String cluster = "lookup-" + System.nanoTime();
        try (HaServices a = HaServices.create(Map.of("high-availability.type", "embedded",
                "high-availability.cluster-id", cluster, "high-availability.node-id", "a"));
             HaServices b = HaServices.create(Map.of("high-availability.cluster-id", cluster,
                     "high-availability.node-id", "b"))) {
            RecordingContender ca = new RecordingContender("addr-a").start(a.leaderElection("c"));
            RecordingContender cb = new RecordingContender("addr-b").start(b.leaderElection("c"));
            ca.awaitGrant();
            assertThat(cb.leads()).isFalse();
            assertThat(EmbeddedHaBackend.forCluster(cluster).leader()).contains("a");
            b.stateStore("s").put("k", new byte[] {1}, StateStore.NEW);
            assertThat(a.stateStore("s").get("k")).isPresent();
        } finally {
            EmbeddedHaBackend.removeCluster(cluster);
        }
    }

    @Test
    void anUnknownEmbeddedOptionIsRefusedNamingIt() {
        EmbeddedHaBackend backend = EmbeddedHaBackend.create();
        assertThatThrownBy(() -> backend.newServices(HaConfig.builder().nodeId("x")
                .backendOption("high-availability.embedded.inline-limt", "1024").build()))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("inline-limt");
        assertThat(backend.nodes()).isEmpty();
    }

    @Test
    void aDuplicateNodeIdIsRefused() {
        EmbeddedHaBackend backend = EmbeddedHaBackend.create();
        try (HaServices a = backend.newServices("same")) {
            assertThatThrownBy(() -> backend.newServices("same")).isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining(HaConfig.NODE_ID).hasMessageContaining("same");
            assertThat(a.config().nodeId()).isEqualTo("same");
        }
    }
}
