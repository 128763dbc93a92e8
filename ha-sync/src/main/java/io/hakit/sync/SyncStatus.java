package io.hakit.sync;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of a synchronizer, for {@code hakit status} and monitoring. Immutable.
 *
 * @param role            "source" (this node is active), "sink" (standby) or "stopped"
 * @param connected       whether the source's connection to the sink is up (source), or a source is connected (sink)
 * @param lastSuccess     when the last round finished cleanly (null: never)
 * @param lagMillis       0 when in sync; otherwise how long since the last clean round (source)
 * @param pendingFiles    files known changed and not yet confirmed on the standby (the round in progress, or files
 *                        that changed while being sent)
 * @param pendingBytes    their bytes, where known
 * @param rounds          rounds finished since start (good or not)
 * @param lastError       why the last round failed or was not clean, or empty
 * @param latestConflicts the latest conflict copies reported by rounds (most recent last, at most 20)
 * @param conflicts       conflict copies on this node that the operator has not resolved ({@code root:path})
 * @param inSync          true only after a full round found both sides equal and every round since was clean: a
 *                        round that could have seen every difference vouches for it
 * @param verifiedAt      when a full round last found both sides equal (null: not since start)
 * @param unwatchedDirectories directories the watch could not cover (the inotify limit): their changes travel with
 *                        the full rounds only
 * @param skippedOnSource paths the source does not synchronize, each with why (special files, links that leave the
 *                        root, paths longer than the system allows)
 * @param failedRounds    rounds since start that failed or were refused or reported errors (part of {@code rounds})
 * @param conflictCopies  conflict copies reported by rounds since start (made on the standby; both sides count them)
 * @param bytesSent       bytes this node wrote to its synchronizer connections since start (frames and TLS; mostly
 *                        file data on the source)
 * @param bytesReceived   bytes this node read from its synchronizer connections since start (mostly file data on the
 *                        sink)
 * @param lastSuccessAgeMillis how long ago (ms, on the synchronizer's ticker) a round last finished cleanly; -1: never
 */
public record SyncStatus(String role, boolean connected, Instant lastSuccess, long lagMillis, long pendingFiles,
                         long pendingBytes, long rounds, String lastError, List<String> latestConflicts,
                         List<String> conflicts, boolean inSync, Instant verifiedAt, int unwatchedDirectories,
                         List<String> skippedOnSource, long failedRounds, long conflictCopies, long bytesSent,
                         long bytesReceived, long lastSuccessAgeMillis) {

    /**
     * One line for an operator: in sync (and since when it was verified), or what is not verified and why.
     *
     * @return "stopped", "in sync (verified by a full round at ...)", or a line starting with "NOT" that says what
     *     is missing (the connection, a first full round) or the last error
     */
    public String state() {
        if (role.equals("stopped")) {
            return "stopped";
        }
        if (inSync) {
            return "in sync (verified by a full round at " + verifiedAt + ")";
        }
        if (!connected) {
            return "NOT verified: no connection " + (role.equals("source") ? "to the standby" : "from the active")
                    + (verifiedAt == null ? "" : "; last verified at " + verifiedAt);
        }
        if (verifiedAt == null) {
            return "NOT verified yet: no full round has found both sides equal since start"
                    + (lastError.isEmpty() ? "" : " (" + lastError + ")");
        }
        return "NOT in sync since the full round at " + verifiedAt + (lastError.isEmpty() ? "" : ": " + lastError);
    }

    /**
     * The figures as {@code sync.*} properties (the agent's status file, {@code hakit status}).
     *
     * @return a new, modifiable map in a fixed order: {@code sync.role}, {@code sync.connected},
     *     {@code sync.in-sync}, {@code sync.state}, the times (ISO-8601, or "never") and counters, then the count
     *     and the first 20 of the unresolved conflict copies ({@code sync.conflict.<i>}) and of the paths not
     *     synchronized ({@code sync.not-synchronized.<i>}), and the latest conflict copy if a round reported one
     */
    public java.util.Map<String, String> toProperties() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("sync.role", role);
        m.put("sync.connected", Boolean.toString(connected));
        m.put("sync.in-sync", Boolean.toString(inSync));
        m.put("sync.state", state());
        m.put("sync.verified-at", verifiedAt == null ? "never" : verifiedAt.toString());
        m.put("sync.last-success", lastSuccess == null ? "never" : lastSuccess.toString());
        m.put("sync.lag-ms", Long.toString(lagMillis));
        m.put("sync.pending-files", Long.toString(pendingFiles));
        m.put("sync.pending-bytes", Long.toString(pendingBytes));
        m.put("sync.rounds", Long.toString(rounds));
        m.put("sync.failed-rounds", Long.toString(failedRounds));
        m.put("sync.bytes-sent", Long.toString(bytesSent));
        m.put("sync.bytes-received", Long.toString(bytesReceived));
        m.put("sync.last-error", lastError.replace('\n', ' '));
        m.put("sync.conflicts", Integer.toString(conflicts.size()));
        for (int i = 0; i < Math.min(conflicts.size(), 20); i++) {
            m.put("sync.conflict." + i, conflicts.get(i));
        }
        m.put("sync.unwatched-directories", Integer.toString(unwatchedDirectories));
        m.put("sync.not-synchronized", Integer.toString(skippedOnSource.size()));
        for (int i = 0; i < Math.min(skippedOnSource.size(), 20); i++) {
            m.put("sync.not-synchronized." + i, skippedOnSource.get(i));
        }
        if (!latestConflicts.isEmpty()) {
            m.put("sync.latest-conflict", latestConflicts.get(latestConflicts.size() - 1));
        }
        return m;
    }
}
