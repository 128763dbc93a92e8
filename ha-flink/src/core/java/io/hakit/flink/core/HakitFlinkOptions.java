package io.hakit.flink.core;

import io.hakit.api.alarm.RestartLoopDetector;

/**
 * The configuration keys of HAKit's Flink adapter. Flink's {@code high-availability.type} holds the factory class
 * ({@code io.hakit.flink.HakitHaServicesFactory} for Flink 2.3, {@code io.hakit.flink.v1_20.HakitHaServicesFactory} for
 * Flink 1.20), so the HAKit backend has a key of its own; every other setting keeps
 * Flink's {@code high-availability.*} name ({@code high-availability.cluster-id}, {@code high-availability.storageDir},
 * {@code high-availability.zookeeper.quorum}, {@code high-availability.zookeeper.client.session-timeout}, ...) and
 * the HAKit keys of {@code io.hakit.api.HaConfig} apply as they are.
 */
public final class HakitFlinkOptions {

    /**
     * Required. The HAKit backend: {@code zookeeper} (ha-zookeeper, in the shaded jar), {@code kubernetes}
     * (ha-kubernetes) or {@code embedded} (in-process: every JobManager must live in one JVM, as in tests and
     * MiniClusters; no availability across machines).
     */
    public static final String BACKEND = "high-availability.hakit.backend";

    /**
     * A job that restarts more than this many times within {@link #RESTART_LOOP_WINDOW} raises RESTART_LOOP (45690)
     * on the JobManager's alarms. Default {@value RestartLoopDetector#DEFAULT_MAX_RESTARTS}. Needs the job status
     * listener line (Flink 2.x; see the README).
     */
    public static final String RESTART_LOOP_MAX_RESTARTS = "high-availability.hakit.restart-loop.max-restarts";

    /** The sliding window restarts are counted in. Default 5 min. */
    public static final String RESTART_LOOP_WINDOW = "high-availability.hakit.restart-loop.window";

    /** How long without a restart clears RESTART_LOOP. Default: the window. */
    public static final String RESTART_LOOP_QUIET_PERIOD = "high-availability.hakit.restart-loop.quiet-period";

    private HakitFlinkOptions() {
    }
}
