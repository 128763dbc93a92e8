package io.hakit.api.alarm;

import io.hakit.api.TestTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static io.hakit.api.alarm.AlarmEvent.Kind.CLEARED;
import static io.hakit.api.alarm.AlarmEvent.Kind.RAISED;
import static io.hakit.api.alarm.AlarmEvent.Kind.UPDATED;
import static io.hakit.api.alarm.AlarmType.CERT_EXPIRING;
import static io.hakit.api.alarm.AlarmType.HEARTBEAT_INTERRUPTED;
import static io.hakit.api.alarm.AlarmType.SYNC_FAILED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class AlarmRegistryTest {

    private static final Instant T0 = Instant.parse("2024-05-01T00:00:00Z");

    private final TestTicker ticker = new TestTicker();
    private final ManualClock clock = new ManualClock(T0);
    /** Direct executor: deliveries happen on the calling thread, after the registry's lock is released. */
    private final AlarmRegistry registry = AlarmRegistry.create(Runnable::run, clock, ticker);
    private final List<AlarmEvent> events = new CopyOnWriteArrayList<>();

    {
        registry.addListener(events::add);
    }

    private List<AlarmEvent.Kind> kinds() {
        return events.stream().map(AlarmEvent::kind).collect(Collectors.toList());
    }

    // ------------------------------------------------------------------------------------------------ raise/clear

    @Test
    void raiseCreatesAnActiveAlarmAndOneRaisedEvent() {
        Alarm alarm = registry.raise(HEARTBEAT_INTERRUPTED, "node-b", "no heartbeat for 30 s");

        assertThat(alarm.count()).isEqualTo(1);
        assertThat(alarm.raisedAt()).isEqualTo(T0);
        assertThat(registry.isActive(HEARTBEAT_INTERRUPTED, "node-b")).isTrue();
        assertThat(registry.isActive(HEARTBEAT_INTERRUPTED, "node-c")).isFalse();
        assertThat(registry.isActive(SYNC_FAILED, "node-b")).isFalse();
        assertThat(registry.get(HEARTBEAT_INTERRUPTED, "node-b")).contains(alarm);
        assertThat(registry.active()).containsExactly(alarm);
        assertThat(events).hasSize(1);
        assertThat(events.get(0).kind()).isEqualTo(RAISED);
        assertThat(events.get(0).alarm()).isEqualTo(alarm);
        assertThat(events.get(0).time()).isEqualTo(T0);
    }

    @Test
    void raiseAndClearAreIdempotent() {
        registry.raise(SYNC_FAILED, "/data", "disk full");
        clock.advance(Duration.ofSeconds(60));
        registry.raise(SYNC_FAILED, "/data", "disk full");
        Alarm third = registry.raise(SYNC_FAILED, "/data", "disk full");

        assertThat(third.count()).isEqualTo(3);
        assertThat(third.raisedAt()).isEqualTo(T0);
        assertThat(third.lastRaisedAt()).isEqualTo(T0.plusSeconds(60));

        assertThat(registry.clear(SYNC_FAILED, "/data")).isTrue();
        assertThat(registry.clear(SYNC_FAILED, "/data")).isFalse();
        assertThat(registry.clear(SYNC_FAILED, "/never-raised")).isFalse();

        assertThat(kinds()).containsExactly(RAISED, CLEARED);
        assertThat(events.get(1).alarm().count()).as("CLEARED carries the last state").isEqualTo(3);
        assertThat(events.get(1).time()).isEqualTo(T0.plusSeconds(60));
        assertThat(registry.active()).isEmpty();
        assertThat(registry.history()).containsExactlyElementsOf(events);
    }

    @Test
    void aChangedDetailEmitsUpdated() {
        registry.raise(SYNC_FAILED, "/data", "disk full");
        registry.raise(SYNC_FAILED, "/data", "permission denied");
        registry.raise(SYNC_FAILED, "/data", "permission denied");

        assertThat(kinds()).containsExactly(RAISED, UPDATED);
        assertThat(events.get(1).alarm().detail()).isEqualTo("permission denied");
        assertThat(events.get(1).alarm().count()).isEqualTo(2);
        assertThat(registry.get(SYNC_FAILED, "/data").orElseThrow().count()).isEqualTo(3);
    }

    @Test
    void raiseAfterClearStartsANewAlarm() {
        registry.raise(SYNC_FAILED, "/data", "x");
        registry.clear(SYNC_FAILED, "/data");
        clock.advance(Duration.ofMinutes(5));
        Alarm again = registry.raise(SYNC_FAILED, "/data", "x");

        assertThat(again.count()).isEqualTo(1);
        assertThat(again.raisedAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
        assertThat(kinds()).containsExactly(RAISED, CLEARED, RAISED);
    }

    @Test
    void activeIsInRaiseOrderAndImmutable() {
        registry.raise(SYNC_FAILED, "b", "x");
        registry.raise(SYNC_FAILED, "a", "x");
        registry.raise(CERT_EXPIRING, "/etc/ha.pem", "29 days left");

        assertThat(registry.active()).extracting(Alarm::source).containsExactly("b", "a", "/etc/ha.pem");
        assertThatThrownBy(() -> registry.active().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> registry.history().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void historyIsBoundedNewestLast() {
        AlarmRegistry small = AlarmRegistry.create(Runnable::run, clock, ticker, 5);
        for (int i = 0; i < 10; i++) {
            small.raise(SYNC_FAILED, "s" + i, "x");
            small.clear(SYNC_FAILED, "s" + i);
        }
        List<AlarmEvent> history = small.history();
        assertThat(history).hasSize(5);
        assertThat(history).extracting(AlarmEvent::source).containsExactly("s7", "s8", "s8", "s9", "s9");
        assertThat(history).extracting(AlarmEvent::kind).containsExactly(CLEARED, RAISED, CLEARED, RAISED,
                CLEARED);
        assertThat(small.historyCapacity()).isEqualTo(5);
        assertThat(registry.historyCapacity()).isEqualTo(AlarmRegistry.DEFAULT_HISTORY_CAPACITY);
    }

    @Test
    void validatesArguments() {
        assertThatThrownBy(() -> AlarmRegistry.create(Runnable::run, clock, ticker, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("historyCapacity");
        assertThatThrownBy(() -> AlarmRegistry.create(null, clock, ticker))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("serialExecutor");
        assertThatThrownBy(() -> AlarmRegistry.create(Runnable::run, null, ticker))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("wallClock");
        assertThatThrownBy(() -> AlarmRegistry.create(Runnable::run, clock, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("ticker");
        assertThatThrownBy(() -> registry.raise(SYNC_FAILED, "", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("source");
        assertThatThrownBy(() -> registry.raise(null, "s", "x"))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
        assertThatThrownBy(() -> registry.raise(SYNC_FAILED, "s", null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("detail");
        assertThatThrownBy(() -> registry.raiseFor(SYNC_FAILED, "s", "x", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("autoClearAfter");
        assertThatThrownBy(() -> registry.addListener(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("listener");
        assertThat(registry.active()).isEmpty();
        assertThat(events).isEmpty();
    }

    // --------------------------------------------------------------------------------------------------- raiseFor

    @Test
    void raiseForClearsItselfWhenNotRaisedAgainInTime() {
        registry.raiseFor(HEARTBEAT_INTERRUPTED, "node-b", "missed", Duration.ofSeconds(30));

        ticker.advance(Duration.ofSeconds(30).minusNanos(1));
        registry.evaluate();
        assertThat(kinds()).containsExactly(RAISED);

        ticker.advanceNanos(1);
        clock.advance(Duration.ofSeconds(30));
        registry.evaluate();
        assertThat(kinds()).containsExactly(RAISED, CLEARED);
        assertThat(events.get(1).time()).isEqualTo(T0.plusSeconds(30));
        assertThat(registry.isActive(HEARTBEAT_INTERRUPTED, "node-b")).isFalse();
    }

    @Test
    void raisingAgainWithinTheTimeExtendsIt() {
        registry.raiseFor(HEARTBEAT_INTERRUPTED, "node-b", "missed", Duration.ofSeconds(30));
        ticker.advance(Duration.ofSeconds(20));
        Alarm again = registry.raiseFor(HEARTBEAT_INTERRUPTED, "node-b", "missed", Duration.ofSeconds(30));
        assertThat(again.count()).isEqualTo(2);

        ticker.advance(Duration.ofSeconds(20)); // 40 s after the first raise, 20 s after the second
        registry.evaluate();
        assertThat(registry.isActive(HEARTBEAT_INTERRUPTED, "node-b")).isTrue();

        ticker.advance(Duration.ofSeconds(10));
        registry.evaluate();
        assertThat(registry.isActive(HEARTBEAT_INTERRUPTED, "node-b")).isFalse();
        assertThat(kinds()).containsExactly(RAISED, CLEARED);
    }

    @Test
    void expiredAlarmsAreClearedByQueriesToo() {
        registry.raiseFor(HEARTBEAT_INTERRUPTED, "node-b", "missed", Duration.ofSeconds(30));
        ticker.advance(Duration.ofSeconds(31));

        assertThat(registry.isActive(HEARTBEAT_INTERRUPTED, "node-b")).isFalse();
        assertThat(registry.active()).isEmpty();
        assertThat(kinds()).containsExactly(RAISED, CLEARED);
    }

    @Test
    void plainRaiseMakesAnAutoClearingAlarmPermanent() {
        registry.raiseFor(HEARTBEAT_INTERRUPTED, "node-b", "missed", Duration.ofSeconds(30));
        registry.raise(HEARTBEAT_INTERRUPTED, "node-b", "missed");
        ticker.advance(Duration.ofHours(1));
        registry.evaluate();

        assertThat(registry.isActive(HEARTBEAT_INTERRUPTED, "node-b")).isTrue();
        assertThat(kinds()).containsExactly(RAISED);
    }

    @Test
    void explicitClearOfAnAutoClearingAlarmEmitsOneCleared() {
        registry.raiseFor(HEARTBEAT_INTERRUPTED, "node-b", "missed", Duration.ofSeconds(30));
        registry.clear(HEARTBEAT_INTERRUPTED, "node-b");
        ticker.advance(Duration.ofSeconds(31));
        registry.evaluate();

        assertThat(kinds()).containsExactly(RAISED, CLEARED);
    }

    @Test
    void raiseForSurvivesTickerWrapAroundAndHugeDurations() {
        TestTicker nearMax = new TestTicker(Long.MAX_VALUE - 10_000_000_000L);
        AlarmRegistry wrapping = AlarmRegistry.create(Runnable::run, clock, nearMax);
        wrapping.raiseFor(SYNC_FAILED, "a", "x", Duration.ofSeconds(30)); // deadline wraps to a negative reading
        wrapping.raiseFor(SYNC_FAILED, "b", "x", Duration.ofSeconds(Long.MAX_VALUE));

        nearMax.advance(Duration.ofSeconds(29));
        assertThat(wrapping.isActive(SYNC_FAILED, "a")).isTrue();
        nearMax.advance(Duration.ofSeconds(1));
        assertThat(wrapping.isActive(SYNC_FAILED, "a")).isFalse();
        nearMax.advance(Duration.ofDays(365));
        assertThat(wrapping.isActive(SYNC_FAILED, "b")).isTrue();
    }

    // ------------------------------------------------------------------------------------------------- conditions

    @Test
    void conditionRaisesAndClearsOnEvaluate() {
        AtomicReference<Optional<String>> cause = new AtomicReference<>(Optional.empty());
        registry.condition(SYNC_FAILED, "/data", cause::get);

        registry.evaluate();
        assertThat(events).isEmpty();

        cause.set(Optional.of("checksum mismatch on a.bin"));
        assertThat(events).as("nothing happens before the next evaluation").isEmpty();
        registry.evaluate();
        registry.evaluate();
        assertThat(kinds()).containsExactly(RAISED);
        assertThat(registry.get(SYNC_FAILED, "/data").orElseThrow().count()).isEqualTo(2);

        cause.set(Optional.of("checksum mismatch on b.bin"));
        registry.evaluate();
        assertThat(kinds()).containsExactly(RAISED, UPDATED);

        cause.set(Optional.empty());
        registry.evaluate();
        registry.evaluate();
        assertThat(kinds()).containsExactly(RAISED, UPDATED, CLEARED);
        assertThat(registry.isActive(SYNC_FAILED, "/data")).isFalse();
    }

    @Test
    void conditionReRaisesAManuallyClearedAlarmWhileTheCauseLasts() {
        registry.condition(SYNC_FAILED, "/data", () -> Optional.of("still broken"));
        registry.evaluate();
        registry.clear(SYNC_FAILED, "/data");
        registry.evaluate();

        assertThat(kinds()).containsExactly(RAISED, CLEARED, RAISED);
    }

    @Test
    void conditionRegistrationIsUniqueAndRemovable() {
        AtomicInteger calls = new AtomicInteger();
        registry.condition(SYNC_FAILED, "/data", () -> {
            calls.incrementAndGet();
            return Optional.of("x");
        });
        assertThatThrownBy(() -> registry.condition(SYNC_FAILED, "/data", Optional::empty))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SYNC_FAILED/" + "/data");
        registry.evaluate();
        assertThat(calls).hasValue(1);

        assertThat(registry.removeCondition(SYNC_FAILED, "/data")).isTrue();
        assertThat(registry.removeCondition(SYNC_FAILED, "/data")).isFalse();
        registry.evaluate();
        assertThat(calls).hasValue(1);
        assertThat(registry.isActive(SYNC_FAILED, "/data")).as("removal leaves the alarm").isTrue();
    }

    @Test
    void aFailingConditionIsSkippedAndDoesNotStopTheOthers() {
        registry.condition(SYNC_FAILED, "/a", () -> {
            throw new IllegalStateException("check broke");
        });
        registry.condition(SYNC_FAILED, "/b", () -> null);
        registry.condition(SYNC_FAILED, "/c", () -> Optional.of("broken"));
        registry.raise(SYNC_FAILED, "/a", "raised before");

        registry.evaluate();

        assertThat(registry.isActive(SYNC_FAILED, "/a")).as("left as it was").isTrue();
        assertThat(registry.isActive(SYNC_FAILED, "/b")).isFalse();
        assertThat(registry.isActive(SYNC_FAILED, "/c")).isTrue();
    }

    @Test
    void conditionsRunWithoutTheLockHeld() throws Exception {
        ExecutorService other = Executors.newCachedThreadPool();
        try {
            registry.condition(SYNC_FAILED, "/data", () -> {
                // Another thread must be able to use the registry while a check runs; with the lock held this
                // would deadlock and the get would time out.
                try {
                    List<Alarm> seen = other.submit(registry::active).get(30, TimeUnit.SECONDS);
                    return Optional.of("active alarms seen by the check: " + seen.size());
                } catch (Exception ex) {
                    throw new AssertionError(ex);
                }
            });
            registry.evaluate();
            assertThat(registry.get(SYNC_FAILED, "/data")).get().extracting(Alarm::detail)
                    .isEqualTo("active alarms seen by the check: 0");
        } finally {
            other.shutdownNow();
        }
    }

    // -------------------------------------------------------------------------------------------------- listeners

    @Test
    void listenersRunOnTheSerialExecutorInOrder() throws Exception {
        ExecutorService serial = Executors.newSingleThreadExecutor(r -> new Thread(r, "alarm-events"));
        AlarmRegistry r = AlarmRegistry.create(serial, clock, ticker, 10_000);
        List<AlarmEvent> received = new ArrayList<>(); // only touched on the serial thread
        List<String> threads = new CopyOnWriteArrayList<>();
        r.addListener(e -> {
            received.add(e);
            threads.add(Thread.currentThread().getName());
        });
        for (int i = 0; i < 300; i++) {
            String source = "s" + (i % 7);
            switch (i % 3) {
                case 0:
                    r.raise(SYNC_FAILED, source, "detail " + (i % 5));
                    break;
                case 1:
                    r.raise(SYNC_FAILED, source, "detail " + (i % 4));
                    break;
                default:
                    r.clear(SYNC_FAILED, source);
                    break;
            }
        }
        serial.shutdown();
        assertThat(serial.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(received).isNotEmpty().containsExactlyElementsOf(r.history());
        assertThat(threads).containsOnly("alarm-events");
    }

    @Test
    void deliveriesAreSerialAndOrderedEvenOnAConcurrentExecutor() throws Exception {
        ExecutorService concurrentPool = Executors.newFixedThreadPool(4);
        AlarmRegistry r = AlarmRegistry.create(concurrentPool, clock, ticker, 100_000);
        List<AlarmEvent> received = new CopyOnWriteArrayList<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        r.addListener(e -> {
            if (inFlight.incrementAndGet() != 1) {
                overlapped.set(true);
            }
            received.add(e);
            inFlight.decrementAndGet();
        });
        r.addListener(e -> {
            if (inFlight.get() != 0) {
                overlapped.set(true);
            }
        });
        ExecutorService producers = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                futures.add(producers.submit(() -> {
                    Random random = new Random(seed);
                    start.await();
                    for (int i = 0; i < 2_000; i++) {
                        String source = "s" + random.nextInt(10);
                        if (random.nextBoolean()) {
                            r.raise(SYNC_FAILED, source, "d" + random.nextInt(3));
                        } else {
                            r.clear(SYNC_FAILED, source);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            List<AlarmEvent> history = r.history();
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= history.size());
            assertThat(received).containsExactlyElementsOf(history);
            assertThat(overlapped).isFalse();
        } finally {
            producers.shutdownNow();
            concurrentPool.shutdownNow();
        }
    }

    @Test
    void aThrowingListenerDoesNotStopTheOthers() {
        AtomicInteger throwerCalls = new AtomicInteger();
        registry.addListener(e -> {
            throwerCalls.incrementAndGet();
            throw new IllegalStateException("listener bug");
        });
        List<AlarmEvent> last = new ArrayList<>();
        registry.addListener(last::add);

        registry.raise(SYNC_FAILED, "/data", "x");
        registry.clear(SYNC_FAILED, "/data");

        assertThat(throwerCalls).hasValue(2);
        assertThat(last).extracting(AlarmEvent::kind).containsExactly(RAISED, CLEARED);
        assertThat(kinds()).containsExactly(RAISED, CLEARED);
    }

    @Test
    void aListenerMayCallBackIntoTheRegistry() {
        List<String> order = new ArrayList<>();
        registry.addListener(e -> {
            order.add(e.kind() + " " + e.source());
            if (e.kind() == RAISED && e.source().equals("primary")) {
                registry.raise(SYNC_FAILED, "secondary", "caused by primary");
                order.add("raise returned");
            }
        });
        registry.raise(SYNC_FAILED, "primary", "x");

        // The nested change is delivered after the current event, not in the middle of it.
        assertThat(order).containsExactly("RAISED primary", "raise returned", "RAISED secondary");
    }

    @Test
    void listenersAreCalledWithoutTheLockHeld() {
        ExecutorService other = Executors.newCachedThreadPool();
        try {
            AtomicReference<List<Alarm>> seenFromOtherThread = new AtomicReference<>();
            registry.addListener(e -> {
                // With the lock held this would deadlock and the get would time out.
                try {
                    seenFromOtherThread.set(other.submit(registry::active).get(30, TimeUnit.SECONDS));
                } catch (Exception ex) {
                    throw new AssertionError(ex);
                }
            });
            registry.raise(SYNC_FAILED, "/data", "x");
            assertThat(seenFromOtherThread.get()).hasSize(1);
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void addAndRemoveListener() {
        List<AlarmEvent> mine = new ArrayList<>();
        AlarmListener listener = mine::add;
        assertThat(registry.addListener(listener)).isTrue();
        assertThat(registry.addListener(listener)).isFalse();
        registry.raise(SYNC_FAILED, "/data", "x");
        assertThat(mine).hasSize(1);

        assertThat(registry.removeListener(listener)).isTrue();
        assertThat(registry.removeListener(listener)).isFalse();
        registry.clear(SYNC_FAILED, "/data");
        assertThat(mine).hasSize(1);
        assertThat(kinds()).containsExactly(RAISED, CLEARED);
    }

    @Test
    void eventsStayQueuedWhenTheExecutorRejects() {
        AtomicBoolean reject = new AtomicBoolean(true);
        Executor flaky = command -> {
            if (reject.get()) {
                throw new RejectedExecutionException("shutting down");
            }
            command.run();
        };
        AlarmRegistry r = AlarmRegistry.create(flaky, clock, ticker);
        List<AlarmEvent> received = new ArrayList<>();
        r.addListener(received::add);

        r.raise(SYNC_FAILED, "/data", "x");
        assertThat(received).isEmpty();

        reject.set(false);
        r.clear(SYNC_FAILED, "/data");
        assertThat(received).extracting(AlarmEvent::kind).containsExactly(RAISED, CLEARED);
    }

    // -------------------------------------------------------------------------------------------------- lifecycle

    @Test
    void startEvaluatesPeriodicallyUntilClosed() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        scheduler.setRemoveOnCancelPolicy(true);
        try {
            AtomicReference<Optional<String>> cause = new AtomicReference<>(Optional.of("broken"));
            registry.condition(SYNC_FAILED, "/data", cause::get);
            registry.start(scheduler, Duration.ofMillis(5));

            await().atMost(Duration.ofSeconds(30)).until(() -> registry.isActive(SYNC_FAILED, "/data"));
            cause.set(Optional.empty());
            await().atMost(Duration.ofSeconds(30)).until(() -> !registry.isActive(SYNC_FAILED, "/data"));

            assertThatThrownBy(() -> registry.start(scheduler, Duration.ofMillis(5)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");

            registry.close();
            registry.close();
            assertThat(scheduler.getQueue()).as("the periodic task was cancelled").isEmpty();
            assertThat(scheduler.isShutdown()).as("the scheduler is not owned").isFalse();
            assertThatThrownBy(() -> registry.start(scheduler, Duration.ofMillis(5)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");

            // Still usable after close.
            registry.raise(SYNC_FAILED, "/other", "x");
            assertThat(registry.isActive(SYNC_FAILED, "/other")).isTrue();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void startValidatesThePeriod() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        try {
            assertThatThrownBy(() -> registry.start(scheduler, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period");
            assertThatThrownBy(() -> registry.start(null, Duration.ofSeconds(1)))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("scheduler");
            assertThat(scheduler.getQueue()).isEmpty();
        } finally {
            scheduler.shutdownNow();
        }
    }
}
