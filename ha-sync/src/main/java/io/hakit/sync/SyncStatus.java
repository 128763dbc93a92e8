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

    /** The figures as {@code sync.*} properties (the agent's status file, {@code hakit status}). */
    public java.util.Map<String, String> toProperties() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("sync.role", role);
        m.put("sync.connected", Boolean.toString(connected));
        m.put("sync.last-success", lastSuccess == null ? "never" : lastSuccess.toString());
        m.put("sync.lag-ms", Long.toString(lagMillis));
        m.put("sync.pending-files", Long.toString(pendingFiles));
        m.put("sync.pending-bytes", Long.toString(pendingBytes));
        m.put("sync.rounds", Long.toString(rounds));
        m.put("sync.last-error", lastError.replace('\n', ' '));
        m.put("sync.conflicts", Integer.toString(conflicts.size()));
        if (!conflicts.isEmpty()) {
            m.put("sync.latest-conflict", conflicts.get(conflicts.size() - 1));
        }
        return m;
    }
}
