package io.hakit.api.detect;

import io.hakit.api.TestTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HeartbeatMonitorTest {

    private final TestTicker ticker = new TestTicker();
    private final List<String> created = new CopyOnWriteArrayList<>();
    private final HeartbeatMonitor monitor = HeartbeatMonitor.create(3, id -> {
        created.add(id);
        return FixedTimeoutFailureDetector.create(Duration.ofSeconds(10), ticker);
    });

    @Test
    void unknownPeersAreAvailableAndNotWatched() {
        assertThat(monitor.isAvailable("node-a")).isTrue();
        assertThat(monitor.phi("node-a")).isEqualTo(0.0);
        assertThat(monitor.isWatched("node-a")).isFalse();
        assertThat(monitor.detector("node-a")).isEmpty();
        assertThat(monitor.unavailable()).isEmpty();
        assertThat(monitor.size()).isZero();
        assertThat(created).isEmpty();
    }

    @Test
    void firstHeartbeatRegistersThePeerWithItsOwnDetector() {
        monitor.heartbeat("node-a");
        monitor.heartbeat("node-a");
        monitor.heartbeat("node-b");

        assertThat(created).containsExactly("node-a", "node-b");
        assertThat(monitor.peers()).containsExactly("node-a", "node-b");
        assertThat(monitor.detector("node-a")).get().extracting(FailureDetector::isMonitoring).isEqualTo(true);
        assertThat(monitor.detector("node-a").get()).isNotSameAs(monitor.detector("node-b").get());
    }

    @Test
    void reportsOnlyTheSilentPeersAsUnavailable() {
        monitor.heartbeat("node-a");
        monitor.heartbeat("node-b");
        monitor.heartbeat("node-c");
        ticker.advance(Duration.ofSeconds(6));
        monitor.heartbeat("node-b");
        ticker.advance(Duration.ofSeconds(5));

        assertThat(monitor.unavailable()).containsExactly("node-a", "node-c");
        assertThat(monitor.isAvailable("node-a")).isFalse();
        assertThat(monitor.isAvailable("node-b")).isTrue();
        assertThat(monitor.phi("node-a")).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(monitor.phi("node-b")).isEqualTo(0.0);

        monitor.heartbeat("node-a");
        assertThat(monitor.unavailable()).containsExactly("node-c");
    }

    @Test
    void removeForgetsThePeer() {
        monitor.heartbeat("node-a");
        ticker.advance(Duration.ofSeconds(11));
        assertThat(monitor.unavailable()).containsExactly("node-a");

        assertThat(monitor.remove("node-a")).isTrue();
        assertThat(monitor.remove("node-a")).isFalse();
        assertThat(monitor.unavailable()).isEmpty();
        assertThat(monitor.isAvailable("node-a")).isTrue();
        assertThat(monitor.isWatched("node-a")).isFalse();

        monitor.heartbeat("node-a"); // registered afresh
        assertThat(created).containsExactly("node-a", "node-a");
        assertThat(monitor.isAvailable("node-a")).isTrue();
    }

    @Test
    void refusesMorePeersThanTheLimitAndChangesNothing() {
        monitor.heartbeat("a");
        monitor.heartbeat("b");
        monitor.heartbeat("c");

        assertThatThrownBy(() -> monitor.heartbeat("d"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxPeers=3")
                .hasMessageContaining("'d'");
        assertThat(monitor.size()).isEqualTo(3);
        assertThat(monitor.isWatched("d")).isFalse();
        assertThat(created).containsExactly("a", "b", "c");

        monitor.heartbeat("a"); // known peers still work at the limit
        monitor.remove("b");
        monitor.heartbeat("d");
        assertThat(monitor.peers()).containsExactly("a", "c", "d");

        monitor.clear();
        assertThat(monitor.size()).isZero();
    }

    @Test
    void validatesArguments() {
        assertThatThrownBy(() -> HeartbeatMonitor.create(0, id -> null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPeers");
        assertThatThrownBy(() -> HeartbeatMonitor.create(1, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("detectorFactory");
        assertThatThrownBy(() -> monitor.heartbeat(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
        assertThatThrownBy(() -> monitor.isAvailable(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("id");

        HeartbeatMonitor broken = HeartbeatMonitor.create(2, id -> null);
        assertThatThrownBy(() -> broken.heartbeat("x"))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("detectorFactory");
        assertThat(broken.size()).isZero();
        assertThat(broken.maxPeers()).isEqualTo(2);
    }

    @Test
    void snapshotsAreImmutable() {
        monitor.heartbeat("a");
        assertThatThrownBy(() -> monitor.peers().add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> monitor.unavailable().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void worksWithPhiAccrualDetectors() {
        HeartbeatMonitor phiMonitor = HeartbeatMonitor.create(10,
                id -> PhiAccrualFailureDetector.builder().name(id).ticker(ticker).build());
        for (int i = 0; i < 20; i++) {
            phiMonitor.heartbeat("a");
            phiMonitor.heartbeat("b");
            ticker.advance(Duration.ofSeconds(1));
        }
        for (int i = 0; i < 10; i++) {
            phiMonitor.heartbeat("b");
            ticker.advance(Duration.ofSeconds(1));
        }
        assertThat(phiMonitor.unavailable()).containsExactly("a");
        assertThat(phiMonitor.phi("a")).isGreaterThan(8.0);
        assertThat(phiMonitor.phi("b")).isLessThan(1.0);
    }

    @Test
    void concurrentRegistrationNeverExceedsTheLimit() throws Exception {
        int limit = 50;
        AtomicInteger factoryCalls = new AtomicInteger();
        HeartbeatMonitor bounded = HeartbeatMonitor.create(limit, id -> {
            factoryCalls.incrementAndGet();
            return FixedTimeoutFailureDetector.create(Duration.ofSeconds(1), ticker);
        });
        int threads = 8;
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    // Every thread heartbeats the same 100 ids, so registrations race with each other.
                    for (int i = 0; i < 100; i++) {
                        try {
                            bounded.heartbeat("peer-" + i);
                        } catch (IllegalStateException full) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(bounded.size()).isEqualTo(limit);
        assertThat(factoryCalls.get()).isEqualTo(limit); // one detector per peer, never two
        assertThat(refused.get()).isEqualTo(threads * 100 - threads * limit);
    }
}
