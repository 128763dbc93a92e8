package io.hakit.keepalive;

import io.hakit.testkit.ManualTicker;
import io.hakit.testkit.proxy.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The node's timers driven through the {@link io.hakit.api.Scheduler} seam: a {@link ManualTicker} is each node's
 * ticker and scheduler, so heartbeats, the dead-interval check and reconnects happen exactly when the test moves time
 * past them. The intervals are minutes long, so that a timer left on real time would not fire during the test at all.
 * Nothing here sleeps: the waits are for the nodes' threads and loopback I/O, while time stands still.
 */
class KeepaliveTimersTest {

    private static final Duration INTERVAL = Duration.ofMinutes(1);
    /** Two and a half heartbeat intervals: only the dead-interval check, not a heartbeat tick, notices it on time. */
    private static final Duration DEAD = Duration.ofSeconds(150);
    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration BOUND = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private static UnaryOperator<KeepaliveConfig.Builder> on(ManualTicker time) {
        return b -> b.ticker(time).scheduler(time).heartbeatInterval(INTERVAL).deadInterval(DEAD)
                .heartbeatAlarmAfter(DEAD);
    }

    /**
     * Moves {@code time} on by {@code d} one due timer at a time, and after each lets the nodes' threads run what the
     * timers handed them (a status call is a round trip through a node's thread), so that a node reads the time and
     * sets its next timer only while time stands still.
     */
    private static void step(ManualTicker time, Duration d, KeepaliveNode... nodes) {
        Duration left = d;
        while (true) {
            Duration remaining = left;
            Duration by = time.nextDue().filter(next -> next.compareTo(remaining) < 0).orElse(remaining);
            time.advance(by);
            for (KeepaliveNode n : nodes) {
                n.status();
            }
            left = left.minus(by);
            if (left.isZero()) {
                return;
            }
        }
    }

    @Test
    void theStandbyPromotesWhenThePeersHeartbeatsHaveBeenMissingForTheDeadIntervalAndNotAMillisecondBefore() {
        ManualTicker timeA = new ManualTicker();
        ManualTicker timeB = new ManualTicker();
        List<Long> arbiterAskedAt = new CopyOnWriteArrayList<>();
        List<RoleChange> bChanges = new CopyOnWriteArrayList<>();
        try (PairFixture pair = new PairFixture(dir, true)) {
            // node-a's connections to node-b are refused: node-b's connection to node-a carries every message, in order
            pair.toB.refuseNewConnections(true);
            KeepaliveNode a = pair.start("node-a", 150, on(timeA));
            KeepaliveNode b = pair.start("node-b", 100, x -> on(timeB).apply(x).arbiter(recording(timeB,
                    arbiterAskedAt::add)), bChanges::add);
            await().atMost(BOUND).until(() -> a.role() == Role.ACTIVE && b.status().peer().contains("ACTIVE"));

            // each node heartbeats when its own time reaches the interval
            step(timeB, INTERVAL, b);
            step(timeA, INTERVAL, a);
            await().atMost(BOUND).until(() -> b.status().lastHeartbeatAgeMillis() == 0);

            // node-a's time stands still from here (a process stalled): it sends no more heartbeats
            step(timeB, DEAD.minus(MS), b);
            NodeStatus before = b.status();
            assertThat(before.lastHeartbeatAgeMillis()).isEqualTo(DEAD.minus(MS).toMillis());
            assertThat(before.role()).isEqualTo(Role.STANDBY);
            assertThat(arbiterAskedAt).as("asked to promote before the dead interval ran out").isEmpty();

            step(timeB, MS, b);
            await().atMost(BOUND).until(() -> b.role() == Role.ACTIVE);
            assertThat(arbiterAskedAt).containsExactly(INTERVAL.plus(DEAD).toNanos());
            RoleChange promotion = bChanges.get(bChanges.size() - 1);
            assertThat(promotion.reason()).contains("peer node-a silent for " + DEAD.toMillis() + " ms");
        }
    }

