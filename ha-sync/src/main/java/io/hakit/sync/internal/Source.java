package io.hakit.sync.internal;

import io.hakit.sync.RoundResult;
import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.FileEnd;
import io.hakit.sync.internal.proto.FileStart;
import io.hakit.sync.internal.proto.Hole;
import io.hakit.sync.internal.proto.Manifest;
import io.hakit.sync.internal.proto.Reuse;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The active's side of a round: sends the manifest of every root (all of it, or the paths that changed), then
 * streams each file the sink wants (only the changed blocks when the sink offered the digests of its copy; holes of
 * sparse files as {@link Hole}s, not as zeros), each followed by its digest, and waits for the sink's report.
 *
 * <p>Nothing is skipped silently. A file that changes while it is read is sent as skipped: the sink reports it as
 * pending, the round is not clean, and the next round sends it again. After {@value #DIRECT_ATTEMPTS} such attempts
 * in a row the file is sent from a consistent snapshot: a reflink where the file system has them (atomic), else a
 * local copy whose source did not change while it was copied (a local copy is far faster than the link, so it
 * succeeds where sending directly did not). A file whose copies are all caught by writes (a writer streaming into it)
 * stays pending, and is copied again only once it has not changed for as long as those copies took: it goes once the
 * writer is done. A file that changes even faster than it can be copied for {@value #SETTLE_GIVE_UP_SECONDS} s, or
 * that cannot be read, is sent as failed, naming why: the sink reports an error and SYNC_FAILED names the file.
 *
 * <p><b>Threading:</b> not thread-safe; one thread runs rounds, one at a time.
 */
public final class Source {

    private static final Logger LOG = LoggerFactory.getLogger(Source.class);

    /** The connection to the sink, as the round sees it. */
    public interface Link {
        /** Sends a control message, waiting (bounded) while the connection is congested. */
        void send(SyncMessage m) throws IOException;

        /** Sends file bytes (takes ownership of {@code bytes}), waiting (bounded) while congested. */
        void sendData(int id, long offset, ByteBuf bytes) throws IOException;

        /** Pushes out whatever was sent and is still buffered. */
        void flush();

        /** Whether a message from the sink is waiting. */
        boolean hasInbound();

        /** The next message from the sink, or null when none came within {@code timeout}. */
        SyncMessage receive(Duration timeout) throws IOException, InterruptedException;

        ByteBufAllocator alloc();
    }

    /** Slows data down to a byte rate; {@link #NONE} does not. */
    public interface Throttle {
        Throttle NONE = n -> { };

        void acquire(long bytes) throws InterruptedException;
    }


    static final int ENTRIES_PER_MESSAGE = 1000;
    /** Files up to this size travel inside an incremental round's manifest ({@link #inline}). */
    static final int INLINE_MAX = 64 * 1024;
    /** At most this many bytes of file content inside one round's manifest (the rest is sent on request). */
    static final long INLINE_ROUND_MAX = 1L << 20;
    static final int CHUNK = 256 * 1024;
    /** Attempts to send a changing file directly before it is sent from a snapshot. */
    static final int DIRECT_ATTEMPTS = 2;
    /** Copies tried for a snapshot before a file is reported as changing too fast. */
    static final int COPY_ATTEMPTS = 3;
    /**
     * A file whose snapshot copies were all caught by writes is copied again only once it has not changed for as long
     * as those copies took (at most this long): a writer streaming into a large file is let finish, where each round
     * would copy the whole file again, locally, and fail again.
     */
    static final long SETTLE_MAX_NANOS = TimeUnit.SECONDS.toNanos(2);
    /**
     * Until a file has kept changing this long, failed snapshot copies leave it pending (the round is not clean);
     * after that they fail it (SYNC_FAILED names it) and each round copies it again, as a file that is never quiet.
     */
    static final long SETTLE_GIVE_UP_SECONDS = 30;
    static final long SETTLE_GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(SETTLE_GIVE_UP_SECONDS);

    private final Map<String, Path> roots;
    private final Scanner scanner;
    private final HashCache cache;
    private final SyncRecord record;
    private final Throttle throttle;
    private final Duration answerTimeout;
    private final Consumer<String> refusedLocally;
    /** Files that changed while they were sent (root:path), until one is sent or gone. */
    private final Map<String, Busy> busy = new HashMap<>();
    /** Busy files left for later because they were still being written: root to paths, for the next round. */
    private final Map<String, java.util.Set<String>> settling = new HashMap<>();
    /** When the first of {@link #settling} will have been quiet long enough (wall clock, ns). */
    private long settledAt = Long.MAX_VALUE;
    /** Digests of what this round sent, root NUL path (the cache holds them only where the identity is trusted). */
    private final Map<String, byte[]> sentDigests = new HashMap<>();
    /** Files of this round that did not reach the sink (skipped or failed), root NUL path. */
    private final java.util.Set<String> notSent = new java.util.HashSet<>();
    /** Whether the transfer in progress has sent its FileStart. */
    private boolean started;
    /** The transfer in progress: root NUL path. */
    private String current;

    public Source(Map<String, Path> roots, Scanner scanner, HashCache cache, SyncRecord record, Throttle throttle,
                  Duration answerTimeout, Consumer<String> refusedLocally) {
        this.roots = new LinkedHashMap<>(roots);
        this.scanner = scanner;
        this.cache = cache;
        this.record = record;
        this.throttle = throttle;
        this.answerTimeout = answerTimeout;
        this.refusedLocally = refusedLocally;
    }

    /**
     * The entries of a full round, per root.
     *
     * @param reread digest every file now, whatever is cached (a verification, or sync.verify-content)
     */
    public Map<String, List<FileEntry>> scanAll(boolean reread) throws IOException {
        Map<String, List<FileEntry>> m = new LinkedHashMap<>();
        HashCache c = reread ? new HashCache(0) : cache;
        int linked = 0;
        for (Map.Entry<String, Path> r : roots.entrySet()) {
            List<FileEntry> list = scanner.scan(r.getValue(), r.getKey(), c, reread, refusedLocally);
            linked += scanner.hardLinked();
            m.put(r.getKey(), reread ? list : digestRacy(r.getValue(), r.getKey(), list));
        }
        if (linked != hardLinked) {
            hardLinked = linked;
            if (linked > 0) {
                LOG.info("{} file(s) in the roots have more than one hard link: each is copied as a file of its own on "
                        + "the standby (links are not kept there)", linked);
            }
        }
        return m;
    }

    /** Files with more than one hard link in the last full scan. */
    private int hardLinked;

    /**
     * Files whose ctime is recent now get their digest at the scan up to this size; larger ones (probably still being
     * written) travel as a block delta instead.
     */
    static final long RACY_DIGEST_MAX = 4L << 20;

    /**
     * Gives each file without a trusted digest whose ctime is recent ({@link HashCache#racy}), or was when it was last
     * read, the digest of its content now, so that the sink can tell it unchanged without a transfer (a file sent
     * within the racy window would otherwise be sent again: a large one as a block delta whose every block the
     * standby copies into a new file, fsyncs and renames). A file whose ctime is recent now is digested only up to
     * {@link #RACY_DIGEST_MAX}: a large one is likely still being written and would be read twice. Only files both
     * sides already share (recorded): a new file travels anyway, and reading it twice would only slow a first copy. A
     * file that changes while it is read keeps no digest.
     */
    private List<FileEntry> digestRacy(Path root, String rootName, List<FileEntry> entries) throws IOException {
        long now = HashCache.now();
        for (int i = 0; i < entries.size(); i++) {
            FileEntry e = entries.get(i);
            boolean racyNow = e.isFile() && HashCache.racy(e.ctimeNanos(), now);
            if (!e.isFile() || e.digest() != null
                    || !(racyNow || cache.racyThen(rootName, e))
                    || (racyNow && e.size() > RACY_DIGEST_MAX)
                    || record.get(rootName, e.path()) == null) { // not shared yet: it travels anyway
                continue;
            }
            long t = HashCache.now();
            Digests.Result r;
            FileEntry again;
            try {
                r = Digests.of(Names.resolve(root, e.path()), e.size());
                again = Scanner.stat(root, e.path(), s -> { });
            } catch (IOException unreadable) {
                continue; // gone or replaced meanwhile (that change is pending), or unreadable: the send says why
            }
            if (again != null && again.sameIdentity(e)) {
                cache.put(rootName, e, r, t);
                entries.set(i, e.withDigest(r.digestNoCopy()));
            }
        }
        return entries;
    }

    /** The entries for paths that changed (per root), with new directories' contents; parents first. */
    public Map<String, List<FileEntry>> describe(Map<String, ? extends Collection<String>> changed)
            throws IOException {
        Map<String, List<FileEntry>> m = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Collection<String>> c : changed.entrySet()) {
            Path root = roots.get(c.getKey());
            Map<String, FileEntry> byPath = new java.util.TreeMap<>();
            for (String rel : c.getValue()) {
                if (!keepsWithAncestors(rel)) {
                    continue;
                }
                FileEntry e;
                try {
                    e = Scanner.stat(root, rel, refusedLocally);
                } catch (NoSuchFileException gone) {
                    e = FileEntry.absent(rel);
                }
                if (e == null) {
                    continue;
                }
                if (e.isFile()) {
                    byte[] d = cache.digest(c.getKey(), e);
                    e = d == null ? e : e.withDigest(d);
                }
                byPath.put(rel, e);
                if (e.isDirectory()) {
                    List<FileEntry> below = new ArrayList<>();
                    scanner.scanBelow(root, rel, c.getKey(), cache, refusedLocally, below);
                    below.forEach(b -> byPath.put(b.path(), b));
                }
            }
            // the paths were looked at one by one while the tree changes: an entry below one that is not (or no
            // longer) a directory is from an older state; the change that made it one again is pending
            byPath.values().removeIf(e -> !belowDirectories(byPath, e.path()));
            if (!byPath.isEmpty()) {
                m.put(c.getKey(), digestRacy(root, c.getKey(), new ArrayList<>(byPath.values())));
            }
        }
        return m;
    }

    /** Whether every ancestor of {@code rel} that {@code byPath} lists is a directory. */
    private static boolean belowDirectories(Map<String, FileEntry> byPath, String rel) {
        int i = -1;
        while ((i = rel.indexOf('/', i + 1)) > 0) {
            FileEntry a = byPath.get(rel.substring(0, i));
            if (a != null && !a.isDirectory()) {
                return false;
            }
        }
        return true;
    }

    private boolean keepsWithAncestors(String rel) {
        int i = -1;
        while ((i = rel.indexOf('/', i + 1)) > 0) {
            if (!scanner.keeps(rel.substring(0, i), true)) {
                return false;
            }
        }
        return true;
    }

    /** Runs one round over {@code link}; see {@link #run(Link, long, boolean, Map, Mode)}. */
    public RoundResult run(Link link, long round, boolean full, Map<String, List<FileEntry>> entries)
            throws IOException, InterruptedException {
        return run(link, round, full, entries, Mode.SYNC);
    }

    /** What a round asks of the sink. */
    public enum Mode {
        /** Apply: the sink decides by digest what it needs. */
        SYNC,
        /** Apply, the sink re-reading its copies instead of trusting its cached digests (sync.verify-content). */
        REREAD,
        /** Change nothing: the sink compares digests read now and reports each difference. */
        VERIFY
    }

    /**
     * Runs one round over {@code link}.
     *
     * @param full     entries list whole roots (the sink deletes what is not listed)
     * @param entries  per root, as from {@link #scanAll} or {@link #describe}
     * @throws IOException when the connection fails or the sink does not answer in time; the round did not finish
     */
    public RoundResult run(Link link, long round, boolean full, Map<String, List<FileEntry>> entries, Mode mode)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        sentDigests.clear();
        notSent.clear();
        List<String> rootNames = new ArrayList<>(full ? roots.keySet() : entries.keySet());
        int count = 0;
        long sent = 0;
        long inlineBudget = full || mode == Mode.VERIFY ? 0 : INLINE_ROUND_MAX;
        for (int r = 0; r < rootNames.size(); r++) {
            String root = rootNames.get(r);
            List<FileEntry> list = entries.getOrDefault(root, List.of());
            count += list.size();
            int chunks = Math.max(1, (list.size() + ENTRIES_PER_MESSAGE - 1) / ENTRIES_PER_MESSAGE);
            for (int c = 0; c < chunks; c++) {
                Manifest.Builder m = Manifest.newBuilder().setRound(round).setRoot(root).setFull(full)
                        .setLast(r == rootNames.size() - 1 && c == chunks - 1).setVerify(mode == Mode.VERIFY)
                        .setReread(mode == Mode.REREAD);
                for (FileEntry e : list.subList(c * ENTRIES_PER_MESSAGE,
                        Math.min(list.size(), (c + 1) * ENTRIES_PER_MESSAGE))) {
                    SyncRecord.Agreed base = e.isFile() || e.type() == io.hakit.sync.internal.proto.EntryType
                            .ENTRY_TYPE_ABSENT ? record.get(root, e.path()) : null;
                    Entry.Builder wire = e.toWire().toBuilder();
                    if (base != null && base.digest() != null) {
                        wire.setBaseDigest(ByteString.copyFrom(base.digest()));
                    }
                    if (e.isFile() && e.size() <= Math.min(INLINE_MAX, inlineBudget)) {
                        Inline in = inline(root, e, base);
                        if (in != null) {
                            wire.setDigest(ByteString.copyFrom(in.digest));
                        }
                        if (in != null && in.bytes != null) {
                            wire.setContent(ByteString.copyFrom(in.bytes));
                            inlineBudget -= e.size();
                            sent += e.size();
                        }
                    }
                    m.addEntries(wire.build());
                }
                link.send(SyncMessage.newBuilder().setManifest(m).build());
            }
        }
        link.flush();
        HopTrace.mark("source.manifest");
        while (true) {
            if (!link.hasInbound()) {
                link.flush(); // nothing more to answer right now: let the sink have what we wrote
            }
            SyncMessage m = link.receive(answerTimeout);
            if (m == null) {
                throw new IOException("the standby did not answer within " + answerTimeout.toMillis() + " ms");
            }
            switch (m.getBodyCase()) {
                case WANT -> {
                    HopTrace.mark("source.want");
                    if (mode == Mode.VERIFY) {
                        throw new IOException("the standby wants a file during a verification round");
                    }
                    sent += sendFile(link, m.getWant());
                }
                case WANTS_DONE -> {
                    // the RoundDone that follows the last file ends the round
                }
                case ROUND_DONE -> {
                    RoundDone d = m.getRoundDone();
                    if (d.getRound() != round) {
                        throw new IOException("the standby reported round " + d.getRound() + " during " + round);
                    }
                    if (d.getErrorsCount() == 0 && mode != Mode.VERIFY) {
                        remember(entries);
                    }
                    return new RoundResult(round, full, count, d.getFiles(), d.getBytes(), sent, d.getDeleted(),
                            List.copyOf(d.getErrorsList()), List.copyOf(d.getConflictsList()),
                            List.copyOf(d.getRefusedList()), List.copyOf(d.getPendingList()),
                            List.copyOf(d.getDifferencesList()), System.nanoTime() - t0);
                }
                case REFUSE -> throw new IOException("the standby refused: " + m.getRefuse().getReason());
                default -> throw new IOException("unexpected " + m.getBodyCase() + " from the standby");
            }
        }
    }

    /** A small file's whole content as read for an incremental manifest (null: the agreed one), and its digest. */
    private record Inline(byte[] bytes, byte[] digest) {
    }

    /**
     * Reads a small file of an incremental round whole, to send it in the manifest instead of waiting for the
     * sink's Want (one round trip less for the typical change): not when it is empty and changed within the racy
     * window ({@link HashCache#racy}), and only when the file stayed {@code e} while it was
     * read (same size, mtime, inode and ctime before and after; else null: it travels as before, on request). When
     * its content is what both sides last agreed on ({@code base}: a chmod or a touch) only its digest goes, which
     * lets the sink keep its copy. What was read is remembered (the cache for its identity; as sent when it goes),
     * as for a file streamed on request.
     */
    private Inline inline(String rootName, FileEntry e, SyncRecord.Agreed base) {
        if (base != null && e.digest() != null && Arrays.equals(base.digest(), e.digest())) {
            // a trusted digest of its content now (the cache's, or the racy scan's) that both sides hold: it goes
            // with the entry already, and reading the file again would only find the same
            return null;
        }
        if (e.size() == 0 && HashCache.racy(e.ctimeNanos(), HashCache.now())) {
            // just created or truncated: most likely by a writer that has not written yet (the watch reports the
            // open, not the write). Sent on request instead, a round trip later, when its bytes are more likely
            // there; else this round would send it empty and the next one, a debounce later, its content
            return null;
        }
        Path root = roots.get(rootName);
        long t = HashCache.now();
        byte[] bytes = new byte[(int) e.size()];
        try (FileChannel ch = FileChannel.open(Names.resolve(root, e.path()), StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    return null; // shrank meanwhile
                }
            }
            if (ch.read(java.nio.ByteBuffer.allocate(1)) > 0) {
                return null; // grew meanwhile
            }
            FileEntry again = Scanner.stat(root, e.path(), s -> { });
            if (again == null || !again.isFile() || !again.sameIdentity(e)) {
                return null;
            }
        } catch (IOException changedOrUnreadable) {
            return null; // sent on request, which says why
        }
        Digests.Result r = Digests.of(java.nio.ByteBuffer.wrap(bytes));
        cache.put(rootName, e, r, t);
        if (base != null && Arrays.equals(base.digest(), r.digestNoCopy())) {
            return new Inline(null, r.digestNoCopy()); // the sink has it (or asks for it)
        }
        sentDigests.put(rootName + '\0' + e.path(), r.digestNoCopy());
        return new Inline(bytes, r.digestNoCopy());
    }

    /**
     * After a round without errors both sides hold these files (but the pending ones): what a later conflict check
     * compares against. A file's identity is recorded only with a digest that is known to be its content now.
     */
    private void remember(Map<String, List<FileEntry>> entries) {
        entries.forEach((root, list) -> list.forEach(e -> {
            if (e.isFile()) {
                if (notSent.contains(root + '\0' + e.path())) {
                    return;
                }
                byte[] d = cache.digest(root, e);
                byte[] s = sentDigests.get(root + '\0' + e.path());
                if (d != null && (s == null || Arrays.equals(d, s))) {
                    record.put(root, e.path(), e, d);
                } else if (s != null || e.digest() != null) {
                    // sent from a snapshot, or within the racy window: the content is known, not the file's identity
                    record.put(root, e.path(), new FileEntry(e.path(), e.type(), e.size(), e.mtimeNanos(), e.mode(),
                            null, "", e.uid(), e.gid(), 0, 0), s != null ? s : e.digest());
                } else {
                    record.remove(root, e.path()); // what both hold is not known here: a later check reads the file
                }
            } else if (e.type() == io.hakit.sync.internal.proto.EntryType.ENTRY_TYPE_ABSENT) {
                record.remove(root, e.path());
            }
        }));
    }

    /** Streams one wanted file; returns the data bytes sent. */
    private long sendFile(Link link, Want w) throws IOException, InterruptedException {
        Path root = roots.get(w.getRoot());
        if (root == null) {
            throw new IOException("the standby wants a file of unknown root '" + w.getRoot() + "'");
        }
        String rel;
        try {
            rel = PathGuard.check(Names.decode(w.getPath().toByteArray()));
        } catch (PathGuard.BadPathException e) {
            throw new IOException("the standby wants a bad path: " + e.getMessage());
        }
        int id = w.getId();
        started = false;
        current = w.getRoot() + '\0' + rel;
        String key = w.getRoot() + ":" + rel;
        FileEntry before;
        try {
            before = Scanner.stat(root, rel, s -> { });
        } catch (NoSuchFileException gone) {
            before = null;
        }
        if (before == null || !before.isFile()) {
            busy.remove(key);
            skip(link, id, "no longer a regular file");
            return 0;
        }
        Path file = Names.resolve(root, rel);
        Busy changed = busy.get(key);
        int attempts = changed == null ? 0 : changed.attempts;
        if (attempts >= DIRECT_ATTEMPTS && stillBeingWritten(w.getRoot(), rel, changed, before)) {
            end(link, id, "still being written (sent once it is quiet)");
            return 0;
        }
        if (attempts >= DIRECT_ATTEMPTS) {
            return sendSnapshot(link, w, root, rel, file, before, key);
        }
        long readStart = HashCache.now();
        Sent s;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            s = stream(link, w, ch, before, file);
        } catch (NoSuchFileException gone) {
            busy.remove(key);
            end(link, id, "vanished while being sent");
            return 0;
        } catch (AccessDeniedException denied) {
            failed(link, id, "cannot read it on the source: permission denied");
            return 0;
        } catch (SourceReadException e) {
            if (stillTheFile(root, rel, before)) {
                failed(link, id, "cannot read it on the source: " + Sink.describe(e.io));
                return e.sent;
            }
            // replaced meanwhile, e.g. by a directory (which opens, then fails to read with EISDIR)
            end(link, id, "replaced while being sent");
            return e.sent;
        } catch (IOException e) {
            if (!stillTheFile(root, rel, before)) {
                end(link, id, "replaced while being sent");
                return 0;
            }
            throw e; // the connection failed
        }
        if (s.result == null) {
            changing(key);
            end(link, id, s.why);
            return s.bytes;
        }
        FileEntry after;
        try {
            after = Scanner.stat(root, rel, x -> { });
        } catch (NoSuchFileException gone) {
            after = null;
        }
        if (after == null || !after.sameIdentity(before)) {
            changing(key);
            end(link, id, "changed while being sent");
            return s.bytes;
        }
        busy.remove(key);
        cache.put(w.getRoot(), before, s.result, readStart);
        sentDigests.put(w.getRoot() + '\0' + rel, s.result.digestNoCopy());
        link.send(SyncMessage.newBuilder().setFileEnd(s.end).build());
        HopTrace.mark("source.fileend");
        return s.bytes;
    }

    /**
     * A file whose last snapshot copies were all caught by writes, and whose last change is more recent than those
     * copies took (at most {@link #SETTLE_MAX_NANOS}): left for a round once it has been quiet that long, unless it
     * has been changing for {@link #SETTLE_GIVE_UP_NANOS} already.
     */
    private boolean stillBeingWritten(String rootName, String rel, Busy b, FileEntry now) {
        if (b.copyNanos == 0) {
            return false;
        }
        long t = HashCache.now();
        if (t - b.since >= SETTLE_GIVE_UP_NANOS) {
            return false;
        }
        long quietAt = now.ctimeNanos() + b.quietNanos();
        if (t >= quietAt) {
            return false;
        }
        settleLater(rootName, rel, quietAt);
        return true;
    }

    /** A round of {@code rel} is due at {@code at} (wall clock, ns). */
    private void settleLater(String rootName, String rel, long at) {
        settledAt = Math.min(settledAt, at);
        settling.computeIfAbsent(rootName, r -> new java.util.TreeSet<>()).add(rel);
    }

    /** A file that changed while it was sent. */
    private static final class Busy {
        /** When it was first found changing (wall clock, ns). */
        final long since;
        /** Direct attempts in a row that it changed under. */
        int attempts;
        /** How long its last snapshot copies took when all were caught by writes, or 0. */
        long copyNanos;

        Busy(long since) {
            this.since = since;
        }

        /** How long it must have been quiet before it is copied again. */
        long quietNanos() {
            return Math.min(SETTLE_MAX_NANOS, copyNanos);
        }
    }

    /** The file changed while it was sent directly. */
    private void changing(String key) {
        busy.computeIfAbsent(key, k -> new Busy(HashCache.now())).attempts++;
    }

    /**
     * Every snapshot copy of the file was caught by a write, the last one begun at {@code copyStart} (wall clock,
     * ns): whether to leave it pending (it has been changing for less than {@link #SETTLE_GIVE_UP_NANOS}).
     */
    private boolean copiesFailed(String key, long copyStart) {
        long t = HashCache.now();
        Busy b = busy.computeIfAbsent(key, k -> new Busy(t));
        b.copyNanos = Math.max(1, t - copyStart);
        return t - b.since < SETTLE_GIVE_UP_NANOS;
    }

    /**
     * Files a round left for later because they were still being written (root to paths), and clears them: the
     * caller runs a round of these paths at {@link #settledAt()}.
     */
    public Map<String, java.util.Set<String>> takeSettling() {
        Map<String, java.util.Set<String>> m = new HashMap<>(settling);
        settling.clear();
        settledAt = Long.MAX_VALUE;
        return m;
    }

    /** Whether {@code rel} of {@code rootName} waits to be quiet (a round of it is due at {@link #settledAt()}). */
    public boolean isSettling(String rootName, String rel) {
        java.util.Set<String> paths = settling.get(rootName);
        return paths != null && paths.contains(rel);
    }

    /** When the files {@link #takeSettling} would give will have been quiet long enough (wall clock ns), or MAX. */
    public long settledAt() {
        return settledAt;
    }

    /** A read of the source file failed (not the connection). */
    private static final class SourceReadException extends IOException {
        private static final long serialVersionUID = 1L;
        final IOException io;
        final long sent;

        SourceReadException(IOException io, long sent) {
            super(io.getMessage(), io);
            this.io = io;
            this.sent = sent;
        }
    }

    /** What streaming a file gave: its digest and FileEnd, or (result null) why it was not sent whole. */
    private record Sent(Digests.Result result, FileEnd end, long bytes, String why) {
    }

    /**
     * Sends a consistent snapshot of a file that kept changing while it was sent: a reflink, or a local copy made
     * while the file stayed the same, next to it (the same file system), removed afterwards.
     */
    private long sendSnapshot(Link link, Want w, Path root, String rel, Path file, FileEntry before, String key)
            throws IOException, InterruptedException {
        int id = w.getId();
        Path snap = file.resolveSibling(Scanner.TEMP_PREFIX + "snap-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            FileEntry taken = null;
            String why = "it keeps changing";
            long copyStart = HashCache.now();
            for (int i = 0; i < COPY_ATTEMPTS && taken == null; i++) {
                copyStart = HashCache.now();
                Files.deleteIfExists(snap);
                FileEntry pre = Scanner.stat(root, rel, x -> { });
                if (pre == null || !pre.isFile()) {
                    busy.remove(key);
                    end(link, id, "no longer a regular file");
                    return 0;
                }
                boolean reflinked = reflink(file, snap);
                if (!reflinked) {
                    copy(file, snap, pre.size());
                }
                FileEntry post = Scanner.stat(root, rel, x -> { });
                if (reflinked || (post != null && post.sameIdentity(pre))) {
                    taken = pre;
                } else {
                    why = "it changed while it was copied, " + (i + 1) + " times";
                }
            }
            if (taken == null && copiesFailed(key, copyStart)) {
                settleLater(w.getRoot(), rel, HashCache.now() + busy.get(key).quietNanos());
                end(link, id, "still being written: " + why + " (copied again once it has been quiet as long)");
                return 0;
            }
            if (taken == null) {
                failed(link, id, "not sent: " + why + " (changes faster than it can be copied; " + COPY_ATTEMPTS
                        + " snapshot attempts after " + DIRECT_ATTEMPTS + " direct ones)");
                return 0;
            }
            FileEntry shot = new FileEntry(rel, taken.type(), Files.size(snap), taken.mtimeNanos(), taken.mode(), null,
                    "", taken.uid(), taken.gid(), 0, 0);
            Sent s;
            try (FileChannel ch = FileChannel.open(snap, StandardOpenOption.READ)) {
                s = stream(link, w, ch, shot, snap);
            } catch (SourceReadException e) {
                failed(link, id, "cannot read its snapshot on the source: " + Sink.describe(e.io));
                return e.sent;
            }
            if (s.result == null) {
                failed(link, id, "its snapshot could not be sent: " + s.why);
                return s.bytes;
            }
            busy.remove(key);
            sentDigests.put(w.getRoot() + '\0' + rel, s.result.digestNoCopy());
            LOG.info("{}:{} kept changing while it was sent; sent a consistent snapshot of it", w.getRoot(),
                    PathGuard.display(rel));
            link.send(SyncMessage.newBuilder().setFileEnd(s.end).build());
            return s.bytes;
        } catch (NoSuchFileException gone) {
            busy.remove(key);
            end(link, id, "vanished while being sent");
            return 0;
        } finally {
            Files.deleteIfExists(snap);
        }
    }

    /** Clones {@code from} into a new {@code to} where the file system can (one atomic ioctl). */
    private static boolean reflink(Path from, Path to) {
        try {
            Posix.check();
        } catch (IOException none) {
            return false;
        }
        int src = Posix.openat(Posix.AT_FDCWD, Posix.c(Names.encode(from.toString())),
                Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
        if (src < 0) {
            return false;
        }
        try {
            int dst = Posix.openat(Posix.AT_FDCWD, Posix.c(Names.encode(to.toString())),
                    Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0600);
            if (dst < 0) {
                return false;
            }
            try {
                return Posix.ioctl(dst, Posix.FICLONE, src) == 0;
            } finally {
                Posix.close(dst);
            }
        } finally {
            Posix.close(src);
        }
    }

    private static void copy(Path from, Path to, long size) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = 0;
            while (pos < size) {
                long n = in.transferTo(pos, size - pos, out);
                if (n <= 0) {
                    break;
                }
                pos += n;
            }
        }
    }

    /**
     * Streams {@code ch} (of {@code e.size()} bytes) for transfer {@code w}: FileStart, then data, Reuse of blocks the
     * sink has, Hole for the file's holes; returns the FileEnd to send once the caller confirmed the file did not
     * change, or (result null) why it stopped.
     *
     * @throws SourceReadException when reading the file fails
     */
    private Sent stream(Link link, Want w, FileChannel ch, FileEntry e, Path file)
            throws IOException, InterruptedException {
        int id = w.getId();
        long size = e.size();
        List<long[]> data = Sparse.dataRanges(file, size);
        long allocated = 0;
        for (long[] r : data) {
            allocated += r[1] - r[0];
        }
        started = true;
        link.send(SyncMessage.newBuilder().setFileStart(FileStart.newBuilder().setId(id).setSize(size)
                .setMtimeNanos(e.mtimeNanos()).setMode(e.mode()).setUid(e.uid()).setGid(e.gid())
                .setAllocated(allocated)).build());
        Digests.Builder digest = new Digests.Builder(size);
        int bs = digest.blockSize();
        List<ByteString> theirs = w.getBlockDigestsList();
        boolean delta = !theirs.isEmpty();
        MessageDigest block = delta ? Digests.sha256() : null;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        long sent = 0;
        long pos = 0;
        int reuseFirst = -1;
        int reuseCount = 0;
        long holeStart = -1;
        Sparse.Cursor holes = new Sparse.Cursor(data);
        while (pos < size) {
            int index = (int) (pos / bs);
            int len = (int) Math.min(delta ? bs : CHUNK, size - pos);
            if (holes.isHole(pos, pos + len)) {
                if (reuseCount > 0) {
                    flushReuse(link, id, reuseFirst, reuseCount);
                    reuseFirst = -1;
                    reuseCount = 0;
                }
                if (holeStart < 0) {
                    holeStart = pos;
                }
                digest.zeros(len);
                pos += len;
                continue;
            }
            if (holeStart >= 0) {
                hole(link, id, holeStart, pos);
                holeStart = -1;
            }
            ByteBuf buf = link.alloc().directBuffer(len);
            try {
                try {
                    while (buf.readableBytes() < len) {
                        int n = buf.writeBytes(ch, pos + buf.readableBytes(), len - buf.readableBytes());
                        if (n < 0) {
                            break;
                        }
                    }
                } catch (IOException io) {
                    throw new SourceReadException(io, sent);
                }
                if (buf.readableBytes() < len) {
                    return new Sent(null, null, sent, "shrank while being sent");
                }
                if (delta) {
                    block.update(buf.nioBuffer());
                    byte[] d = block.digest();
                    digest.reuse(d); // our own digest of what we read: vouched for
                    if (index < theirs.size() && Arrays.equals(d, theirs.get(index).toByteArray())) {
                        if (reuseFirst < 0) {
                            reuseFirst = index;
                        }
                        reuseCount++;
                        pos += len;
                        continue; // buf released in finally
                    }
                    flushReuse(link, id, reuseFirst, reuseCount);
                    reuseFirst = -1;
                    reuseCount = 0;
                } else {
                    digest.update(buf.nioBuffer());
                    crc.update(buf.nioBuffer());
                }
                for (int off = 0; off < len; off += CHUNK) {
                    int n = Math.min(CHUNK, len - off);
                    throttle.acquire(n);
                    link.sendData(id, pos + off, buf.retainedSlice(off, n));
                }
                sent += len;
                pos += len;
            } finally {
                buf.release();
            }
        }
        if (holeStart >= 0) {
            hole(link, id, holeStart, size);
        }
        flushReuse(link, id, reuseFirst, reuseCount);
        Digests.Result r = digest.finish();
        FileEnd.Builder end = FileEnd.newBuilder().setId(id).setDigest(ByteString.copyFrom(r.digestNoCopy()));
        if (!delta) {
            end.setCrc32C((int) crc.getValue());
            r.blocks().forEach(b -> end.addBlockDigests(ByteString.copyFrom(b)));
        }
        return new Sent(r, end.build(), sent, null);
    }

    private static void hole(Link link, int id, long from, long to) throws IOException {
        link.send(SyncMessage.newBuilder().setHole(Hole.newBuilder().setId(id).setOffset(from).setLength(to - from))
                .build());
    }

    private static boolean stillTheFile(Path root, String rel, FileEntry before) {
        try {
            FileEntry now = Scanner.stat(root, rel, s -> { });
            return now != null && now.isFile() && now.inode() == before.inode();
        } catch (IOException e) {
            return false;
        }
    }

    private static void flushReuse(Link link, int id, int first, int count) throws IOException {
        if (count > 0) {
            link.send(SyncMessage.newBuilder().setReuse(Reuse.newBuilder().setId(id).setFirst(first)
                    .setCount(count)).build());
        }
    }

    /** Ends a transfer as skipped: the sink writes nothing, reports it pending; the next round retries. */
    private void end(Link link, int id, String why) throws IOException {
        startIfNot(link, id);
        notSent.add(current);
        link.send(SyncMessage.newBuilder().setFileEnd(FileEnd.newBuilder().setId(id).setSkipped(true)
                .setReason(why)).build());
    }

    /** Ends a transfer as failed on this side: the sink writes nothing and reports an error naming the file. */
    private void failed(Link link, int id, String why) throws IOException {
        LOG.warn("{}: {}", PathGuard.display(current.replace('\0', ':')), why);
        startIfNot(link, id);
        notSent.add(current);
        link.send(SyncMessage.newBuilder().setFileEnd(FileEnd.newBuilder().setId(id).setSkipped(true)
                .setFailed(true).setReason(why)).build());
    }

    private void skip(Link link, int id, String why) throws IOException {
        end(link, id, why);
    }

    private void startIfNot(Link link, int id) throws IOException {
        if (!started) {
            started = true;
            link.send(SyncMessage.newBuilder().setFileStart(FileStart.newBuilder().setId(id)).build());
        }
    }
}
