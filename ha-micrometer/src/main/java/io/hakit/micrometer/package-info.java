/**
 * HAKit's metrics on Micrometer: {@link io.hakit.micrometer.HaServicesMetrics} (elections, state stores, connection,
 * alarms of {@link io.hakit.api.HaServices}), {@link io.hakit.micrometer.KeepaliveMetrics} (a keepalive node),
 * {@link io.hakit.micrometer.SyncMetrics} (a file synchronizer) and {@link io.hakit.micrometer.AlarmMetrics} (any
 * alarm registry). {@code hakit agent}'s {@code /metrics} is these binders on a Prometheus registry, so an embedding
 * application and the agent expose the same names. Names are dotted with base units (Micrometer's conventions); a
 * Prometheus registry writes {@code hakit.sync.lag} as {@code hakit_sync_lag_seconds} and a counter
 * {@code hakit.sync.rounds} as {@code hakit_sync_rounds_total}. Every meter, with its type, unit, tags and meaning,
 * is in the table of {@code docs/metrics.md}.
 *
 * <p>ha-keepalive and ha-sync are optional dependencies of this module: add them to use the matching binder.
 */
package io.hakit.micrometer;
