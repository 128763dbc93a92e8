package io.hakit.flink.core;

import io.hakit.flink.FlinkLine;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A jar built for one Flink minor refuses another at start, naming both versions and what to use. */
class FlinkVersionCheckTest {

    @Test
    void anotherMinorIsRefusedByName() {
        assertThatThrownBy(() -> FlinkVersionCheck.check("1.20.1", "2.3", "F", "Use ha-flink-1.20."))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining("built for Flink 2.3.x, but this is Flink 1.20.1").hasMessageContaining("F")
                .hasMessageContaining("Use ha-flink-1.20.");
        assertThatThrownBy(() -> FlinkVersionCheck.check("2.30.0", "2.3", "F", ""))
                .isInstanceOf(IllegalConfigurationException.class);
    }

    @Test
    void theSameMinorAndTheRunningFlinkPass() {
        assertThatCode(() -> FlinkVersionCheck.check("2.3.0", "2.3", "F", "")).doesNotThrowAnyException();
        assertThatCode(() -> FlinkVersionCheck.check("2.3-SNAPSHOT", "2.3", "F", "")).doesNotThrowAnyException();
        assertThatCode(() -> FlinkVersionCheck.require(FlinkLine.MINOR, "F", "")).doesNotThrowAnyException();
    }
}
