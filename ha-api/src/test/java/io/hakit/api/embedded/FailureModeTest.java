package io.hakit.api.embedded;

import io.hakit.api.BackendUnavailableException;
import io.hakit.api.CorruptValueException;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.StateStore;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.api.VersionConflictException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FailureModeTest {

    @TempDir
    Path dir;

    private final EmbeddedHaBackend backend = EmbeddedHaBackend.create();
    private HaServices services;

    private StateStore store(Duration operationTimeout) {
        services = backend.newServices(HaConfig.builder().nodeId("a").storageDir(dir)
                .operationTimeout(operationTimeout)
                .backendOption(EmbeddedHaBackend.INLINE_LIMIT, "1 kb").build());
        return services.stateStore("ns");
    }

    @AfterEach
    void close() {
        backend.setFailureMode(FailureMode.NONE);
        if (services != null) {
            services.close();
        }
    }

    private List<Path> blobs() throws IOException {
        Path ns = dir.resolve("ns");
        if (!Files.isDirectory(ns)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(ns)) {
            return s.collect(Collectors.toList());
        }
    }

    @Test
    void unavailableAppliesNothing() throws IOException {
        StateStore s = store(Duration.ofSeconds(5));
        s.put("k", new byte[] {1}, StateStore.NEW);
        backend.setFailureMode(FailureMode.UNAVAILABLE);
        assertThatThrownBy(() -> s.put("k", new byte[] {2}, StateStore.ANY))
                .isInstanceOf(BackendUnavailableException.class).hasMessageContaining("unavailable");
        assertThatThrownBy(() -> s.put("big", new byte[4096], StateStore.NEW))
                .isInstanceOf(BackendUnavailableException.class);
        assertThat(blobs()).as("the blob of a definitely failed write is removed").isEmpty();
        backend.setFailureMode(FailureMode.NONE);
        assertThat(s.get("k").orElseThrow().value()).containsExactly(1);
        assertThat(s.get("big")).isEmpty();
    }

    @Test
    void anUnknownOutcomeDiscardsNothing() throws IOException {
        StateStore s = store(Duration.ofSeconds(5));
        byte[] big = new byte[64 * 1024];
        Arrays.fill(big, (byte) 7);
        backend.setFailureMode(FailureMode.UNKNOWN_OUTCOME);
        assertThatThrownBy(() -> s.put("big", big, StateStore.NEW)).isInstanceOf(UnknownOutcomeException.class)
                .hasMessageContaining("kept");
        assertThat(blobs()).hasSize(1);
        backend.setFailureMode(FailureMode.NONE);
        // it was in fact applied, and the value is complete
        assertThat(s.get("big").orElseThrow().value()).isEqualTo(big);
    }

    @Test
    void aHangIsBoundedByTheOperationTimeout() {
        StateStore s = store(Duration.ofMillis(300));
        backend.setFailureMode(FailureMode.HANG);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> s.put("k", new byte[] {1}, StateStore.NEW))
                .isInstanceOf(UnknownOutcomeException.class).hasMessageContaining("operation timeout");
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
        assertThatThrownBy(() -> s.get("k")).isInstanceOf(BackendUnavailableException.class);
        backend.setFailureMode(FailureMode.NONE);
        assertThat(s.get("k")).isEmpty();
    }

    @Test
    void aHangEndsWhenTheBackendRecovers() throws Exception {
        StateStore s = store(Duration.ofSeconds(30));
        backend.setFailureMode(FailureMode.HANG);
        CompletableFuture<Long> put = CompletableFuture.supplyAsync(() -> s.put("k", new byte[] {1}, StateStore.NEW));
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> !put.isDone());
        backend.setFailureMode(FailureMode.NONE);
        assertThat(put.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aConflictingLargeWriteLeavesNoBlob() throws IOException {
        StateStore s = store(Duration.ofSeconds(5));
        s.put("k", new byte[] {1}, StateStore.NEW);
        assertThatThrownBy(() -> s.put("k", new byte[8192], StateStore.NEW)).isInstanceOf(VersionConflictException.class);
        assertThat(blobs()).isEmpty();
    }

    @Test
    void aTamperedOrMissingBlobIsDetected() throws IOException {
        StateStore s = store(Duration.ofSeconds(5));
        s.put("big", new byte[8192], StateStore.NEW);
        Path blob = blobs().get(0);
        byte[] content = Files.readAllBytes(blob);
        content[100] = 1;
        Files.write(blob, content);
        assertThatThrownBy(() -> s.get("big")).isInstanceOf(CorruptValueException.class).hasMessageContaining("big")
                .hasMessageContaining("verification");
        Files.delete(blob);
        assertThatThrownBy(() -> s.get("big")).isInstanceOf(CorruptValueException.class).hasMessageContaining("missing");
    }

    @Test
    void aValueOverTheLimitIsRefusedNamingTheKey() {
        services = backend.newServices(HaConfig.builder().nodeId("a").storageDir(dir).maxValueSize(1000).build());
        StateStore s = services.stateStore("ns");
        assertThatThrownBy(() -> s.put("too-big", new byte[1001], StateStore.NEW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too-big")
                .hasMessageContaining(HaConfig.MAX_VALUE_SIZE);
        assertThat(s.get("too-big")).isEmpty();
    }
}
