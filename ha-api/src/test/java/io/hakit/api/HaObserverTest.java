package io.hakit.api;

import io.hakit.api.HaObserver.StoreOperation;
import io.hakit.api.HaObserver.StoreOutcome;
import io.hakit.api.embedded.EmbeddedHaBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The observer seam: what the core services report, in which order, measured on the configured ticker; that the
 * default observer makes the store read no ticker at all; and that an observer that throws changes nothing.
 */
class HaObserverTest {

    @TempDir
    Path dir;

    /** Everything an observer is told, one line each. */
    static final class Recording implements HaObserver {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile HaServices started;

        @Override
        public void started(HaServices services) {
            started = services;
        }

        @Override
        public void leadershipGranted(String componentId, long epoch, long waitNanos) {
            events.add("grant " + componentId + " " + epoch + " waited " + waitNanos);
        }

        @Override
        public void leadershipRevoked(String componentId, long epoch) {
            events.add("revoke " + componentId + " " + epoch);
        }

        @Override
        public void leadershipConfirmed(String componentId, long epoch, boolean confirmed, long nanos) {
            events.add("confirm " + componentId + " " + epoch + " " + confirmed);
        }

        @Override
        public void storeOperation(String namespace, StoreOperation operation, StoreOutcome outcome, long nanos) {
            events.add(namespace + " " + operation + " " + outcome);
        }

        @Override
        public void blobWritten(String namespace, long bytes) {
            events.add(namespace + " blob written " + bytes);
        }

        @Override
        public void blobRead(String namespace, long bytes) {
            events.add(namespace + " blob read " + bytes);
        }
    }

    @Test
    void theServicesReportGrantsRevokesConfirmationsAndStoreOperationsInOrder() {
        TestTicker ticker = new TestTicker();
        Recording rec = new Recording();
        EmbeddedHaBackend backend = EmbeddedHaBackend.create();
        try (HaServices ha = backend.newServices(HaConfig.builder().nodeId("n").ticker(ticker).observer(rec)
                .storageDir(dir).backendOption(EmbeddedHaBackend.INLINE_LIMIT, "1 kb").build())) {
            assertThat(rec.started).isSameAs(ha);
            LeaderElection e = ha.leaderElection("c");
            ticker.advance(Duration.ofSeconds(1)); // before the start: not part of the wait
            RecordingContender c = new RecordingContender(null).start(e);
            LeaderSession s = c.awaitGrant();
            assertThat(e.confirmLeadership(s, "http://n")).isTrue();
            StateStore store = ha.stateStore("ns");
            store.put(s, "k", new byte[2000], StateStore.NEW);
            store.get("k");
            assertThatThrownBy(() -> store.put("k", new byte[1], StateStore.NEW))
                    .isInstanceOf(VersionConflictException.class);
            ticker.advance(Duration.ofSeconds(2));
            backend.suspend("n"); // revokes (the default policy), and the next grant waits for the resume
            await().atMost(Duration.ofSeconds(10)).until(() -> c.revokes.get() == 1);
            assertThat(rec.events).containsExactly(
                    "grant c " + s.epoch() + " waited 0",
                    "confirm c " + s.epoch() + " true",
                    "ns blob written 2000",
                    "ns PUT SUCCESS",
                    "ns blob read 2000",
                    "ns GET SUCCESS",
                    "ns PUT CONFLICT",
                    "revoke c " + s.epoch());
            // the next grant's wait runs from the revoke
            ticker.advance(Duration.ofSeconds(5));
            backend.resume("n");
            await().atMost(Duration.ofSeconds(10)).until(() -> c.grants.get() == 2);
            assertThat(rec.events.get(rec.events.size() - 1)).endsWith(" waited " + Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void withoutAnObserverAStoreOperationReadsNoTicker() {
        Thread me = Thread.currentThread();
        AtomicLong reads = new AtomicLong();
        Ticker counting = () -> {
            if (Thread.currentThread() == me) {
                reads.incrementAndGet();
            }
            return System.nanoTime();
        };
        try (HaServices ha = EmbeddedHaBackend.create().newServices(HaConfig.builder().nodeId("n").ticker(counting)
                .storageDir(dir).build())) {
            RecordingContender c = new RecordingContender(null).start(ha.leaderElection("c"));
            LeaderSession s = c.awaitGrant();
            StateStore store = ha.stateStore("ns");
            byte[] v = "v".getBytes(StandardCharsets.UTF_8);
            long before = reads.get();
            for (int i = 0; i < 100; i++) {
                store.put(s, "k" + i, v, StateStore.ANY);
                store.get("k" + i);
                store.delete("k" + i, StateStore.ANY);
            }
            store.list("");
            assertThat(reads.get() - before).isZero();
        }
    }

    @Test
    void anObserverThatThrowsChangesNothing() {
        HaObserver throwing = new HaObserver() {
            @Override
            public void started(HaServices services) {
                throw new IllegalStateException("started");
            }

            @Override
            public void leadershipGranted(String componentId, long epoch, long waitNanos) {
                throw new IllegalStateException("grant");
            }

            @Override
            public void storeOperation(String namespace, StoreOperation operation, StoreOutcome outcome,
                    long nanos) {
                throw new IllegalStateException("store");
            }
        };
        try (HaServices ha = EmbeddedHaBackend.create().newServices(HaConfig.builder().nodeId("n").observer(throwing)
                .storageDir(dir).build())) {
            RecordingContender c = new RecordingContender(null).start(ha.leaderElection("c"));
            LeaderSession s = c.awaitGrant();
            long v = ha.stateStore("ns").put(s, "k", new byte[1], StateStore.NEW);
            assertThat(ha.stateStore("ns").get("k").orElseThrow().version()).isEqualTo(v);
            assertThatThrownBy(() -> ha.stateStore("ns").put("k", new byte[1], StateStore.NEW))
                    .isInstanceOf(VersionConflictException.class);
        }
    }

    @Test
    void everyExceptionOfAStoreHasItsOutcome() {
        assertThat(StoreOutcome.of(new VersionConflictException("k", 1, "x"))).isEqualTo(StoreOutcome.CONFLICT);
        assertThat(StoreOutcome.of(new LeadershipLostException("x"))).isEqualTo(StoreOutcome.LEADERSHIP_LOST);
        assertThat(StoreOutcome.of(new UnknownOutcomeException("x"))).isEqualTo(StoreOutcome.UNKNOWN_OUTCOME);
        assertThat(StoreOutcome.of(new BackendUnavailableException("x"))).isEqualTo(StoreOutcome.UNAVAILABLE);
        assertThat(StoreOutcome.of(new CorruptValueException("x"))).isEqualTo(StoreOutcome.CORRUPT);
        assertThat(StoreOutcome.of(new IllegalArgumentException("x"))).isEqualTo(StoreOutcome.OTHER);
        assertThat(HaConfig.builder().build().observer()).isSameAs(HaObserver.NONE);
        assertThat(StoreOperation.values()).hasSize(4);
    }
}
