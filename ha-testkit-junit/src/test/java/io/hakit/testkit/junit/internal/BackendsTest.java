package io.hakit.testkit.junit.internal;

import io.hakit.testkit.junit.Backend;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackendsTest {

    @Test
    void anAbsentBackendNamesTheArtifactsToAdd() {
        Map<String, String> needs = new LinkedHashMap<>();
        needs.put("io.hakit.zookeeper.ZooKeeperBackendFactory", "io.hakit:ha-zookeeper");
        needs.put("org.example.Absent", "org.apache.curator:curator-test");

        assertThatThrownBy(() -> Backends.require(Backend.ZOOKEEPER, needs, ""))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("an HaCluster on ZOOKEEPER needs org.apache.curator:curator-test on the test "
                        + "class path")
                .hasMessageContaining("<dependency><groupId>org.apache.curator</groupId><artifactId>curator-test"
                        + "</artifactId><scope>test</scope></dependency>")
                .hasMessageNotContaining("ha-zookeeper</artifactId>");
    }
}
