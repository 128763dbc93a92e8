package io.hakit.benchmarks.jmh;

import io.hakit.api.Ticker;
import io.hakit.api.detect.FixedTimeoutFailureDetector;
import io.hakit.api.detect.PhiAccrualFailureDetector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Cost of the failure detectors' hot paths on the system ticker: recording a heartbeat (an I/O thread, once per
 * received heartbeat) and querying availability or phi (any thread, often once per check per peer).
 *
 * <p>Both detectors are created once per trial; the phi detector's history is filled to its 1000-sample cap (the
 * steady state of a long-lived peer), and both receive a heartbeat before each iteration, so the query benchmarks
 * measure a monitoring detector of a live peer. The heartbeat benchmarks call {@code heartbeat()} back to back:
 * intervals are tiny, so the phi detector records every one and evicts the oldest.
 * Each benchmark returns a value derived from the detector so the JIT cannot eliminate the call.
 *
 * <p>Run: {@code benchmarks/run jmh-detectors [--quick]}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class FailureDetectorBenchmark {

    private PhiAccrualFailureDetector phiAccrual;
    private FixedTimeoutFailureDetector fixedTimeout;

    @Setup(Level.Trial)
    public void setUp() {
        Ticker ticker = Ticker.system();
        phiAccrual = PhiAccrualFailureDetector.builder().ticker(ticker).build();
        fixedTimeout = FixedTimeoutFailureDetector.create(Duration.ofSeconds(30), ticker);
        for (int i = 0; i < 2_000; i++) { // fill the phi detector's history to its cap
            phiAccrual.heartbeat();
        }
        fixedTimeout.heartbeat();
    }

    /** A fresh heartbeat per iteration, so the query benchmarks see a live peer (phi near 0), not a dead one. */
    @Setup(Level.Iteration)
    public void heartbeatBeforeIteration() {
        phiAccrual.heartbeat();
        fixedTimeout.heartbeat();
    }

    @Benchmark
    public long phiAccrualHeartbeat() {
        phiAccrual.heartbeat();
        return phiAccrual.lastHeartbeatNanos();
    }

    @Benchmark
    public double phiAccrualPhi() {
        return phiAccrual.phi();
    }

    @Benchmark
    public boolean phiAccrualIsAvailable() {
        return phiAccrual.isAvailable();
    }

    @Benchmark
    public long fixedTimeoutHeartbeat() {
        fixedTimeout.heartbeat();
        return fixedTimeout.lastHeartbeatNanos();
    }

    @Benchmark
    public boolean fixedTimeoutIsAvailable() {
        return fixedTimeout.isAvailable();
    }
}
