package io.hakit.benchmarks;

import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.PrintStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code jmh-detectors}: the JMH benchmarks of {@code io.hakit.benchmarks.jmh.FailureDetectorBenchmark}, in average
 * time per operation (ns); {@code jmh-store} the same for {@code io.hakit.benchmarks.jmh.StoreBenchmark} (the state
 * store's put and get with and without a metrics observer). Quick: 1 fork, 1 warm-up iteration of 1 s, 2 measured iterations of 1 s; full: 1 fork,
 * 3 x 2 s warm-up, 5 x 2 s measured. Each benchmark method becomes a figure {@code <method>_ns_per_op} (with
 * {@code [param=value,...]} after the method name when it has JMH parameters) and, when JMH can compute it (three or
 * more measured iterations), {@code <method>_error_ns_per_op}: the half-width of JMH's 99.9% confidence interval.
 */
final class JmhDetectors implements Runner.Scenario {

    static final String NAME = "jmh-detectors";
    static final String STORE = "jmh-store";

    private final String name;
    private final String benchmark;
    private final String what;

    /** {@code jmh-detectors}. */
    JmhDetectors() {
        this(NAME, "FailureDetectorBenchmark", "failure detectors");
    }

    /** The JMH scenario {@code name}: the benchmark class {@code benchmark} of io.hakit.benchmarks.jmh. */
    JmhDetectors(String name, String benchmark, String what) {
        this.name = name;
        this.benchmark = benchmark;
        this.what = what;
    }

    /** {@code jmh-store}. */
    static JmhDetectors store() {
        return new JmhDetectors(STORE, "StoreBenchmark", "state store put and get, observer none or micrometer");
    }

    @Override
    public String description() {
        return "JMH: " + what + " (" + benchmark + "), ns per operation";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        int warmups = quick ? 1 : 3;
        int warmupSeconds = quick ? 1 : 2;
        int measurements = quick ? 2 : 5;
        int measurementSeconds = quick ? 1 : 2;
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("\\." + benchmark + "\\.")
                .mode(Mode.AverageTime)
                .timeUnit(TimeUnit.NANOSECONDS)
                .forks(1)
                // the forked JVM logs at the level this one does (Runner.main sets it before any logger exists)
                .jvmArgsAppend("-D" + Runner.LOG_LEVEL + "=" + System.getProperty(Runner.LOG_LEVEL, "info"),
                        // the per-iteration setup heartbeat follows a 1-2 s gap, which the phi detector reports as a
                        // growing interval; that warning is about the benchmark's setup, not the measured code
                        "-Dorg.slf4j.simpleLogger.log.io.hakit.api.detect=error")
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(warmupSeconds))
                .measurementIterations(measurements)
                .measurementTime(TimeValue.seconds(measurementSeconds))
                .shouldFailOnError(true);
        Collection<RunResult> runs;
        try {
            runs = new org.openjdk.jmh.runner.Runner(options.build()).run();
        } catch (RunnerException e) {
            throw new Runner.BenchmarkFailure("JMH could not run " + benchmark + ": " + e.getMessage(), e);
        }
        if (runs.isEmpty()) {
            throw new Runner.BenchmarkFailure("JMH ran no benchmark matching " + benchmark);
        }

        Map<String, RunResult> byFigure = new TreeMap<>();
        for (RunResult run : runs) {
            byFigure.put(figureName(run), run);
        }
        Map<String, Object> hakit = new LinkedHashMap<>();
        for (Map.Entry<String, RunResult> e : byFigure.entrySet()) {
            String figure = e.getKey();
            Result<?> primary = e.getValue().getPrimaryResult();
            if (!"ns/op".equals(primary.getScoreUnit())) {
                throw new Runner.BenchmarkFailure("expected ns/op from " + figure + ", got " + primary.getScoreUnit());
            }
            hakit.put(figure + "_ns_per_op", Json.decimal(primary.getScore(), 3));
            if (Double.isFinite(primary.getScoreError())) {
                hakit.put(figure + "_error_ns_per_op", Json.decimal(primary.getScoreError(), 3));
            }
        }

        Map<String, Object> params = new LinkedHashMap<>();
        params.put("benchmark", benchmark);
        params.put("forks", 1);
        params.put("warmup", warmups + "x" + warmupSeconds + "s");
        params.put("measurement", measurements + "x" + measurementSeconds + "s");
        params.put("quick", quick);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("hakit", hakit);
        Map<String, Object> json = Json.scenario(name, params, results);
        return json;
    }

    /** The benchmark method's simple name, with its JMH parameters if it has any. */
    private static String figureName(RunResult run) {
        String benchmark = run.getParams().getBenchmark();
        String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
        StringBuilder name = new StringBuilder(method);
        Collection<String> keys = run.getParams().getParamsKeys();
        if (!keys.isEmpty()) {
            name.append('[');
            boolean first = true;
            for (String key : keys) {
                if (!first) {
                    name.append(',');
                }
                first = false;
                name.append(key).append('=').append(run.getParams().getParam(key));
            }
            name.append(']');
        }
        return name.toString();
    }
}