    @Test
    void aConnectionWhosePeerFellSilentIsClosedAfterTwoDeadIntervalsNotOne() {
        ManualTicker timeA = new ManualTicker();
        ManualTicker timeB = new ManualTicker();
        try (PairFixture pair = new PairFixture(dir, true)) {
            pair.toB.refuseNewConnections(true); // one connection, node-b's to node-a
            KeepaliveNode a = pair.start("node-a", 150, on(timeA));
            // node-b's arbiter refuses: node-b stays standby and sends node-a nothing to answer
            KeepaliveNode b = pair.start("node-b", 100, x -> on(timeB).apply(x).arbiter(refusing()));
            await().atMost(BOUND).until(() -> a.role() == Role.ACTIVE && b.status().peer().contains("ACTIVE"));
            step(timeB, INTERVAL, b);
            step(timeA, INTERVAL, a);
            await().atMost(BOUND).until(() -> b.status().lastHeartbeatAgeMillis() == 0);
            pair.toA.refuseNewConnections(true); // so that a closed connection stays closed
            pair.toA.fault(Fault.blackhole()); // node-a stalls: not a byte either way, not even an answer

            // node-b judges node-a dead at one dead interval (its arbiter says no), but keeps the connection, on which
            // a stalled peer's heartbeats would arrive once it runs again
            step(timeB, DEAD.multipliedBy(2).minus(MS), b);
            assertThat(b.status().lastHeartbeatAgeMillis()).isEqualTo(DEAD.multipliedBy(2).minus(MS).toMillis());
            assertThat(b.status().connections()).as("open for two dead intervals of silence").isEqualTo(1);

            step(timeB, MS, b);
            await().atMost(BOUND).until(() -> b.status().connections() == 0);
        }
    }

    @Test
    void reconnectsHappenAtTheBackoffFrom20MsDoublingToOneSecondAndStartOverOnceThePeerAnswers() {
        ManualTicker time = new ManualTicker();
        try (PairFixture pair = new PairFixture(dir, true)) {
            KeepaliveNode b = pair.start("node-b", 100, on(time));
            // node-a is not up: node-b's first dial finds nobody and is tried again 20 ms later, not a tick before
            awaitNextDue(time, Duration.ofMillis(20));
            KeepaliveNode a = pair.start("node-a", 150, on(time));
            await().atMost(BOUND).until(() -> a.status().connections() == 1);
            step(time, Duration.ofMillis(19), a, b);
            assertThat(time.nextDue()).contains(MS);
            assertThat(pair.toA.connectionCount()).isZero();
            step(time, MS, a, b);
            await().atMost(BOUND).until(() -> a.status().connections() == 2 && b.status().connections() == 2);
            await().atMost(BOUND).until(() -> a.role() == Role.ACTIVE && b.role() == Role.STANDBY);

            // node-a's link to node-b resets every connection: each failed dial doubles the wait, up to one second
            // (the heartbeat interval, if that is shorter)
            pair.toB.fault(Fault.reset());
            for (long expected : new long[] {20, 40, 80, 160, 320, 640, 1000, 1000}) {
                Duration backoff = Duration.ofMillis(expected);
                awaitNextDue(time, backoff);
                step(time, backoff.minus(MS), a, b);
                assertThat(time.nextDue()).as("the reconnect after %s", backoff).contains(MS);
                step(time, MS, a, b);
            }
            awaitNextDue(time, Duration.ofSeconds(1));

            // the link heals: the next dial, a second later, reaches node-b, and the backoff starts over from 20 ms
            pair.toB.fault(Fault.pass());
            step(time, Duration.ofSeconds(1), a, b);
            await().atMost(BOUND).until(() -> a.status().connections() == 2 && pair.toB.connectionCount() == 1);
            pair.toB.disconnectAll();
            awaitNextDue(time, Duration.ofMillis(20));

            a.close();
            b.close();
        }
        // a closed node sets no timer again: what was pending fires once and does nothing
        time.advance(Duration.ofHours(1));
        assertThat(time.pendingTasks()).isZero();
    }

    /** Waits until the earliest timer set is {@code d} ahead (a node sets it on its own thread, after the I/O). */
    private static void awaitNextDue(ManualTicker time, Duration d) {
        await().atMost(BOUND).until(time::nextDue, next -> next.equals(Optional.of(d)));
    }

    /** An arbiter that always refuses. */
    private static Arbiter refusing() {
        return new Arbiter() {
            @Override
            public String acquire(Duration timeout, Consumer<String> lost) {
                return null;
            }

            @Override
            public void release() {
            }

            @Override
            public String describe() {
                return "refusing";
            }
        };
    }

    /** An arbiter that always grants, and records the time of each request. */
    private static Arbiter recording(ManualTicker time, Consumer<Long> askedAt) {
        return new Arbiter() {
            @Override
            public String acquire(Duration timeout, Consumer<String> lost) {
                askedAt.accept(time.read());
                return "granted";
            }

            @Override
            public void release() {
            }

            @Override
            public String describe() {
                return "recording";
            }
        };
    }
}
