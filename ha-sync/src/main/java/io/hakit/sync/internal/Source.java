package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.FileEnd;
import io.hakit.sync.internal.proto.FileStart;
import io.hakit.sync.internal.proto.Manifest;
import io.hakit.sync.internal.proto.Reuse;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The active's side of a round: sends the manifest of every root (all of it, or the paths that changed), then
 * streams each file the sink wants (only the changed blocks when the sink offered the digests of its copy), each
 * followed by its digest, and waits for the sink's report. A file that changes while it is read is sent as skipped
 * and goes again in the next round.
 *
 * <p><b>Threading:</b> not thread-safe; one thread runs rounds, one at a time.
 */
public final class Source {

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

    /** What one round did. */
    public record RoundResult(long round, boolean full, int entries, int files, long bytes, long bytesSent,
                              int deleted, List<String> errors, List<String> conflicts, List<String> refused,
                              long nanos) {
        public boolean ok() {
            return errors.isEmpty() && refused.isEmpty();
        }
    }

    static final int ENTRIES_PER_MESSAGE = 1000;
    static final int CHUNK = 256 * 1024;

    private final Map<String, Path> roots;
    private final Scanner scanner;
    private final HashCache cache;
    private final SyncRecord record;
    private final Throttle throttle;
    private final Duration answerTimeout;
    private final Consumer<String> refusedLocally;

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

