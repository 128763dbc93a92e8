package io.hakit.keepalive.internal;

import io.hakit.testkit.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;

class TimersTest {

    private static final Duration PERIOD = Duration.ofSeconds(1);

    private final ManualTicker time = new ManualTicker();
    private final Timers timers = new Timers(time, time);
    private final List<Runnable> handedOver = new ArrayList<>();
    /** Where the timers hand their tasks: a queue the test runs, as a node's thread would. */
    private final Executor node = handedOver::add;
    private final List<Long> ran = new ArrayList<>();

    private void runHandedOver() {
        List<Runnable> tasks = new ArrayList<>(handedOver);
        handedOver.clear();
        tasks.forEach(Runnable::run);
    }

    @Test
    void aTimerHandsItsTaskOverWhenDueAndDoesNotRunItOnTheSchedulersThread() {
        timers.once(node, () -> ran.add(time.read()), PERIOD.toNanos());
        time.advance(PERIOD.minusMillis(1));
        assertThat(handedOver).isEmpty();
        time.advance(Duration.ofMillis(1));
        assertThat(ran).as("handed over, not run").isEmpty();
        runHandedOver();
        assertThat(ran).containsExactly(PERIOD.toNanos());
    }

    @Test
    void aPeriodicTimerKeepsItsRateAndFiresEveryPeriodOfALongAdvance() {
        timers.every(node, () -> ran.add(time.read()), 0, PERIOD.toNanos());
        time.advance(PERIOD.multipliedBy(3));
        assertThat(handedOver).hasSize(4); // at 0, 1, 2 and 3 s
        runHandedOver();
        assertThat(time.nextDue()).contains(PERIOD);
    }

    @Test
    void aCancelledTimerHandsNothingOver() {
        timers.once(node, () -> ran.add(time.read()), PERIOD.toNanos()).cancel();
        time.advance(PERIOD.multipliedBy(2));
        assertThat(handedOver).isEmpty();
        assertThat(time.pendingTasks()).isZero();
    }

    @Test
    void afterCloseNoTaskIsHandedOverAndNoTimerIsSetAgain() {
        timers.every(node, () -> ran.add(time.read()), PERIOD.toNanos(), PERIOD.toNanos());
        timers.once(node, () -> ran.add(time.read()), PERIOD.toNanos());
        timers.close();
        timers.once(node, () -> ran.add(time.read()), PERIOD.toNanos());

        time.advance(PERIOD.multipliedBy(5));
        assertThat(handedOver).isEmpty();
        assertThat(time.pendingTasks()).isZero();
    }
}
