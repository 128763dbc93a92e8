package io.hakit.benchmarks;

import io.hakit.benchmarks.sync.SyncDelta;
import io.hakit.benchmarks.sync.SyncLatency;
import io.hakit.benchmarks.sync.SyncThroughput;

import java.io.PrintStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs one benchmark scenario: {@code Runner <scenario> [--quick]} ({@code benchmarks/run} builds the jar and calls
 * this). Progress goes to stdout; the last line on stdout is one JSON object:
 * {@code {"scenario": ..., "params": {...}, "results": {"hakit": {...}, <peer>: {...}}}} whose figure names carry
 * their unit ({@code p50_ms}, {@code ns_per_op}, ...).
 *
 * <p>Exit codes: 0 done, 1 the scenario failed (the reason on stderr), 2 bad usage (the scenarios on stderr).
 */
public final class Runner {

    /** One benchmark scenario (public for the scenarios in sub-packages, such as {@code sync}). */
    public interface Scenario {
        /** One line saying what it measures. */
        String description();

        /**
         * Runs the scenario, printing progress to {@code out}, and returns the JSON object of its result (scenario,
         * params, results) as ordered maps.
         *
         * @throws BenchmarkFailure if the scenario could not run or something it expected did not happen
         */
        Map<String, Object> run(boolean quick, PrintStream out);
    }

    /** A scenario could not run to the end. */
    public static final class BenchmarkFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BenchmarkFailure(String message) {
            super(message);
        }

        public BenchmarkFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static final Map<String, Scenario> SCENARIOS = scenarios();

    /** slf4j-simple's level property. */
    static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    private Runner() {
    }

    private static Map<String, Scenario> scenarios() {
        Map<String, Scenario> m = new LinkedHashMap<>();
        m.put(EmbeddedHandover.NAME, new EmbeddedHandover());
        m.put(JmhDetectors.NAME, new JmhDetectors());
        m.put(JmhDetectors.STORE, JmhDetectors.store());
        m.put(ZkHandover.NAME, new ZkHandover());
        m.put(K8sHandover.NAME, new K8sHandover());
        m.put(K8sRequests.NAME, new K8sRequests());
        m.put(K8sFailover.NAME, new K8sFailover());
        m.put(K8sCampaign.NAME, new K8sCampaign());
        m.put(ZkFailover.NAME, new ZkFailover());
        m.put(ZkCas.NAME, new ZkCas());
        m.put(ZkComponents.NAME, new ZkComponents());
        m.put(FlinkFailover.NAME, new FlinkFailover());
        m.put(KaFailover.NAME, new KaFailover());
        m.put(KaRtt.NAME, new KaRtt());
        m.put(KaStress.NAME, new KaStress(false));
        m.put(KaStress.QUOTA_NAME, new KaStress(true));
        m.put(KaFuzz.NAME, new KaFuzz());
        m.put(ZkCampaign.NAME, new ZkCampaign());
        m.put(SyncLatency.NAME, new SyncLatency());
        m.put(SyncThroughput.NAME, new SyncThroughput());
        m.put(SyncDelta.NAME, new SyncDelta());
        return Collections.unmodifiableMap(m);
    }

    public static void main(String[] args) {
        // slf4j-simple reads its level when the first logger is created: before any scenario touches HAKit. Logging
        // every grant at info would both flood the output and slow the code being measured.
        if (System.getProperty(LOG_LEVEL) == null) {
            System.setProperty(LOG_LEVEL, "warn");
        }
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs one command line; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String name = null;
        boolean quick = false;
        for (String a : args) {
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.equals("--help") || a.equals("-h")) {
                out.print(usage());
                return 0;
            } else if (a.startsWith("-")) {
                err.println("unknown option '" + a + "'");
                err.print(usage());
                return 2;
            } else if (name == null) {
                name = a;
            } else {
                err.println("one scenario at a time, got '" + name + "' and '" + a + "'");
                err.print(usage());
                return 2;
            }
        }
        Scenario scenario = name == null ? null : SCENARIOS.get(name);
        if (scenario == null) {
            err.println(name == null ? "no scenario given" : "unknown scenario '" + name + "'");
            err.print(usage());
            return 2;
        }
        Map<String, Object> result;
        try {
            result = scenario.run(quick, out);
        } catch (BenchmarkFailure e) {
            err.println(name + " failed: " + e.getMessage());
            if (e.getCause() != null) {
                e.getCause().printStackTrace(err);
            }
            return 1;
        }
        out.println(Json.write(result));
        return 0;
    }

    static String usage() {
        StringBuilder s = new StringBuilder("usage: benchmarks/run <scenario> [--quick]\n\nscenarios:\n");
        int width = SCENARIOS.keySet().stream().mapToInt(String::length).max().orElse(0);
        SCENARIOS.forEach((n, sc) -> s.append("  ").append(n).append(" ".repeat(width - n.length() + 2))
                .append(sc.description()).append('\n'));
        s.append("\n--quick  a short run (under two minutes)\n");
        return s.toString();
    }
}
