package io.hakit.benchmarks.sync;

import java.nio.file.Path;

/**
 * A replicator under test in the {@code sync-*} scenarios: HAKit's file synchronizer or a peer (rsync daemon, lsyncd,
 * cp). A scenario opens a session on a pair of directories, asks for one-shot synchronizations or (continuous) lets
 * the subject keep the target following the source, then closes it.
 *
 * <p>Threading: a scenario calls one subject from one thread, one call at a time; it never changes {@code src}
 * while {@link Session#syncOnce()} runs (it does while a continuous session runs: that is what it measures).
 */
public interface SyncSubject {

    /** The key of this subject under {@code "results"}: {@code "hakit"}, {@code "rsync_daemon"}, {@code "cp"}, ... */
    String name();

    /**
     * Starts whatever the subject needs (daemons, nodes, watches) for replicating {@code src} to {@code dst}. Both
     * directories exist; {@code dst} may be empty or hold an earlier copy.
     *
     * @param continuous {@code true}: keep {@code dst} following {@code src} on its own (watch-driven) until closed;
     *     return only once that runs (the initial synchronization done, every later change on its way without a
     *     call); {@code false}: change {@code dst} only in {@link Session#syncOnce()}
     * @throws UnsupportedOperationException if the subject has no such mode (lsyncd is only continuous, cp and the
     *     rsync daemon only one-shot)
     */
    Session open(Path src, Path dst, boolean continuous) throws Exception;

    /**
     * {@code true} for a plain copy tool (cp) that neither deletes nor skips what is up to date: the scenarios use it
     * only to fill an empty target, as the disk-bound floor, and never for a re-sync or a delta.
     */
    default boolean initialCopyOnly() {
        return false;
    }

    /** An open replication of one directory pair. {@link #close()} stops everything it started. */
    interface Session extends AutoCloseable {
        /**
         * One full synchronization src -> dst; returns when dst equals src (content, file list; deletions included).
         * A continuous session returns once its own replication has made dst equal src.
         */
        Transfer syncOnce() throws Exception;
    }

    /**
     * What one {@link Session#syncOnce()} moved, as the subject itself counts it.
     *
     * @param bytesSent bytes the sending side put on the wire (rsync: {@code Total bytes sent}), -1 when unknown
     * @param filesTransferred regular files written to the target (rsync: {@code Number of regular files
     *     transferred}), -1 when unknown
     */
    record Transfer(long bytesSent, long filesTransferred) {
        /** Nothing known. */
        public static final Transfer UNKNOWN = new Transfer(-1, -1);
    }
}
