package io.hakit.api.alarm;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlarmTest {

    private static final Instant T0 = Instant.parse("2024-05-01T01:00:00Z");

    @Test
    void newAlarmIsRaisedOnce() {
        Alarm a = Alarm.of(AlarmType.SYNC_FAILED, "/data/jobs", "disk full", T0);
        assertThat(a.type()).isEqualTo(AlarmType.SYNC_FAILED);
        assertThat(a.severity()).isEqualTo(Severity.MAJOR);
        assertThat(a.source()).isEqualTo("/data/jobs");
        assertThat(a.detail()).isEqualTo("disk full");
        assertThat(a.raisedAt()).isEqualTo(T0);
        assertThat(a.lastRaisedAt()).isEqualTo(T0);
        assertThat(a.count()).isEqualTo(1);
        assertThat(a.toString()).contains("45641", "SYNC_FAILED", "/data/jobs", "disk full");
    }

    @Test
    void reraisedKeepsTheFirstTimeAndCounts() {
        Alarm a = Alarm.of(AlarmType.SYNC_FAILED, "/data", "x", T0);
        Alarm b = a.reraised("y", T0.plusSeconds(60));
        assertThat(b.count()).isEqualTo(2);
        assertThat(b.detail()).isEqualTo("y");
        assertThat(b.raisedAt()).isEqualTo(T0);
        assertThat(b.lastRaisedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(a.count()).as("the original is unchanged").isEqualTo(1);
    }

    @Test
    void equalityCoversAllFields() {
        Alarm a = Alarm.of(AlarmType.SYNC_FAILED, "/data", "x", T0);
        assertThat(a).isEqualTo(Alarm.of(AlarmType.SYNC_FAILED, "/data", "x", T0))
                .hasSameHashCodeAs(Alarm.of(AlarmType.SYNC_FAILED, "/data", "x", T0));
        assertThat(a).isNotEqualTo(a.reraised("x", T0));
        assertThat(a).isNotEqualTo(Alarm.of(AlarmType.SYNC_FAILED, "/other", "x", T0));

        AlarmEvent e = AlarmEvent.of(AlarmEvent.Kind.RAISED, a, T0);
        assertThat(e).isEqualTo(AlarmEvent.of(AlarmEvent.Kind.RAISED, a, T0));
        assertThat(e).isNotEqualTo(AlarmEvent.of(AlarmEvent.Kind.CLEARED, a, T0));
        assertThat(e.type()).isEqualTo(AlarmType.SYNC_FAILED);
        assertThat(e.source()).isEqualTo("/data");
    }

    @Test
    void validatesArguments() {
        assertThatThrownBy(() -> Alarm.of(AlarmType.SYNC_FAILED, " ", "x", T0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source");
        assertThatThrownBy(() -> Alarm.of(null, "s", "x", T0))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> Alarm.of(AlarmType.SYNC_FAILED, "s", null, T0))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("detail");
        assertThatThrownBy(() -> Alarm.of(AlarmType.SYNC_FAILED, "s", "x", null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("raisedAt");
        assertThatThrownBy(() -> AlarmEvent.of(null, Alarm.of(AlarmType.SYNC_FAILED, "s", "x", T0), T0))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("kind");
    }
}
