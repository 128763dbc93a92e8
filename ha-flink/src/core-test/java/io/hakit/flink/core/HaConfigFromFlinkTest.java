package io.hakit.flink.core;

import io.hakit.api.HaConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HAKit's configuration from a Flink configuration: Flink's own keys are left out, a misspelt one is refused. */
class HaConfigFromFlinkTest {

    private static Configuration flink() {
        Configuration c = new Configuration();
        c.setString("high-availability.type", "io.hakit.flink.HakitHaServicesFactory");
        c.setString(HakitFlinkOptions.BACKEND, "embedded");
        c.setString("high-availability.cluster-id", "/flink-prod/");
        c.setString("high-availability.lease-duration", "20 s");
        return c;
    }

    @Test
    void flinksOwnKeysAreLeftOutAndHakitsAreRead() {
        Configuration c = flink();
        c.setString("high-availability.jobmanager.port", "6123");
        c.setString("high-availability.zookeeper.path.jobgraphs", "/jobgraphs");
        c.setString(HakitFlinkOptions.RESTART_LOOP_WINDOW, "10 min");
        c.setString("kubernetes.jobmanager.cpu", "2");
        HaConfig ha = HakitProcess.haConfig(c).build();
        assertThat(ha.type()).isEqualTo("embedded");
        assertThat(ha.clusterId()).isEqualTo("flink-prod");
        assertThat(ha.leaseDuration()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aMisspeltKeyIsRefusedNamingTheNearestValidKey() {
        Configuration c = flink();
        c.setString("high-availability.lease-duratoin", "20 s");
        assertThatThrownBy(() -> HakitProcess.haConfig(c)).isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining("did you mean " + HaConfig.LEASE_DURATION + "?");
    }
}
