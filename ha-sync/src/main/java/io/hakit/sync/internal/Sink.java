package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.SyncMessage;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The standby's side of a connection: one {@link SinkRound} after another, each taking the source's manifest,
 * deciding what it needs, writing what arrives to temp files next to their targets, checking each digest, making
 * the files durable and renaming them into place, deleting what the source no longer has, and reporting. Every file
 * system operation goes through the {@link Applier}, relative to directories opened without following links: a
 * symbolic link swapped into any component of a path, at any moment of a round, is refused, never followed.
 *
 * <p>Every path from the peer goes through {@link PathGuard}; a bad one is refused, reported in the round, and changes
 * nothing. A peer that breaks the protocol (unknown transfer, data past the announced size, ...) gets a
 * {@link ProtocolException}: the caller closes the connection and {@link #abort} removes the round's temp files.
 *
 * <p><b>Threading:</b> not thread-safe; one thread (the connection's event loop) calls every method.
 */
public final class Sink {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Sink.class);

    /** The peer broke the protocol: close the connection. */
    public static final class ProtocolException extends Exception {
        private static final long serialVersionUID = 1L;

        public ProtocolException(String message) {
            super(message);
        }
    }

    /** Bounds the sink enforces on what the source sends. */
    public record Limits(long maxFileSize, int maxEntries, long reserveBytes) {
    }

    private final Map<String, Path> roots;
    private final Scanner scanner;
    private final HashCache cache;
    private final SyncRecord record;
    private final Limits limits;
    private final String nodeId;
    private final Consumer<SyncMessage> out;
    private SinkRound round;
    /** Why the record could not be saved after the last round (reported with the next), or null. */
    private String recordProblem;
    /** Per root, its file system, for the free-space checks of every round (statvfs of the root each time). */
    private final Map<String, java.nio.file.FileStore> stores = new java.util.HashMap<>();

    /**
     * @param roots root name to directory (each must exist)
     * @param out   where the sink's answers go (Want, WantsDone, RoundDone), in order; the record is saved after
     *              each RoundDone was given to it (flush it there)
     */
    public Sink(Map<String, Path> roots, Scanner scanner, HashCache cache, SyncRecord record, Limits limits,
                String nodeId, Consumer<SyncMessage> out) {
        this.roots = Map.copyOf(roots);
        this.scanner = scanner;
        this.cache = cache;
        this.record = record;
        this.limits = limits;
        this.nodeId = nodeId;
        this.out = out;
    }

    /** Handles one control message from the source. */
    public void onMessage(SyncMessage m) throws ProtocolException {
        if (round == null) {
            switch (m.getBodyCase()) {
                case MANIFEST -> { }
                case FILE_START -> throw new ProtocolException("FileStart for transfer " + m.getFileStart().getId()
                        + ", which was not wanted or is done");
                case FILE_END -> throw new ProtocolException("FileEnd for transfer " + m.getFileEnd().getId()
                        + ", which is not in progress");
                case REUSE -> throw new ProtocolException("Reuse for transfer " + m.getReuse().getId()
                        + ", which is not in progress");
                case HOLE -> throw new ProtocolException("Hole for transfer " + m.getHole().getId()
                        + ", which is not in progress");
                default -> throw new ProtocolException("unexpected " + m.getBodyCase() + " from the source");
            }
            List<String> carried = recordProblem == null ? List.of() : List.of(recordProblem);
            recordProblem = null;
            round = new SinkRound(m.getManifest().getRound(), roots, stores, scanner, cache, record, limits, nodeId,
                    done -> {
                        round = null;
                        out.accept(done);
                        saveRecord(done.getRoundDone().getRound());
                    }, out, carried);
        }
        switch (m.getBodyCase()) {
            case MANIFEST -> round.onManifest(m.getManifest());
            case FILE_START -> round.onFileStart(m.getFileStart());
            case REUSE -> round.onReuse(m.getReuse());
            case HOLE -> round.onHole(m.getHole());
            case FILE_END -> round.onFileEnd(m.getFileEnd());
            default -> throw new ProtocolException("unexpected " + m.getBodyCase() + " from the source");
        }
    }

    /**
     * Makes what the round agreed on durable, after its RoundDone (the source need not wait for it). A failure is
     * logged now and reported as an error of the next round: the RoundDone that would have said it is gone.
     */
    private void saveRecord(long finished) {
        try {
            record.save();
        } catch (IOException io) {
            recordProblem = "saving the sync record after round " + finished + ": " + describe(io);
            LOG.warn("{}: {}", nodeId, recordProblem);
        }
        HopTrace.mark("sink.saved");
    }

    /** Handles one data frame (releases its buffer). */
    public void onData(SyncFrames.Data d) throws ProtocolException {
        if (round == null) {
            d.bytes().release();
            throw new ProtocolException("data for transfer " + d.id() + ", which is not in progress");
        }
        round.onData(d);
    }

    /** The connection is gone mid-round: removes the round's temp files; what was renamed stays. */
    public void abort() {
        if (round != null) {
            round.abort();
            round = null;
        }
    }

    // ------------------------------------------------------------------ start-up cleaning

    /** {@link #cleanLeftovers(Map, boolean)} as on a standby. */
    public static List<String> cleanLeftovers(Map<String, Path> roots) throws IOException {
        return cleanLeftovers(roots, true);
    }

    /**
     * Removes what a crash can leave in the roots: this library's temp files (safe on any node: only this library
     * makes them) and, when {@code standby}, zero-size files with no permission bits (the junk an interrupted copy
     * leaves on a standby; on the active such a file is the user's and is synchronized like any other). Never
     * follows a link. Returns what it removed, one line each.
     */
    public static List<String> cleanLeftovers(Map<String, Path> roots, boolean standby) throws IOException {
        return cleanLeftovers(roots, standby, new ArrayList<>());
    }

    /** {@link #cleanLeftovers(Map, boolean)}, adding the conflict copies found ({@code root:path}) to {@code copies}. */
    public static List<String> cleanLeftovers(Map<String, Path> roots, boolean standby, List<String> copies)
            throws IOException {
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, Path> r : roots.entrySet()) {
            Applier.clean(r.getKey(), r.getValue(), true, standby, removed, copies);
        }
        return removed;
    }

    /**
     * Removes zero-size files with no permission bits (the junk an interrupted copy leaves on a standby), but not
     * temp files: safe while rounds run. Returns what it removed.
     */
    public static List<String> cleanJunk(Map<String, Path> roots) throws IOException {
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, Path> r : roots.entrySet()) {
            Applier.clean(r.getKey(), r.getValue(), false, true, removed, new ArrayList<>());
        }
        return removed;
    }

    /**
     * An I/O error in words an operator acts on: permission denied (EACCES, or EPERM as from an immutable file),
     * read-only file system and disk full name the path (for a temp file: its directory).
     */
    public static String describe(IOException io) {
        if (io instanceof AccessDeniedException a) {
            return "permission denied: " + where(a.getFile());
        }
        String msg = io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage();
        if (msg.contains("No space left on device") || msg.contains("Disk quota exceeded")) {
            return "disk full: " + msg;
        }
        if (io instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        if (io instanceof FileSystemException f && f.getFile() != null && f.getReason() != null) {
            if (f.getReason().contains("Operation not permitted")) {
                return "permission denied (operation not permitted; immutable?): " + where(f.getFile());
            }
            if (f.getReason().contains("Read-only file system")) {
                return "read-only file system: " + where(f.getFile());
            }
        }
        return msg;
    }

    /** The path an error names: a temp file's name means nothing to an operator, its directory does. */
    private static String where(String file) {
        int slash = file == null ? -1 : file.lastIndexOf('/');
        return slash > 0 && file.startsWith(Scanner.TEMP_PREFIX, slash + 1) ? file.substring(0, slash + 1) : file;
    }
}
