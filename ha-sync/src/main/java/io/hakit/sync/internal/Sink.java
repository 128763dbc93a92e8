package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.FileEnd;
import io.hakit.sync.internal.proto.FileStart;
import io.hakit.sync.internal.proto.Manifest;
import io.hakit.sync.internal.proto.Reuse;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import io.hakit.sync.internal.proto.WantsDone;
import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The standby's side of a round: takes the source's manifest, decides what it needs, writes what arrives to temp
 * files in the target directories, checks each digest, makes the files durable and renames them into place, deletes
 * what the source no longer has, and reports the round. A local file that differs from what this node last shared
 * with its peer ({@link SyncRecord}) is never overwritten or deleted: it is renamed to a conflict copy and reported.
 *
 * <p>Every path from the peer goes through {@link PathGuard}; a bad one is refused, reported in the round, and changes
 * nothing. A peer that breaks the protocol (unknown transfer, data past the announced size, ...) gets a
 * {@link ProtocolException}: the caller closes the connection and {@link #abort} removes the round's temp files.
 *
 * <p><b>Threading:</b> not thread-safe; one thread (the connection's event loop) calls every method.
 */
public final class Sink {

    private static final Logger LOG = LoggerFactory.getLogger(Sink.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final boolean ROOT_USER = "root".equals(System.getProperty("user.name"));
    private static final int COMMIT_FILES = 100_000;
    private static final long COMMIT_BYTES = 1L << 30;
    static final int MAX_ENTRIES_PER_MESSAGE = 10_000;
    /** A large file's dirty pages start going to disk every this many bytes, so its final fsync is short. */
    static final long WRITEBACK_EVERY = 64L << 20;

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

    private record Pending(int id, String root, String rel, FileEntry entry, FileEntry old, List<byte[]> oldBlocks,
                           int blockSize) {
    }

    private record Staged(String root, String rel, Path temp, Path target, FileEntry entry, Digests.Result result) {
    }

    private record DirMeta(Path dir, int mode, long mtimeNanos, int uid, int gid) {
    }

    private final class Transfer {
        final Pending pending;
        final FileStart start;
        final Path target;
        Path temp;
        FileChannel channel;
        FileChannel oldChannel;
        Digests.Builder digest;
        /** Whole-file transfers are checked with a CRC32C; a transfer that reuses blocks digests what arrives. */
        java.util.zip.CRC32C crc;
        long position;
        long writebackAt = WRITEBACK_EVERY;
        boolean discarding;

        Transfer(Pending pending, FileStart start, Path target) {
            this.pending = pending;
            this.start = start;
            this.target = target;
        }

        void closeQuietly() {
            for (FileChannel c : new FileChannel[] {channel, oldChannel}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (IOException ignored) {
                        // closing a file we are discarding
                    }
                }
            }
            channel = null;
            oldChannel = null;
        }

        void discard() {
            closeQuietly();
            discarding = true;
            deleteQuietly(temp);
        }
    }

    private final Map<String, Path> roots;
    private final Scanner scanner;
    private final HashCache cache;
    private final SyncRecord record;
    private final Limits limits;
    private final String nodeId;
    private final Consumer<SyncMessage> out;
    /** The file store of each root (looked up once: finding it reads the mount table). */
    private final Map<String, FileStore> stores = new HashMap<>();

    // the round in progress
    private long round = -1;
    private final Map<String, Set<String>> listed = new HashMap<>();
    private final Map<String, Set<String>> listedDirs = new HashMap<>();
    private final Set<String> fullRoots = new HashSet<>();
    private final Map<Integer, Pending> wants = new HashMap<>();
    private final Set<Integer> resolved = new HashSet<>();
    private int nextId;
    private int entriesSeen;
    private boolean manifestDone;
    private int expectedWants = -1;
    private Transfer transfer;
    private final List<Staged> staged = new ArrayList<>();
    private long stagedBytes;
    private final Map<Path, DirMeta> dirMeta = new LinkedHashMap<>();
    private int files;
    private long bytes;
    private int deleted;
    private final List<String> errors = new ArrayList<>();
    private final List<String> conflicts = new ArrayList<>();
    private final List<String> refused = new ArrayList<>();

    /**
     * @param roots root name to directory (each must exist)
     * @param out   where the sink's answers go (Want, WantsDone, RoundDone), in order
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

    // ------------------------------------------------------------------ start-up cleaning

    /**
     * Removes what a crash can leave in the roots: this library's temp files (safe on any node: only this library
     * makes them) and, when {@code standby}, zero-size files with no permission bits (the junk an interrupted copy
     * leaves on a standby; on the active such a file is the user's and is synchronized like any other). Returns what
     * it removed, one line each.
     */
    public static List<String> cleanLeftovers(Map<String, Path> roots) throws IOException {
        return cleanLeftovers(roots, true);
    }

    /** {@link #cleanLeftovers(Map)}, leaving zero-size no-permission files alone unless {@code standby}. */
    public static List<String> cleanLeftovers(Map<String, Path> roots, boolean standby) throws IOException {
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, Path> r : roots.entrySet()) {
            try (var walk = Files.walk(r.getValue())) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    String name = p.getFileName() == null ? "" : p.getFileName().toString();
                    try {
                        if (name.startsWith(Scanner.TEMP_PREFIX) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                            Files.delete(p);
                            removed.add(r.getKey() + ":" + r.getValue().relativize(p) + " (temp file of an "
                                    + "interrupted transfer)");
                        } else if (standby && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == 0
                                && Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS).isEmpty()) {
                            Files.delete(p);
                            removed.add(r.getKey() + ":" + r.getValue().relativize(p)
                                    + " (zero-size file without permissions)");
                        }
                    } catch (NoSuchFileException gone) {
                        // removed meanwhile
                    }
                }
            }
        }
        return removed;
    }

    // ------------------------------------------------------------------ messages

    /** Handles one control message from the source. */
    public void onMessage(SyncMessage m) throws ProtocolException {
        switch (m.getBodyCase()) {
            case MANIFEST -> onManifest(m.getManifest());
            case FILE_START -> onFileStart(m.getFileStart());
            case REUSE -> onReuse(m.getReuse());
            case FILE_END -> onFileEnd(m.getFileEnd());
            default -> throw new ProtocolException("unexpected " + m.getBodyCase() + " from the source");
        }
    }

    private void onManifest(Manifest m) throws ProtocolException {
        if (round < 0) {
            round = m.getRound();
        } else if (m.getRound() != round) {
            throw new ProtocolException("manifest of round " + m.getRound() + " during round " + round);
        }
        if (manifestDone) {
            throw new ProtocolException("manifest after the last one of round " + round);
        }
        Path root = roots.get(m.getRoot());
        if (root == null) {
            throw new ProtocolException("manifest for unknown root '" + m.getRoot() + "'");
        }
        if (m.getEntriesCount() > MAX_ENTRIES_PER_MESSAGE) {
            throw new ProtocolException("manifest message with " + m.getEntriesCount() + " entries (limit "
                    + MAX_ENTRIES_PER_MESSAGE + ")");
        }
        entriesSeen += m.getEntriesCount();
        if (entriesSeen > limits.maxEntries) {
            throw new ProtocolException("manifest of more than " + limits.maxEntries + " entries (sync.max-entries)");
        }
        if (m.getFull()) {
            fullRoots.add(m.getRoot());
        }
        Set<String> names = listed.computeIfAbsent(m.getRoot(), k -> new HashSet<>());
        for (Entry e : m.getEntriesList()) {
            String rel = e.getPath();
            try {
                PathGuard.check(rel);
                if (Scanner.isInternal(rel)) {
                    throw new PathGuard.BadPathException("reserved name (temp file or conflict copy): "
                            + PathGuard.show(rel));
                }
                names.add(rel);
                if (e.getType() == io.hakit.sync.internal.proto.EntryType.ENTRY_TYPE_DIRECTORY) {
                    listedDirs.computeIfAbsent(m.getRoot(), k -> new HashSet<>()).add(rel);
                }
                apply(m.getRoot(), root, FileEntry.fromWire(e));
            } catch (PathGuard.BadPathException bad) {
                refuse(m.getRoot(), bad.getMessage());
            } catch (IOException io) {
                error(m.getRoot(), rel, io);
            }
        }
        if (m.getLast()) {
            manifestDone = true;
            for (String full : fullRoots) {
                try {
                    deleteUnlisted(full, roots.get(full), listed.getOrDefault(full, Set.of()));
                } catch (IOException io) {
                    errors.add("deleting in " + full + ": " + describe(io));
                }
            }
            out.accept(SyncMessage.newBuilder().setWantsDone(WantsDone.newBuilder().setRound(round)
                    .setCount(wants.size())).build());
            expectedWants = wants.size();
            maybeFinish();
        }
    }

    private void apply(String rootName, Path root, FileEntry e) throws IOException, PathGuard.BadPathException {
        Path target;
        try {
            target = PathGuard.resolve(root, e.path());
        } catch (PathGuard.ThroughNonDirectoryException notHere) {
            if (e.type() == io.hakit.sync.internal.proto.EntryType.ENTRY_TYPE_ABSENT) {
                return; // an ancestor is a file here: nothing below it to delete (a link is refused, not ignored)
            }
            throw notHere;
        }
        FileEntry local = statOrNull(root, e.path());
        switch (e.type()) {
            case ENTRY_TYPE_DIRECTORY -> {
                if (local != null && !local.isDirectory()) {
                    preserveOrDelete(rootName, root, local, null);
                    local = null;
                }
                if (local == null) {
                    Files.createDirectories(target);
                }
                dirMeta.put(target, new DirMeta(target, e.mode(), e.mtimeNanos(), e.uid(), e.gid()));
            }
            case ENTRY_TYPE_SYMLINK -> {
                if (!PathGuard.linkStaysInside(e.path(), e.linkTarget())) {
                    throw new PathGuard.BadPathException("symbolic link " + PathGuard.show(e.path()) + " -> "
                            + PathGuard.show(e.linkTarget()) + " leaves the root");
                }
                if (local != null && local.isSymlink() && local.linkTarget().equals(e.linkTarget())) {
                    return;
                }
                if (local != null) {
                    preserveOrDelete(rootName, root, local, null);
                }
                Path tmp = tempName(target);
                Files.createDirectories(target.getParent());
                Files.createSymbolicLink(tmp, Path.of(e.linkTarget()));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                files++;
            }
            case ENTRY_TYPE_FILE -> {
                if (e.size() > limits.maxFileSize) {
                    throw new PathGuard.BadPathException("file " + PathGuard.show(e.path()) + " of " + e.size()
                            + " bytes exceeds sync.max-file-size " + limits.maxFileSize);
                }
                if (local != null && local.isFile()) {
                    FileEntry withDigest = local.withDigest(cache.digest(rootName, local));
                    if (withDigest.sameContent(e)) {
                        fixMetadata(rootName, root, target, local, e);
                        return;
                    }
                }
                List<byte[]> oldBlocks = null;
                int bs = Digests.blockSize(e.size());
                if (local != null && local.isFile() && local.size() >= 2L * bs && e.size() >= 2L * bs) {
                    oldBlocks = Digests.blockSize(local.size()) == bs ? cache.blocks(rootName, local) : null;
                    if (oldBlocks == null) {
                        long t = HashCache.now();
                        Digests.Result r = Digests.of(target, local.size(), bs);
                        oldBlocks = r.blocks();
                        if (Digests.blockSize(local.size()) == bs) {
                            cache.put(rootName, local, r, t);
                        }
                    }
                }
                LOG.debug("want {}", e.path());
                int id = nextId++;
                wants.put(id, new Pending(id, rootName, e.path(), e, local, oldBlocks, bs));
                Want.Builder w = Want.newBuilder().setRound(round).setId(id).setRoot(rootName).setPath(e.path());
                if (oldBlocks != null) {
                    oldBlocks.forEach(b -> w.addBlockDigests(ByteString.copyFrom(b)));
                }
                out.accept(SyncMessage.newBuilder().setWant(w).build());
            }
            case ENTRY_TYPE_ABSENT -> {
                if (local != null) {
                    remove(rootName, root, local);
                }
            }
            default -> throw new PathGuard.BadPathException("entry of unknown type " + e.type() + " for "
                    + PathGuard.show(e.path()));
        }
    }

    private void fixMetadata(String rootName, Path root, Path target, FileEntry local, FileEntry e)
            throws IOException {
        if (local.mode() != e.mode()) {
            Files.setPosixFilePermissions(target, permissions(e.mode()));
        }
        if (ROOT_USER && e.uid() >= 0 && (local.uid() != e.uid() || local.gid() != e.gid())) {
            Files.setAttribute(target, "unix:uid", e.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(target, "unix:gid", e.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        FileEntry now = local;
        if (local.mtimeNanos() != e.mtimeNanos()) {
            Files.setLastModifiedTime(target, FileTime.from(e.mtimeNanos(), TimeUnit.NANOSECONDS));
            byte[] digest = cache.digest(rootName, local);
            List<byte[]> blocks = cache.blocks(rootName, local);
            now = statOrNull(root, local.path());
            if (now == null) {
                return;
            }
            if (digest != null) {
                // the same content under the mtime we just set (this node's own replica: nothing else writes it)
                cache.put(rootName, now, new Digests.Result(digest, blocks == null ? List.of() : blocks),
                        HashCache.EXACT);
            }
        }
        record.put(rootName, local.path(), now.size(), now.mtimeNanos());
    }

    private void onFileStart(FileStart s) throws ProtocolException {
        if (transfer != null) {
            throw new ProtocolException("FileStart " + s.getId() + " before FileEnd " + transfer.pending.id);
        }
        Pending p = wants.get(s.getId());
        if (p == null || resolved.contains(s.getId())) {
            throw new ProtocolException("FileStart for transfer " + s.getId() + ", which was not wanted or is done");
        }
        Path root = roots.get(p.root);
        Path target = root.resolve(p.rel);
        transfer = new Transfer(p, s, target);
        if (s.getSize() > limits.maxFileSize) {
            fail(p, "file of " + s.getSize() + " bytes exceeds sync.max-file-size " + limits.maxFileSize);
            return;
        }
        try {
            PathGuard.resolve(root, p.rel);
            Files.createDirectories(target.getParent());
            FileStore store = stores.computeIfAbsent(p.root, r -> {
                try {
                    return Files.getFileStore(root);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long free = store.getUsableSpace();
            if (free < s.getSize() + limits.reserveBytes) {
                fail(p, "disk full: " + s.getSize() + " bytes needed plus a reserve of " + limits.reserveBytes
                        + ", only " + free + " free on " + store + " (" + target.getParent() + ")");
                return;
            }
            transfer.temp = tempName(target);
            transfer.channel = FileChannel.open(transfer.temp, EnumSet.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                    EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
            transfer.digest = new Digests.Builder(s.getSize());
            if (p.oldBlocks != null && transfer.digest.blockSize() == p.blockSize) {
                transfer.oldChannel = FileChannel.open(target, StandardOpenOption.READ);
            } else {
                transfer.crc = new java.util.zip.CRC32C();
            }
        } catch (PathGuard.BadPathException bad) {
            transfer.discard();
            refuse(p.root, bad.getMessage());
        } catch (IOException io) {
            transfer.discard();
            error(p.root, p.rel, io);
        } catch (java.io.UncheckedIOException io) {
            transfer.discard();
            error(p.root, p.rel, io.getCause());
        }
    }

    /** Handles one data frame (releases its buffer). */
    public void onData(SyncFrames.Data d) throws ProtocolException {
        try {
            Transfer t = transfer;
            if (t == null || t.pending.id != d.id()) {
                throw new ProtocolException("data for transfer " + d.id() + ", which is not in progress");
            }
            int n = d.bytes().readableBytes();
            if (d.offset() != t.position || t.position + n > t.start.getSize()) {
                throw new ProtocolException("data at " + d.offset() + "+" + n + " for " + t.pending.rel
                        + " (expected offset " + t.position + ", size " + t.start.getSize() + ")");
            }
            t.position += n;
            if (t.discarding) {
                return;
            }
            try {
                ByteBuf b = d.bytes();
                ByteBuffer[] pieces = b.nioBuffers(); // the TLS records this frame arrived in
                for (ByteBuffer nio : pieces) {
                    if (t.crc != null) {
                        t.crc.update(nio.duplicate());
                    } else {
                        t.digest.update(nio.duplicate());
                    }
                }
                long left = n;
                while (left > 0) {
                    left -= t.channel.write(pieces); // one gathering write per frame, not one per record
                }
                if (t.position >= t.writebackAt) {
                    t.writebackAt = t.position + WRITEBACK_EVERY;
                    Durability.startWriteback(t.temp);
                }
            } catch (IOException io) {
                t.discard();
                error(t.pending.root, t.pending.rel, io);
            }
        } finally {
            d.bytes().release();
        }
    }

    private void onReuse(Reuse r) throws ProtocolException {
        Transfer t = transfer;
        if (t == null || t.pending.id != r.getId()) {
            throw new ProtocolException("Reuse for transfer " + r.getId() + ", which is not in progress");
        }
        List<byte[]> old = t.pending.oldBlocks;
        long bs = t.pending.blockSize;
        if (t.crc != null || old == null || r.getCount() < 1 || (long) r.getFirst() + r.getCount() > old.size()
                || (long) r.getFirst() * bs != t.position) {
            throw new ProtocolException("Reuse of blocks " + r.getFirst() + "+" + r.getCount() + " for "
                    + t.pending.rel + " at offset " + t.position + " does not fit the " + (old == null ? 0
                    : old.size()) + " blocks offered");
        }
        long oldSize = t.pending.old.size();
        long newSize = t.start.getSize();
        long from = r.getFirst() * bs;
        long end = Math.min((long) (r.getFirst() + r.getCount()) * bs, Math.min(oldSize, newSize));
        long lastOldLen = Math.min(bs, oldSize - (r.getFirst() + r.getCount() - 1) * bs);
        long lastNewLen = Math.min(bs, newSize - (r.getFirst() + r.getCount() - 1) * bs);
        if (lastOldLen != lastNewLen) {
            throw new ProtocolException("Reuse of a block of " + lastOldLen + " bytes where the new file has "
                    + lastNewLen + " (" + t.pending.rel + ")");
        }
        t.position = end;
        if (t.discarding) {
            return;
        }
        try {
            long pos = from;
            while (pos < end) {
                long n = t.oldChannel.transferTo(pos, end - pos, t.channel);
                if (n <= 0) {
                    throw new IOException("the old copy of " + t.pending.rel + " ended at " + pos);
                }
                pos += n;
            }
            for (int i = 0; i < r.getCount(); i++) {
                t.digest.reuse(old.get(r.getFirst() + i));
            }
        } catch (IOException io) {
            t.discard();
            error(t.pending.root, t.pending.rel, io);
        }
    }

    private void onFileEnd(FileEnd e) throws ProtocolException {
        Transfer t = transfer;
        if (t == null || t.pending.id != e.getId()) {
            throw new ProtocolException("FileEnd for transfer " + e.getId() + ", which is not in progress");
        }
        transfer = null;
        resolved.add(t.pending.id);
        LOG.debug("file end {} ({} bytes)", t.pending.rel, t.position);
        if (e.getSkipped()) {
            t.discard();
            LOG.debug("{}:{} skipped by the source: {}", t.pending.root, t.pending.rel, e.getReason());
            maybeFinish();
            return;
        }
        if (t.position != t.start.getSize()) {
            t.discard();
            throw new ProtocolException("FileEnd for " + t.pending.rel + " after " + t.position + " of "
                    + t.start.getSize() + " bytes");
        }
        if (!t.discarding) {
            try {
                t.closeQuietly();
                Digests.Result r = t.crc != null ? received(t, e) : t.digest.finish();
                if (r == null || !Arrays.equals(r.digestNoCopy(), e.getDigest().toByteArray())) {
                    t.discard();
                    errors.add("digest mismatch for " + t.pending.root + ":" + t.pending.rel + ": received "
                            + (r == null ? "other bytes (CRC32C " + Long.toHexString(t.crc.getValue()) + ", the "
                            + "source sent " + Integer.toHexString(e.getCrc32C()) + ", or block digests that do not "
                            + "make its digest)" : Digests.hex(r.digestNoCopy())) + ", the source sent digest "
                            + Digests.hex(e.getDigest().toByteArray()) + " (nothing written)");
                } else if (t.pending.oldBlocks != null && changedSince(t.pending.root, t.pending.old)) {
                    t.discard();
                    errors.add(t.pending.root + ":" + t.pending.rel + " changed here while its new version arrived"
                            + " (nothing written; the next round retries)");
                } else {
                    FileStart s = t.start;
                    Files.setPosixFilePermissions(t.temp, permissions(s.getMode()));
                    if (ROOT_USER && s.getUid() >= 0) {
                        Files.setAttribute(t.temp, "unix:uid", s.getUid(), LinkOption.NOFOLLOW_LINKS);
                        Files.setAttribute(t.temp, "unix:gid", s.getGid(), LinkOption.NOFOLLOW_LINKS);
                    }
                    Files.setLastModifiedTime(t.temp, FileTime.from(s.getMtimeNanos(), TimeUnit.NANOSECONDS));
                    staged.add(new Staged(t.pending.root, t.pending.rel, t.temp, t.target, t.pending.entry, r));
                    stagedBytes += s.getSize();
                    if (staged.size() >= COMMIT_FILES || stagedBytes >= COMMIT_BYTES) {
                        commit();
                    }
                }
            } catch (IOException io) {
                t.discard();
                error(t.pending.root, t.pending.rel, io);
            }
        }
        maybeFinish();
    }

    /**
     * A whole file arrived: what it is when its CRC32C matches the source's and the source's block digests make the
     * source's digest; null otherwise.
     */
    private static Digests.Result received(Transfer t, FileEnd e) {
        if ((int) t.crc.getValue() != e.getCrc32C()
                || e.getBlockDigestsCount() != Digests.blockCount(t.start.getSize())) {
            return null;
        }
        List<byte[]> blocks = new ArrayList<>(e.getBlockDigestsCount());
        for (ByteString b : e.getBlockDigestsList()) {
            if (b.size() != Digests.LENGTH) {
                return null;
            }
            blocks.add(b.toByteArray());
        }
        return Digests.ofBlocks(blocks);
    }

    private boolean changedSince(String rootName, FileEntry old) {
        try {
            FileEntry now = Scanner.stat(roots.get(rootName), old.path(), s -> { });
            return now == null || now.size() != old.size() || now.mtimeNanos() != old.mtimeNanos()
                    || now.inode() != old.inode();
        } catch (IOException e) {
            return true;
        }
    }

    private void fail(Pending p, String why) {
        transfer.discard();
        errors.add(p.root + ":" + p.rel + ": " + why);
    }

    // ------------------------------------------------------------------ commit

    /** Makes the staged files durable, then renames each into place (keeping a conflict copy where needed). */
    private void commit() {
        if (staged.isEmpty()) {
            return;
        }
        Map<String, List<Path>> byRoot = new LinkedHashMap<>();
        staged.forEach(s -> byRoot.computeIfAbsent(s.root, k -> new ArrayList<>()).add(s.temp));
        Set<String> unsynced = new HashSet<>();
        for (Map.Entry<String, List<Path>> r : byRoot.entrySet()) {
            try {
                Durability.flush(r.getValue(), roots.get(r.getKey()));
            } catch (IOException io) {
                unsynced.add(r.getKey());
                errors.add("making files durable in " + r.getKey() + ": " + describe(io) + " (nothing renamed)");
            }
        }
        LOG.debug("durable: {} files", staged.size());
        Set<Path> dirs = new LinkedHashSet<>();
        for (Staged s : staged) {
            if (unsynced.contains(s.root)) {
                deleteQuietly(s.temp);
                continue;
            }
            Path root = roots.get(s.root);
            try {
                PathGuard.resolve(root, s.rel);
                FileEntry local = statOrNull(root, s.rel);
                if (local != null) {
                    preserveOrDelete(s.root, root, local, s.result.digestNoCopy());
                }
                Files.move(s.temp, s.target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                dirs.add(s.target.getParent());
                FileEntry now = Scanner.stat(root, s.rel, x -> { });
                if (now != null) {
                    cache.put(s.root, now, s.result, HashCache.EXACT); // what we wrote, checked against the digest
                    record.put(s.root, s.rel, now.size(), now.mtimeNanos());
                }
                files++;
                bytes += s.entry.size();
            } catch (PathGuard.BadPathException bad) {
                deleteQuietly(s.temp);
                refuse(s.root, bad.getMessage());
            } catch (IOException io) {
                deleteQuietly(s.temp);
                error(s.root, s.rel, io);
            }
        }
        LOG.debug("renamed: {} files", staged.size());
        for (Path d : dirs) {
            try {
                Durability.fsyncDirectory(d);
            } catch (IOException io) {
                errors.add("fsync of directory " + d + ": " + describe(io));
            }
        }
        staged.clear();
        stagedBytes = 0;
    }

    private void maybeFinish() {
        if (!manifestDone || transfer != null || resolved.size() < expectedWants) {
            return;
        }
        commit();
        List<DirMeta> metas = new ArrayList<>(dirMeta.values());
        metas.sort(Comparator.comparingInt((DirMeta d) -> d.dir.getNameCount()).reversed());
        for (DirMeta d : metas) {
            try {
                if (Files.isDirectory(d.dir, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(d.dir, permissions(d.mode));
                    if (ROOT_USER && d.uid >= 0) {
                        Files.setAttribute(d.dir, "unix:uid", d.uid, LinkOption.NOFOLLOW_LINKS);
                        Files.setAttribute(d.dir, "unix:gid", d.gid, LinkOption.NOFOLLOW_LINKS);
                    }
                    Files.setLastModifiedTime(d.dir, FileTime.from(d.mtimeNanos, TimeUnit.NANOSECONDS));
                }
            } catch (IOException io) {
                errors.add("directory " + d.dir + ": " + describe(io));
            }
        }
        try {
            record.save();
        } catch (IOException io) {
            errors.add("saving the sync record: " + describe(io));
        }
        RoundDone.Builder done = RoundDone.newBuilder().setRound(round).setFull(!fullRoots.isEmpty())
                .setFiles(files).setBytes(bytes)
                .setDeleted(deleted).addAllErrors(cap(errors)).addAllConflicts(cap(conflicts))
                .addAllRefused(cap(refused));
        if (!errors.isEmpty() || !conflicts.isEmpty() || !refused.isEmpty()) {
            LOG.warn("sync round {}: {} files, {} errors, {} conflicts, {} refused; first: {}", round, files,
                    errors.size(), conflicts.size(), refused.size(), !errors.isEmpty() ? errors.get(0)
                            : !conflicts.isEmpty() ? conflicts.get(0) : refused.get(0));
        }
        reset();
        out.accept(SyncMessage.newBuilder().setRoundDone(done).build());
    }

    private static List<String> cap(List<String> l) {
        if (l.size() <= 100) {
            return l;
        }
        List<String> c = new ArrayList<>(l.subList(0, 100));
        c.add("... and " + (l.size() - 100) + " more");
        return c;
    }

    private void reset() {
        round = -1;
        listed.clear();
        listedDirs.clear();
        fullRoots.clear();
        wants.clear();
        resolved.clear();
        nextId = 0;
        entriesSeen = 0;
        manifestDone = false;
        expectedWants = -1;
        dirMeta.clear();
        files = 0;
        bytes = 0;
        deleted = 0;
        errors.clear();
        conflicts.clear();
        refused.clear();
    }

    /** The connection is gone mid-round: removes the round's temp files; what was renamed stays. */
    public void abort() {
        if (transfer != null) {
            transfer.discard();
            transfer = null;
        }
        staged.forEach(s -> deleteQuietly(s.temp));
        staged.clear();
        stagedBytes = 0;
        reset();
    }

    // ------------------------------------------------------------------ deletes and conflicts

    /**
     * Removes what the full manifest of a root did not list. Reads directory names only, descending into listed
     * directories; only unlisted names are looked at further (an unchanged tree costs no stat here).
     */
    private void deleteUnlisted(String rootName, Path root, Set<String> keep) throws IOException {
        Set<String> keepDirs = listedDirs.getOrDefault(rootName, Set.of());
        List<FileEntry> gone = new ArrayList<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>();
        todo.push("");
        while (!todo.isEmpty()) {
            String dirRel = todo.pop();
            Path dir = dirRel.isEmpty() ? root : root.resolve(dirRel);
            List<String> names = new ArrayList<>();
            try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path child : ds) {
                    names.add(child.getFileName().toString());
                }
            } catch (NoSuchFileException | java.nio.file.NotDirectoryException vanished) {
                continue;
            }
            for (String name : names) {
                String rel = dirRel.isEmpty() ? name : dirRel + "/" + name;
                if (Scanner.isInternal(rel)) {
                    continue;
                }
                if (keep.contains(rel)) {
                    if (keepDirs.contains(rel)) {
                        todo.push(rel);
                    }
                    continue;
                }
                FileEntry e = statOrNull(root, rel);
                if (e == null || !scanner.keeps(rel, e.isDirectory())) {
                    continue; // gone, special, or excluded: not ours to delete
                }
                if (e.isDirectory()) {
                    scanner.scanBelow(root, rel, rootName, cache, x -> { }, gone);
                }
                gone.add(e);
            }
        }
        List<FileEntry> dirs = new ArrayList<>();
        for (FileEntry e : gone) {
            if (e.isDirectory()) {
                dirs.add(e);
            } else {
                remove(rootName, root, e);
            }
        }
        dirs.sort(Comparator.comparingInt((FileEntry d) -> d.path().length()).reversed());
        for (FileEntry d : dirs) {
            remove(rootName, root, d);
        }
    }

    private void remove(String rootName, Path root, FileEntry local) throws IOException {
        if (local.isDirectory()) {
            if (!removeTree(rootName, root, local)) {
                LOG.debug("{}:{} kept: not empty (conflict copies or excluded files)", rootName, local.path());
            }
            return;
        }
        preserveOrDelete(rootName, root, local, null);
    }

    /**
     * Removes a directory the source no longer has, with what it holds: each file as a delete would (one changed
     * here is kept as a conflict copy), then the directories, deepest first, when empty. What the scanner does not
     * list (conflict copies, excluded files) stays, and so do the directories that hold it. Returns whether the
     * directory is gone.
     */
    private boolean removeTree(String rootName, Path root, FileEntry dir) throws IOException {
        List<FileEntry> below = new ArrayList<>();
        scanner.scanBelow(root, dir.path(), rootName, cache, s -> { }, below);
        below.add(0, dir);
        boolean gone = false;
        for (int i = below.size() - 1; i >= 0; i--) { // a directory's entries follow it: children first
            FileEntry e = below.get(i);
            if (!e.isDirectory()) {
                preserveOrDelete(rootName, root, e, null);
                continue;
            }
            try {
                Files.delete(root.resolve(e.path()));
                deleted++;
                gone = i == 0;
            } catch (DirectoryNotEmptyException kept) {
                // holds what the scanner does not list
            } catch (NoSuchFileException already) {
                gone = i == 0;
            }
        }
        return gone;
    }

    /**
     * Gets {@code local} out of the way: deletes it when it is exactly what this node last shared with its peer (or
     * has the incoming content, or is a link; a directory goes with {@link #removeTree}), else renames it to a
     * conflict copy next to it and reports that.
     */
    private void preserveOrDelete(String rootName, Path root, FileEntry local, byte[] incomingDigest)
            throws IOException {
        Path p = root.resolve(local.path());
        if (local.isDirectory() && removeTree(rootName, root, local)) {
            return; // a directory where a file or link must go, and nothing in it was changed here
        }
        boolean safe;
        if (local.isSymlink()) {
            safe = true;
        } else if (local.isFile()) {
            safe = record.matches(rootName, local.path(), local.size(), local.mtimeNanos());
            if (!safe && incomingDigest != null) {
                byte[] d = cache.digest(rootName, local);
                if (d == null && local.size() <= limits.maxFileSize) {
                    long t = HashCache.now();
                    Digests.Result r = Digests.of(p, local.size());
                    cache.put(rootName, local, r, t);
                    d = r.digestNoCopy();
                }
                safe = Arrays.equals(d, incomingDigest);
            }
        } else {
            safe = false; // a directory that holds what is not to be deleted (see removeTree)
        }
        if (safe) {
            if (incomingDigest == null) { // a delete, not a replacement
                Files.deleteIfExists(p);
                deleted++;
            }
            record.remove(rootName, local.path());
            cache.remove(rootName, local.path());
            return;
        }
        String copy = local.path() + Scanner.CONFLICT_INFIX + LocalDateTime.now().format(STAMP) + "-" + nodeId
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        Files.move(p, root.resolve(copy), StandardCopyOption.ATOMIC_MOVE);
        record.remove(rootName, local.path());
        cache.remove(rootName, local.path());
        String what = rootName + ":" + local.path() + " was changed on this node and not on the source (split "
                + "brain?): kept as " + copy;
        conflicts.add(what);
        LOG.warn("sync conflict: {}", what);
    }

    // ------------------------------------------------------------------ helpers

    private void refuse(String rootName, String why) {
        refused.add(rootName + ": " + why);
        LOG.warn("refused from the source: {}: {}", rootName, why);
    }

    private void error(String rootName, String rel, IOException io) {
        errors.add(rootName + ":" + rel + ": " + describe(io));
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
        if (msg.contains("No space left on device")) {
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

    private static FileEntry statOrNull(Path root, String rel) throws IOException {
        try {
            return Scanner.stat(root, rel, s -> { });
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static Path tempName(Path target) {
        String name = target.getFileName().toString();
        if (name.length() > 200) {
            name = name.substring(0, 200);
        }
        return target.resolveSibling(Scanner.TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + "-" + name);
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(order[i]);
            }
        }
        return s;
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("could not delete temp file {}: {}", p, e.getMessage());
        }
    }
}
