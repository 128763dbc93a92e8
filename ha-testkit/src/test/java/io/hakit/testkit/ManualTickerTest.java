package io.hakit.testkit;

import io.hakit.api.Scheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ManualTickerTest {

    private static final Duration MS = Duration.ofMillis(1);

    private final ManualTicker time = new ManualTicker();

    @Test
    void nextDueIsTheTimeLeftUntilTheEarliestPendingTask() {
        assertThat(time.nextDue()).isEmpty();
        time.schedule(() -> { }, MS.multipliedBy(40).toNanos());
        Scheduler.Cancellable first = time.schedule(() -> { }, MS.multipliedBy(20).toNanos());
        assertThat(time.nextDue()).contains(MS.multipliedBy(20));

        time.advance(MS.multipliedBy(19));
        assertThat(time.nextDue()).contains(MS);
        first.cancel();
        assertThat(time.nextDue()).contains(MS.multipliedBy(21));

        time.advance(MS.multipliedBy(21));
        assertThat(time.nextDue()).isEmpty();
    }

    @Test
    void aTaskDueNowIsDueInZero() {
        time.schedule(() -> { }, -5);
        assertThat(time.nextDue()).contains(Duration.ZERO);
    }

    @Test
    void advanceRunsEachTaskInDueOrderAtItsDueTime() {
        List<Long> seen = new ArrayList<>();
        time.schedule(() -> seen.add(time.read()), MS.multipliedBy(30).toNanos());
        time.schedule(() -> {
            seen.add(time.read());
            time.schedule(() -> seen.add(time.read()), MS.multipliedBy(5).toNanos()); // within the same span
        }, MS.multipliedBy(10).toNanos());

        time.advance(MS.multipliedBy(30));

        assertThat(seen).containsExactly(MS.multipliedBy(10).toNanos(), MS.multipliedBy(15).toNanos(),
                MS.multipliedBy(30).toNanos());
        assertThat(time.pendingTasks()).isZero();
    }
}
