package io.hakit.sync;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of a synchronizer, for {@code hakit status} and monitoring. Immutable.
 *
 * @param role          "source" (this node is active), "sink" (standby) or "stopped"
 * @param connected     whether the source's connection to the sink is up (source), or a source is connected (sink)
 * @param lastSuccess   when the last round finished without errors (null: never)
 * @param lagMillis     0 when in sync; otherwise how long since the last good round
 * @param pendingFiles  files known changed and not yet on the standby (watched changes plus the round in progress)
 * @param pendingBytes  their bytes, where known
 * @param rounds        rounds finished since start (good or not)
 * @param lastError     why the last round failed, or empty
 * @param conflicts     the latest conflict copies made on the standby (most recent last, at most 20)
 */
public record SyncStatus(String role, boolean connected, Instant lastSuccess, long lagMillis, long pendingFiles,
                         long pendingBytes, long rounds, String lastError, List<String> conflicts) {

    /** One line per figure, as {@code hakit status} prints it. */
    public String describe() {
        return "sync.role=" + role + "\nsync.connected=" + connected + "\nsync.last-success="
                + (lastSuccess == null ? "never" : lastSuccess) + "\nsync.lag-ms=" + lagMillis
                + "\nsync.pending-files=" + pendingFiles + "\nsync.pending-bytes=" + pendingBytes + "\nsync.rounds="
                + rounds + "\nsync.last-error=" + lastError.replace('\n', ' ') + "\nsync.conflicts="
                + conflicts.size() + (conflicts.isEmpty() ? "" : " (latest: " + conflicts.get(conflicts.size() - 1)
                + ")") + "\n";
    }
}