    /** The entries of a full round, per root. */
    public Map<String, List<FileEntry>> scanAll(boolean digestAll) throws IOException {
        Map<String, List<FileEntry>> m = new LinkedHashMap<>();
        for (Map.Entry<String, Path> r : roots.entrySet()) {
            m.put(r.getKey(), digestRacy(r.getValue(), r.getKey(),
                    scanner.scan(r.getValue(), r.getKey(), cache, digestAll, refusedLocally)));
        }
        return m;
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

    /**
     * Gives each file without a digest whose mtime is recent ({@link HashCache#racy}) the digest of its content now.
     * Without it the sink would compare such a file by size and mtime only, and a rewrite within the file system's
     * timestamp tick (same size, same mtime) would never travel. A file that changes while it is read keeps no digest
     * (its change is pending for the next round).
     */
    private List<FileEntry> digestRacy(Path root, String rootName, List<FileEntry> entries) throws IOException {
        long now = HashCache.now();
        for (int i = 0; i < entries.size(); i++) {
            FileEntry e = entries.get(i);
            if (!e.isFile() || e.digest() != null || !HashCache.racy(e.mtimeNanos(), now)) {
                continue;
            }
            long t = HashCache.now();
            Digests.Result r;
            FileEntry again;
            try {
                r = Digests.of(root.resolve(e.path()), e.size());
                again = Scanner.stat(root, e.path(), s -> { });
            } catch (IOException unreadable) {
                continue; // gone or replaced meanwhile (that change is pending), or unreadable: no digest, as before
            }
            if (again != null && again.size() == e.size() && again.mtimeNanos() == e.mtimeNanos()
                    && again.inode() == e.inode()) {
                cache.put(rootName, e, r, t);
                entries.set(i, e.withDigest(r.digestNoCopy()));
            }
        }
        return entries;
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

    /**
     * Runs one round over {@code link}.
     *
     * @param full     entries list whole roots (the sink deletes what is not listed)
     * @param entries  per root, as from {@link #scanAll} or {@link #describe}
     * @throws IOException when the connection fails or the sink does not answer in time; the round did not finish
     */
    public RoundResult run(Link link, long round, boolean full, Map<String, List<FileEntry>> entries)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        List<String> rootNames = new ArrayList<>(full ? roots.keySet() : entries.keySet());
        int count = 0;
        for (int r = 0; r < rootNames.size(); r++) {
            String root = rootNames.get(r);
            List<FileEntry> list = entries.getOrDefault(root, List.of());
            count += list.size();
            int chunks = Math.max(1, (list.size() + ENTRIES_PER_MESSAGE - 1) / ENTRIES_PER_MESSAGE);
            for (int c = 0; c < chunks; c++) {
                Manifest.Builder m = Manifest.newBuilder().setRound(round).setRoot(root).setFull(full)
                        .setLast(r == rootNames.size() - 1 && c == chunks - 1);
                for (FileEntry e : list.subList(c * ENTRIES_PER_MESSAGE,
                        Math.min(list.size(), (c + 1) * ENTRIES_PER_MESSAGE))) {
                    m.addEntries(e.toWire());
                }
                link.send(SyncMessage.newBuilder().setManifest(m).build());
            }
        }
        long sent = 0;
        link.flush();
        while (true) {
            if (!link.hasInbound()) {
                link.flush(); // nothing more to answer right now: let the sink have what we wrote
            }
            SyncMessage m = link.receive(answerTimeout);
            if (m == null) {
                throw new IOException("the standby did not answer within " + answerTimeout.toMillis() + " ms");
            }
            switch (m.getBodyCase()) {
                case WANT -> sent += sendFile(link, m.getWant());
                case WANTS_DONE -> {
                    // the RoundDone that follows the last file ends the round
                }
                case ROUND_DONE -> {
                    RoundDone d = m.getRoundDone();
                    if (d.getRound() != round) {
                        throw new IOException("the standby reported round " + d.getRound() + " during " + round);
                    }
                    if (d.getErrorsCount() == 0) {
                        remember(entries);
                    }
                    return new RoundResult(round, full, count, d.getFiles(), d.getBytes(), sent, d.getDeleted(),
                            List.copyOf(d.getErrorsList()), List.copyOf(d.getConflictsList()),
                            List.copyOf(d.getRefusedList()), System.nanoTime() - t0);
                }
                case REFUSE -> throw new IOException("the standby refused: " + m.getRefuse().getReason());
                default -> throw new IOException("unexpected " + m.getBodyCase() + " from the standby");
            }
        }
    }

    /** After a clean round both sides hold these files: what a later conflict check compares against. */
    private void remember(Map<String, List<FileEntry>> entries) {
        entries.forEach((root, list) -> list.forEach(e -> {
            if (e.isFile()) {
                record.put(root, e.path(), e.size(), e.mtimeNanos());
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
            rel = PathGuard.check(w.getPath());
        } catch (PathGuard.BadPathException e) {
            throw new IOException("the standby wants a bad path: " + e.getMessage());
        }
        int id = w.getId();
        long readStart = HashCache.now();
        FileEntry before;
        try {
            before = Scanner.stat(root, rel, s -> { });
        } catch (NoSuchFileException gone) {
            before = null;
        }
        if (before == null || !before.isFile()) {
            skip(link, id, "no longer a regular file");
            return 0;
        }
        link.send(SyncMessage.newBuilder().setFileStart(FileStart.newBuilder().setId(id).setSize(before.size())
                .setMtimeNanos(before.mtimeNanos()).setMode(before.mode()).setUid(before.uid())
                .setGid(before.gid())).build());
        long size = before.size();
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
        try (FileChannel ch = FileChannel.open(root.resolve(rel), StandardOpenOption.READ)) {
            while (pos < size) {
                int index = (int) (pos / bs);
                int len = (int) Math.min(delta ? bs : CHUNK, size - pos);
                ByteBuf buf = link.alloc().directBuffer(len);
                try {
                    while (buf.writableBytes() > 0 && buf.readableBytes() < len) {
                        int n = buf.writeBytes(ch, pos + buf.readableBytes(), len - buf.readableBytes());
                        if (n < 0) {
                            break;
                        }
                    }
                    if (buf.readableBytes() < len) {
                        end(link, id, "shrank while being sent");
                        return sent;
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
        } catch (NoSuchFileException gone) {
            end(link, id, "vanished while being sent");
            return sent;
        } catch (IOException e) {
            if (stillTheFile(root, rel, before)) {
                throw e; // the connection failed, or a read error of a file that is still there
            }
            // replaced meanwhile, e.g. by a directory (which opens, then fails to read with EISDIR)
            end(link, id, "replaced while being sent");
            return sent;
        }
        flushReuse(link, id, reuseFirst, reuseCount);
        FileEntry after;
        try {
            after = Scanner.stat(root, rel, s -> { });
        } catch (NoSuchFileException gone) {
            after = null;
        }
        if (after == null || after.size() != before.size() || after.mtimeNanos() != before.mtimeNanos()
                || after.inode() != before.inode()) {
            end(link, id, "changed while being sent");
            return sent;
        }
        Digests.Result r = digest.finish();
        cache.put(w.getRoot(), before, r, readStart);
        FileEnd.Builder end = FileEnd.newBuilder().setId(id).setDigest(ByteString.copyFrom(r.digestNoCopy()));
        if (!delta) {
            end.setCrc32C((int) crc.getValue());
            r.blocks().forEach(b -> end.addBlockDigests(ByteString.copyFrom(b)));
        }
        link.send(SyncMessage.newBuilder().setFileEnd(end).build());
        return sent;
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

    /** Ends a started transfer as skipped: the sink writes nothing, the next round sends the file again. */
    private static void end(Link link, int id, String why) throws IOException {
        link.send(SyncMessage.newBuilder().setFileEnd(FileEnd.newBuilder().setId(id).setSkipped(true)
                .setReason(why)).build());
    }

    private static void skip(Link link, int id, String why) throws IOException {
        link.send(SyncMessage.newBuilder().setFileStart(FileStart.newBuilder().setId(id)).build());
        end(link, id, why);
    }


}
