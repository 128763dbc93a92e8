package io.hakit.api.alarm;

import io.hakit.api.TestTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static io.hakit.api.alarm.AlarmEvent.Kind.CLEARED;
import static io.hakit.api.alarm.AlarmEvent.Kind.RAISED;
import static io.hakit.api.alarm.AlarmEvent.Kind.UPDATED;
import static io.hakit.api.alarm.AlarmType.RESTART_LOOP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestartLoopDetectorTest {

    private final TestTicker ticker = new TestTicker();
    private final AlarmRegistry registry =
            AlarmRegistry.create(Runnable::run, new ManualClock(Instant.parse("2024-05-01T00:00:00Z")), ticker);
    private final List<AlarmEvent> events = new CopyOnWriteArrayList<>();
    private final RestartLoopDetector detector = RestartLoopDetector.builder(registry, "flink-server").build();

    {
        registry.addListener(events::add);
    }

    private List<AlarmEvent.Kind> kinds() {
        return events.stream().map(AlarmEvent::kind).collect(Collectors.toList());
    }

    private boolean looping() {
        return registry.isActive(RESTART_LOOP, "flink-server");
    }

    @Test
    void defaults() {
        assertThat(detector.maxRestarts()).isEqualTo(3);
        assertThat(detector.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(detector.quietPeriod()).isEqualTo(Duration.ofMinutes(5));
        assertThat(detector.source()).isEqualTo("flink-server");
    }

    @Test
    void oneTwoOrThreeRestartsWithinTheWindowDoNotRaise() {
        assertThat(detector.recordRestart("exit 1")).isFalse();
        ticker.advance(Duration.ofMinutes(1));
        assertThat(detector.recordRestart("exit 1")).isFalse();
        ticker.advance(Duration.ofMinutes(1));
        assertThat(detector.recordRestart("exit 1")).isFalse();

        assertThat(detector.restartsInWindow()).isEqualTo(3);
        assertThat(looping()).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void theFourthRestartWithinTheWindowRaises() {
        for (int i = 0; i < 3; i++) {
            detector.recordRestart("exit " + i);
            ticker.advance(Duration.ofMinutes(1));
        }
        assertThat(detector.recordRestart("OutOfMemoryError")).isTrue();

        assertThat(looping()).isTrue();
        assertThat(detector.isLooping()).isTrue();
        assertThat(kinds()).containsExactly(RAISED);
        Alarm alarm = events.get(0).alarm();
        assertThat(alarm.type()).isEqualTo(RESTART_LOOP);
        assertThat(alarm.source()).isEqualTo("flink-server");
        assertThat(alarm.detail()).contains("more than 3 restarts", "PT5M", "OutOfMemoryError");
    }

    @Test
    void fourRestartsSpanningExactlyTheWindowDoNotRaise() {
        detector.recordRestart("a");
        ticker.advance(Duration.ofMinutes(2));
        detector.recordRestart("b");
        ticker.advance(Duration.ofMinutes(2));
        detector.recordRestart("c");
        ticker.advance(Duration.ofMinutes(1)); // the first restart is now exactly 5 min old
        assertThat(detector.recordRestart("d")).isFalse();
        assertThat(looping()).isFalse();
    }

    @Test
    void spreadOutRestartsNeverRaise() {
        // Every 100 s: at most 3 restarts in any 5 minutes, for a whole day.
        for (int i = 0; i < 24 * 36; i++) {
            assertThat(detector.recordRestart("scheduled restart")).as("restart %d", i).isFalse();
            assertThat(detector.restartsInWindow()).isLessThanOrEqualTo(3);
            ticker.advance(Duration.ofSeconds(100));
        }
        assertThat(events).isEmpty();
    }

    @Test
    void slightlyFasterRestartsRaise() {
        // Every 99 s: the 4th restart comes 297 s after the 1st.
        boolean raised = false;
        for (int i = 0; i < 4; i++) {
            raised = detector.recordRestart("crash");
            ticker.advance(Duration.ofSeconds(99));
        }
        assertThat(raised).isTrue();
    }

    @Test
    void furtherRestartsDuringTheLoopUpdateTheAlarm() {
        for (int i = 0; i < 6; i++) {
            detector.recordRestart("crash " + i);
            ticker.advance(Duration.ofSeconds(10));
        }
        assertThat(kinds()).containsExactly(RAISED, UPDATED, UPDATED);
        Alarm alarm = registry.get(RESTART_LOOP, "flink-server").orElseThrow();
        assertThat(alarm.count()).isEqualTo(3);
        assertThat(alarm.detail()).contains("crash 5");
        assertThat(detector.restartsInWindow()).as("bounded to maxRestarts + 1").isEqualTo(4);
    }

    @Test
    void clearsAfterTheQuietPeriodOnEvaluate() {
        for (int i = 0; i < 4; i++) {
            detector.recordRestart("crash");
        }
        assertThat(looping()).isTrue();

        ticker.advance(Duration.ofMinutes(5).minusNanos(1));
        assertThat(detector.evaluate()).isTrue();
        assertThat(looping()).isTrue();

        ticker.advanceNanos(1);
        assertThat(detector.evaluate()).isFalse();
        assertThat(looping()).isFalse();
        assertThat(detector.isLooping()).isFalse();
        assertThat(kinds()).containsExactly(RAISED, CLEARED);

        assertThat(detector.evaluate()).isFalse();
        assertThat(kinds()).as("clearing is idempotent").containsExactly(RAISED, CLEARED);
    }

    @Test
    void theRegistrysEvaluationChecksTheQuietPeriod() {
        for (int i = 0; i < 4; i++) {
            detector.recordRestart("crash");
        }
        ticker.advance(Duration.ofMinutes(5));
        registry.evaluate();
        assertThat(looping()).isFalse();
        assertThat(kinds()).containsExactly(RAISED, CLEARED);
    }

    @Test
    void aRestartAfterTheQuietPeriodClearsFirst() {
        RestartLoopDetector shortQuiet = RestartLoopDetector.builder(registry, "svc")
                .quietPeriod(Duration.ofMinutes(1))
                .build();
        for (int i = 0; i < 4; i++) {
            shortQuiet.recordRestart("crash");
            ticker.advance(Duration.ofSeconds(10));
        }
        assertThat(registry.isActive(RESTART_LOOP, "svc")).isTrue();

        ticker.advance(Duration.ofMinutes(2)); // quiet for longer than a minute, but restarts remain in the window
        assertThat(shortQuiet.restartsInWindow()).isEqualTo(4);
        assertThat(shortQuiet.recordRestart("crash again")).as("still more than 3 in 5 min").isTrue();
        assertThat(kinds()).containsExactly(RAISED, CLEARED, RAISED);

        ticker.advance(Duration.ofMinutes(6));
        assertThat(shortQuiet.recordRestart("one more")).as("the window is empty again").isFalse();
        assertThat(kinds()).containsExactly(RAISED, CLEARED, RAISED, CLEARED);
    }

    @Test
    void customLimitsAndTicker() {
        TestTicker own = new TestTicker(0);
        RestartLoopDetector strict = RestartLoopDetector.builder(registry, "svc")
                .maxRestarts(1)
                .window(Duration.ofSeconds(30))
                .ticker(own)
                .build();
        assertThat(strict.quietPeriod()).as("defaults to the window").isEqualTo(Duration.ofSeconds(30));
        assertThat(strict.recordRestart("a")).isFalse();
        ticker.advance(Duration.ofHours(1)); // the registry's ticker does not matter for this detector
        assertThat(strict.recordRestart("b")).isTrue();
        own.advance(Duration.ofSeconds(30));
        assertThat(strict.evaluate()).isFalse();
    }

    @Test
    void closeStopsTheRegistryFromCheckingIt() {
        for (int i = 0; i < 4; i++) {
            detector.recordRestart("crash");
        }
        detector.close();
        detector.close();
        ticker.advance(Duration.ofMinutes(10));
        registry.evaluate();
        assertThat(looping()).as("left as it is").isTrue();

        assertThat(detector.evaluate()).isFalse(); // direct calls still work
        assertThat(looping()).isFalse();
    }

    @Test
    void builderValidationNamesTheField() {
        RestartLoopDetector.Builder b = RestartLoopDetector.builder(registry, "svc");
        assertThatThrownBy(() -> b.maxRestarts(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRestarts");
        assertThatThrownBy(() -> b.maxRestarts(Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRestarts");
        assertThatThrownBy(() -> b.window(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> b.quietPeriod(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quietPeriod");
        assertThatThrownBy(() -> b.window(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> RestartLoopDetector.builder(registry, " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source");
        assertThatThrownBy(() -> RestartLoopDetector.builder(null, "svc"))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("registry");
        assertThatThrownBy(() -> detector.recordRestart(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("detail");
    }
}
