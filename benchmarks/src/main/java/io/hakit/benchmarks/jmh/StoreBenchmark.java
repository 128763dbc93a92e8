package io.hakit.benchmarks.jmh;

import io.hakit.api.HaConfig;
import io.hakit.api.HaObserver;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.micrometer.HaServicesMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Cost of the state store's hot path on the embedded backend (in memory, so the core's own cost is most of it): a
 * fenced put and a get of a small inline value, with the observer {@code none} ({@link HaObserver#NONE}, the
 * default: nothing is measured) or {@code micrometer} (ha-micrometer's {@link HaServicesMetrics} on a
 * {@link SimpleMeterRegistry}: two ticker reads and a timer record per operation). The difference between the two is
 * what metrics cost; the {@code none} figure against a build without the observer seam is what the seam costs.
 *
 * <p>Run: {@code benchmarks/run jmh-store [--quick]}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class StoreBenchmark {

    @Param({"none", "micrometer"})
    public String observer;

    private HaServices ha;
    private StateStore store;
    private LeaderSession session;
    private final byte[] value = new byte[64];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        HaConfig.Builder config = HaConfig.builder().nodeId("bench")
                .storageDir(Files.createTempDirectory("hakit-store-bench"));
        if (observer.equals("micrometer")) {
            config.observer(new HaServicesMetrics(new SimpleMeterRegistry()));
        }
        ha = EmbeddedHaBackend.create().newServices(config.build());
        LeaderElection e = ha.leaderElection("bench");
        CompletableFuture<LeaderSession> granted = new CompletableFuture<>();
        e.startLeaderElection(new LeaderContender() {
            @Override
            public void grantLeadership(LeaderSession s) {
                granted.complete(s);
            }

            @Override
            public void revokeLeadership() {
            }
        });
        session = granted.get(10, TimeUnit.SECONDS);
        store = ha.stateStore("bench");
        store.put(session, "k", value, StateStore.ANY);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ha.close();
    }

    /** A fenced put of 64 bytes (the session checked locally and by the backend). */
    @Benchmark
    public long put() {
        return store.put(session, "k", value, StateStore.ANY);
    }

    /** A get of the same key. */
    @Benchmark
    public Optional<?> get() {
        return store.get("k");
    }
}
