package io.hakit.sync;

import java.util.List;

/**
 * What one synchronization round did, as {@link FileSync#syncNow} and {@link FileSync#verify} report it.
 *
 * @param round       the round's number on this connection's source
 * @param full        whether the round listed every root (not only the changed paths)
 * @param entries     entries (files, directories, links) the round listed
 * @param files       files the standby wrote in this round
 * @param bytes       bytes of those files
 * @param bytesSent   file data the source sent for them (less than {@code bytes} where the standby reused blocks
 *                    or a file has holes)
 * @param deleted     entries the standby deleted because the source no longer has them
 * @param errors      paths the round failed on, each with the reason (the next round retries them)
 * @param conflicts   conflict copies the standby made of files changed on its side ({@code SYNC_CONFLICT})
 * @param refused     paths the standby refused, each with the reason
 * @param pending     files not on the standby because they changed while being sent (the next round retries)
 * @param differences a verification round's findings: each path that differs, with what differs
 * @param nanos       how long the round took
 */
public record RoundResult(long round, boolean full, int entries, int files, long bytes, long bytesSent,
                          int deleted, List<String> errors, List<String> conflicts, List<String> refused,
                          List<String> pending, List<String> differences, long nanos) {

    /**
     * No error and nothing refused (conflict copies were made safely; pending files may remain).
     *
     * @return whether the round had no error and refused nothing
     */
    public boolean ok() {
        return errors.isEmpty() && refused.isEmpty();
    }

    /**
     * {@link #ok()} and nothing pending: every file the round listed is on the standby as listed.
     *
     * @return whether the round left the standby equal to what it listed
     */
    public boolean clean() {
        return ok() && pending.isEmpty();
    }
}
