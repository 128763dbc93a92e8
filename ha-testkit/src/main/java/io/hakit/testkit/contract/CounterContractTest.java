package io.hakit.testkit.contract;

import io.hakit.api.Counter;
import io.hakit.api.HaServices;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shared counter contract (Flink's {@code CheckpointIDCounterTestBase}): unique, strictly increasing values. */
public abstract class CounterContractTest extends ContractTestBase {

    /**
     * For a backend's test class, which extends this suite and implements {@link #createCluster()}; JUnit makes one
     * instance per test. Nothing is connected until a test runs.
     */
    public CounterContractTest() {
    }

    @Test
    void startsAtTheInitialValueAndIncrements() {
        Counter c = process("node-a").counter("checkpoint-id");
        assertThat(c.get()).isEqualTo(1);
        assertThat(c.getAndIncrement()).isEqualTo(1);
        assertThat(c.getAndIncrement()).isEqualTo(2);
        assertThat(c.get()).isEqualTo(3);
        Counter other = process("node-b").counter("checkpoint-id", 100);
        assertThat(other.get()).as("an existing counter ignores another initial value").isEqualTo(3);
        assertThat(process("node-c").counter("fresh", 100).getAndIncrement()).isEqualTo(100);
    }

    @Test
    void setMovesForwardButNeverBack() {
        Counter c = process("node-a").counter("restore");
        c.set(50);
        assertThat(c.getAndIncrement()).isEqualTo(50);
        assertThatThrownBy(() -> c.set(10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10");
        assertThat(c.get()).isEqualTo(51);
    }

    @Test
    void strictlyIncreasingUnderFourConcurrentThreads() throws Exception {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        int threads = 4;
        int perThread = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier start = new CyclicBarrier(threads);
        try {
            List<CompletableFuture<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Counter c = (t % 2 == 0 ? a : b).counter("concurrent");
                futures.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    List<Long> got = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        got.add(c.getAndIncrement());
                    }
                    return got;
                }, pool));
            }
            Set<Long> all = new HashSet<>();
            for (CompletableFuture<List<Long>> f : futures) {
                List<Long> got = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                for (int i = 1; i < got.size(); i++) {
                    assertThat(got.get(i)).isGreaterThan(got.get(i - 1));
                }
                for (Long v : got) {
                    assertThat(all.add(v)).as("value %d handed out twice", v).isTrue();
                }
            }
            assertThat(all).hasSize(threads * perThread);
            assertThat(all.stream().mapToLong(Long::longValue).min().orElseThrow()).isEqualTo(1);
            assertThat(all.stream().mapToLong(Long::longValue).max().orElseThrow()).isEqualTo(threads * perThread);
            assertThat(a.counter("concurrent").get()).isEqualTo(threads * perThread + 1);
        } finally {
            pool.shutdownNow();
        }
    }
}
