package io.hakit.micrometer;

import io.hakit.sync.FileSync;
import io.hakit.sync.SyncStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * A file synchronizer's meters, from {@link FileSync#status()}: its role (source, sink, stopped), connection, whether
 * it is verified in sync, the lag, pending files and bytes, rounds and failed rounds, conflict copies made and still
 * to resolve, bytes sent and received, the age of the last clean round and the directories the watch could not
 * cover. The names, types, units and tags are in {@code docs/metrics.md}. Each meter reads the status when the
 * registry is read. The synchronizer's alarms (SYNC_FAILED, SYNC_CONFLICT) are in the registry it raises into: the
 * keepalive node's when it follows one ({@link KeepaliveMetrics} binds those).
 */
public final class SyncMetrics implements MeterBinder {

    private static final List<String> ROLES = List.of("source", "sink", "stopped");

    private final FileSync sync;
    private final Tags tags;

    /**
     * The meters of {@code sync}, with no tags of their own.
     *
     * @param sync the file synchronizer
     */
    public SyncMetrics(FileSync sync) {
        this(sync, Tags.empty());
    }

    /**
     * The meters of {@code sync}, with {@code tags} added to every meter.
     *
     * @param sync the file synchronizer
     * @param tags added to every meter
     */
    public SyncMetrics(FileSync sync, Iterable<Tag> tags) {
        this.sync = Objects.requireNonNull(sync, "sync");
        this.tags = Tags.of(tags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String role : ROLES) {
            gauge(registry, "hakit.sync.role", s -> s.role().equals(role) ? 1 : 0, null,
                    "1 for the synchronizer's role (source on the active, sink on the standby), 0 for the others",
                    Tags.of("role", role));
        }
        gauge(registry, "hakit.sync.connected", s -> s.connected() ? 1 : 0, null,
                "1 while the connection between the synchronizers is up", Tags.empty());
        gauge(registry, "hakit.sync.in.sync", s -> s.inSync() ? 1 : 0, null,
                "1 once a full round found both sides equal and every round since was clean", Tags.empty());
        TimeGauge.builder("hakit.sync.lag", sync, TimeUnit.MILLISECONDS, status(SyncStatus::lagMillis)).tags(tags)
                .description("on the source: time since its last clean round while not in sync; 0 in sync")
                .register(registry);
        gauge(registry, "hakit.sync.pending.files", SyncStatus::pendingFiles, "files",
                "files known changed and not yet confirmed on the standby", Tags.empty());
        gauge(registry, "hakit.sync.pending.bytes", SyncStatus::pendingBytes, "bytes",
                "bytes of those files, where known", Tags.empty());
        counter(registry, "hakit.sync.rounds", SyncStatus::rounds, null,
                "rounds finished (good or not) since the start", Tags.empty());
        counter(registry, "hakit.sync.rounds.failed", SyncStatus::failedRounds, null,
                "rounds that failed, were refused or reported errors (SYNC_FAILED)", Tags.empty());
        counter(registry, "hakit.sync.conflicts", SyncStatus::conflictCopies, null,
                "conflict copies the rounds made on the standby (a file changed on both nodes)", Tags.empty());
        gauge(registry, "hakit.sync.conflicts.unresolved", s -> s.conflicts().size(), null,
                "conflict copies on this node the operator has not resolved (SYNC_CONFLICT)", Tags.empty());
        counter(registry, "hakit.sync.bytes", SyncStatus::bytesSent, "bytes",
                "bytes the synchronizer's connections carried (TLS included)", Tags.of("direction", "sent"));
        counter(registry, "hakit.sync.bytes", SyncStatus::bytesReceived, "bytes",
                "bytes the synchronizer's connections carried (TLS included)", Tags.of("direction", "received"));
        TimeGauge.builder("hakit.sync.last.success.age", sync, TimeUnit.MILLISECONDS,
                        status(s -> s.lastSuccessAgeMillis() < 0 ? Double.NaN : s.lastSuccessAgeMillis())).tags(tags)
                .description("time since a round last finished cleanly (NaN before the first)").register(registry);
        gauge(registry, "hakit.sync.unwatched.directories", SyncStatus::unwatchedDirectories, "directories",
                "directories the watch could not cover (the inotify limit): full rounds only", Tags.empty());
    }

    private void gauge(MeterRegistry registry, String name, ToDoubleFunction<SyncStatus> figure, String unit,
            String description, Tags extra) {
        Gauge.builder(name, sync, status(figure)).tags(tags).tags(extra).baseUnit(unit).description(description)
                .register(registry);
    }

    private void counter(MeterRegistry registry, String name, ToDoubleFunction<SyncStatus> figure, String unit,
            String description, Tags extra) {
        FunctionCounter.builder(name, sync, status(figure)).tags(tags).tags(extra).baseUnit(unit)
                .description(description).register(registry);
    }

    private static ToDoubleFunction<FileSync> status(ToDoubleFunction<SyncStatus> figure) {
        return s -> figure.applyAsDouble(s.status());
    }
}
