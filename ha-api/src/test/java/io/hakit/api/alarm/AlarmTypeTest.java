package io.hakit.api.alarm;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlarmTypeTest {

    @Test
    void byIdRoundTripsEveryType() {
        for (AlarmType type : AlarmType.values()) {
            assertThat(AlarmType.byId(type.id())).isSameAs(type);
        }
    }

    @Test
    void idsAreUnique() {
        Set<Integer> ids = Arrays.stream(AlarmType.values()).map(AlarmType::id).collect(Collectors.toSet());
        assertThat(ids).hasSize(AlarmType.values().length);
    }

    @Test
    void catalogueMatchesTheFlinkServerIdsAndSeverities() {
        assertThat(AlarmType.HEARTBEAT_INTERRUPTED.id()).isEqualTo(45640);
        assertThat(AlarmType.SYNC_FAILED.id()).isEqualTo(45641);
        assertThat(AlarmType.CERT_INVALID.id()).isEqualTo(45653);
        assertThat(AlarmType.CERT_EXPIRING.id()).isEqualTo(45654);
        assertThat(AlarmType.CERT_EXPIRED.id()).isEqualTo(45655);
        assertThat(AlarmType.RESTART_LOOP.id()).isEqualTo(45690);
        assertThat(AlarmType.SPLIT_BRAIN.id()).isEqualTo(45691);
        assertThat(AlarmType.LEADERSHIP_FLAPPING.id()).isEqualTo(45692);
        assertThat(AlarmType.BACKEND_UNAVAILABLE.id()).isEqualTo(45693);

        assertThat(AlarmType.SPLIT_BRAIN.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(AlarmType.HEARTBEAT_INTERRUPTED.severity()).isEqualTo(Severity.MAJOR);
        assertThat(AlarmType.CERT_EXPIRED.severity()).isEqualTo(Severity.MAJOR);
        assertThat(AlarmType.CERT_EXPIRING.severity()).isEqualTo(Severity.MINOR);
        assertThat(AlarmType.LEADERSHIP_FLAPPING.severity()).isEqualTo(Severity.MINOR);
        assertThat(AlarmType.HEARTBEAT_INTERRUPTED.description())
                .isEqualTo("Heartbeat between the active and standby nodes interrupted");
        for (AlarmType type : AlarmType.values()) {
            assertThat(type.description()).isNotBlank().doesNotContain("\n");
            assertThat(type.severity()).isNotNull();
        }
    }

    @Test
    void unknownIdIsRejectedWithTheId() {
        assertThatThrownBy(() -> AlarmType.byId(12345))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12345");
    }

    @Test
    void severitiesAreOrderedMostSevereFirst() {
        assertThat(Severity.CRITICAL).isLessThan(Severity.MAJOR);
        assertThat(Severity.MAJOR).isLessThan(Severity.MINOR);
        assertThat(Severity.MINOR).isLessThan(Severity.WARNING);
    }
}
