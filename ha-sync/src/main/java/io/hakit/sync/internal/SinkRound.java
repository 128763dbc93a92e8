package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.EntryType;
import io.hakit.sync.internal.proto.FileEnd;
import io.hakit.sync.internal.proto.FileStart;
import io.hakit.sync.internal.proto.Hole;
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
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One round on the standby, from its first manifest to its RoundDone: what the source listed, what this node wants,
 * the transfer in progress, the files written and waiting to be renamed into place, and what to report. A new round
 * is a new object: nothing is carried over or reset by hand. File system work goes through one {@link Applier}.
 *
 * <p>Decisions: a file is unchanged only when the source's digest equals the digest of the local copy (cached for its
 * identity, or read now); size and mtime alone never decide. A file without a digest from the source is wanted,
 * offering the local copy's block digests so that only changed blocks travel. A file the source skipped because it
 * changed while being sent is reported as pending (the round is not clean); one the source could not read is an
 * error.
 *
 * <p><b>Threading:</b> not thread-safe; the connection's event loop calls every method.
 */
final class SinkRound {

    private static final Logger LOG = LoggerFactory.getLogger(SinkRound.class);
    private static final boolean ROOT_USER = "root".equals(System.getProperty("user.name"));
    private static final int COMMIT_FILES = 100_000;
    private static final long COMMIT_BYTES = 1L << 30;
    static final int MAX_ENTRIES_PER_MESSAGE = 10_000;
    /** A large file's dirty pages start going to disk every this many bytes, so its final fsync is short. */
    static final long WRITEBACK_EVERY = 64L << 20;

    private record Pending(int id, String root, String rel, FileEntry entry, FileEntry old, List<byte[]> oldBlocks,
                           int blockSize, byte[] base) {
    }

    /**
     * A file written, checked and closed, waiting to be made durable and renamed into place ({@code synced}: fsynced
     * already, through the descriptor it was written with).
     */
    private record Staged(String root, String rel, String temp, long tempInode, FileEntry entry,
                          Digests.Result result, byte[] base, boolean synced) {
    }

    private record DirMeta(String root, String rel, int mode, long mtimeNanos, int uid, int gid) {
    }

    /** The file being received. */
    private final class Transfer {
        final Pending pending;
        final FileStart start;
        String temp;
        SafeDir.TempFile file;
        FileChannel oldChannel;
        Digests.Builder digest;
        /** Whole-file transfers are checked with a CRC32C; a transfer that reuses blocks digests what arrives. */
        java.util.zip.CRC32C crc;
        long position;
        long writebackAt = WRITEBACK_EVERY;
        boolean discarding;

        Transfer(Pending pending, FileStart start) {
            this.pending = pending;
            this.start = start;
        }

        void closeQuietly() {
            try {
                if (file != null) {
                    file.close();
                }
            } catch (IOException ignored) {
                // closing a file we are done with or discarding
            }
            try {
                if (oldChannel != null) {
                    oldChannel.close();
                }
            } catch (IOException ignored) {
                // as above
            }
            file = null;
            oldChannel = null;
        }

        void discard() {
            closeQuietly();
            discarding = true;
            if (temp != null) {
                removeTemp(pending.root, pending.rel, temp);
                temp = null;
            }
        }
    }

    private final long round;
    private final Scanner scanner;
    private final HashCache cache;
    private final SyncRecord record;
    private final Sink.Limits limits;
    private final Consumer<SyncMessage> done;
    private final Consumer<SyncMessage> out;
    private final Applier fs;
    private final Map<String, java.nio.file.Path> roots;
    /** Per root, its file system (found once per connection: finding it reads the mount table). */
    private final Map<String, FileStore> stores;

    private final Map<String, Set<String>> listed = new HashMap<>();
    private final Map<String, Set<String>> listedDirs = new HashMap<>();
    private final Set<String> fullRoots = new HashSet<>();
    private final Map<Integer, Pending> wants = new HashMap<>();
    private final Set<Integer> resolved = new HashSet<>();
    private int nextId;
    private int entriesSeen;
    private boolean manifestDone;
    private boolean verify;
    private boolean reread;
    private int expectedWants = -1;
    private Transfer transfer;
    private final List<Staged> staged = new ArrayList<>();
    /** Files of this round whose content came in the manifest and that were fsynced as they were written. */
    private int inlineSynced;
    private long stagedBytes;
    private final Map<String, DirMeta> dirMeta = new LinkedHashMap<>();
    private int files;
    private long bytes;
    private int deleted;
    private final List<String> errors = new ArrayList<>();
    private final List<String> conflicts = new ArrayList<>();
    private final List<String> refused = new ArrayList<>();
    private final List<String> pending = new ArrayList<>();
    private final List<String> differences = new ArrayList<>();

    /**
     * @param stores per root, its file system as found by an earlier round of the connection (added to)
     * @param done called with the round's RoundDone when it ends (after which this object is finished)
     * @param out  where Want and WantsDone go
     * @param carried errors of an earlier round found after its RoundDone went (saving the record), reported here
     */
    SinkRound(long round, Map<String, java.nio.file.Path> roots, Map<String, FileStore> stores, Scanner scanner,
              HashCache cache, SyncRecord record, Sink.Limits limits, String nodeId, Consumer<SyncMessage> done,
              Consumer<SyncMessage> out, List<String> carried) {
        this.round = round;
        this.stores = stores;
        this.errors.addAll(carried);
        this.roots = roots;
        this.scanner = scanner;
        this.cache = cache;
        this.record = record;
        this.limits = limits;
        this.done = done;
        this.out = out;
        this.fs = new Applier(roots, scanner, cache, record, nodeId, limits.maxFileSize(), new Applier.Report() {
            @Override
            public void deleted() {
                deleted++;
            }

            @Override
            public void conflict(String root, String path, String copy) {
                String what = root + ":" + PathGuard.display(path) + " was changed on this node and not on the "
                        + "source (split brain?): kept as " + root + ":" + PathGuard.display(copy);
                conflicts.add(what);
                record.addConflict(root + ":" + copy);
                LOG.warn("sync conflict: {}", what);
            }
        });
    }

    // ------------------------------------------------------------------ manifest

    void onManifest(Manifest m) throws Sink.ProtocolException {
        HopTrace.mark("sink.manifest");
        if (m.getRound() != round) {
            throw new Sink.ProtocolException("manifest of round " + m.getRound() + " during round " + round);
        }
        if (manifestDone) {
            throw new Sink.ProtocolException("manifest after the last one of round " + round);
        }
        if (!roots.containsKey(m.getRoot())) {
            throw new Sink.ProtocolException("manifest for unknown root '" + m.getRoot() + "'");
        }
        if (m.getEntriesCount() > MAX_ENTRIES_PER_MESSAGE) {
            throw new Sink.ProtocolException("manifest message with " + m.getEntriesCount() + " entries (limit "
                    + MAX_ENTRIES_PER_MESSAGE + ")");
        }
        entriesSeen += m.getEntriesCount();
        if (entriesSeen > limits.maxEntries()) {
            throw new Sink.ProtocolException("manifest of more than " + limits.maxEntries()
                    + " entries (sync.max-entries)");
        }
        verify |= m.getVerify();
        reread |= m.getReread();
        if (m.getFull()) {
            fullRoots.add(m.getRoot());
        }
        Set<String> names = listed.computeIfAbsent(m.getRoot(), k -> new HashSet<>());
        try {
            applyAll(m, names);
        } finally {
            fs.forgetPeeks(); // no directory held between messages
        }
        if (m.getLast()) {
            manifestDone = true;
            for (String full : fullRoots) {
                try {
                    if (verify) {
                        fs.unlisted(full, listed.getOrDefault(full, Set.of()),
                                listedDirs.getOrDefault(full, Set.of()), differences);
                    } else {
                        fs.deleteUnlisted(full, listed.getOrDefault(full, Set.of()),
                                listedDirs.getOrDefault(full, Set.of()), errors);
                    }
                } catch (IOException io) {
                    errors.add((verify ? "listing " : "deleting in ") + full + ": " + Sink.describe(io));
                }
            }
            out.accept(SyncMessage.newBuilder().setWantsDone(WantsDone.newBuilder().setRound(round)
                    .setCount(wants.size())).build());
            expectedWants = wants.size();
            maybeFinish();
        }
    }

    /** Applies (or, verifying, compares) each entry of a manifest message; an entry's problem is reported as its own. */
    private void applyAll(Manifest m, Set<String> names) throws Sink.ProtocolException {
        for (Entry e : m.getEntriesList()) {
            String rel = Names.decode(e.getPath().toByteArray());
            try {
                PathGuard.check(rel);
                if (Scanner.isInternal(rel)) {
                    throw new PathGuard.BadPathException("reserved name (temp file or conflict copy): "
                            + PathGuard.show(rel));
                }
                names.add(rel);
                if (e.getType() == EntryType.ENTRY_TYPE_DIRECTORY) {
                    listedDirs.computeIfAbsent(m.getRoot(), k -> new HashSet<>()).add(rel);
                }
                if (verify) {
                    compare(m.getRoot(), FileEntry.fromWire(e));
                } else {
                    apply(m.getRoot(), FileEntry.fromWire(e), e.getBaseDigest().isEmpty() ? null
                            : e.getBaseDigest().toByteArray(), e.hasContent() ? e.getContent() : null);
                }
            } catch (PathGuard.BadPathException bad) {
                refuse(m.getRoot(), bad.getMessage());
            } catch (IOException io) {
                error(m.getRoot(), rel, io);
            }
        }
    }

    /**
     * @param base    the digest the source recorded as agreed for this path, or null
     * @param content a small file's whole content sent with the manifest, or null
     */
    private void apply(String root, FileEntry e, byte[] base, ByteString content)
            throws IOException, PathGuard.BadPathException, Sink.ProtocolException {
        if (e.type() == EntryType.ENTRY_TYPE_FILE && unchanged(root, e)) {
            return;
        }
        Applier.Place p;
        try {
            p = fs.place(root, e.path(), false);
        } catch (PathGuard.ThroughNonDirectoryException through) {
            if (e.type() == EntryType.ENTRY_TYPE_ABSENT) {
                return; // an ancestor is a file here: nothing below it to delete (a link is refused, not ignored)
            }
            throw through;
        } catch (NoSuchFileException missing) {
            if (e.type() == EntryType.ENTRY_TYPE_ABSENT) {
                return;
            }
            p = null; // an ancestor is missing: made when the entry is written
        }
        try {
            FileEntry local = p == null ? null : Applier.local(p, e.path());
            switch (e.type()) {
                case ENTRY_TYPE_DIRECTORY -> {
                    if (local != null && !local.isDirectory()) {
                        fs.preserveOrDelete(root, p, local, null, null);
                        local = null;
                    }
                    if (local == null) {
                        fs.mkdirs(root, e.path());
                    }
                    dirMeta.put(root + '\0' + e.path(), new DirMeta(root, e.path(), e.mode(), e.mtimeNanos(), e.uid(),
                            e.gid()));
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
                        fs.preserveOrDelete(root, p, local, null, null);
                    }
                    fs.symlink(root, e.path(), e.linkTarget());
                    files++;
                }
                case ENTRY_TYPE_FILE -> wantOrKeep(root, p, local, e, base, content);
                case ENTRY_TYPE_ABSENT -> {
                    if (local != null) {
                        if (local.isDirectory()) {
                            fs.removeTree(root, p.dir(), p.name(), e.path());
                        } else {
                            fs.preserveOrDelete(root, p, local, null, base);
                        }
                    }
                }
                default -> throw new PathGuard.BadPathException("entry of unknown type " + e.type() + " for "
                        + PathGuard.show(e.path()));
            }
        } finally {
            if (p != null) {
                p.close();
            }
        }
    }

    /**
     * The common case of a round over a tree that is mostly in sync, decided without changing anything: the local
     * file has the source's size, mode, owner and mtime, and its cached digest (no read) is the source's. Recorded as
     * agreed; false sends the entry down the walking path (what {@link #wantOrKeep} decides there is the same).
     */
    private boolean unchanged(String root, FileEntry e) throws IOException, PathGuard.BadPathException {
        if (reread || e.digest() == null || e.size() > limits.maxFileSize()) {
            return false;
        }
        FileEntry local = fs.peek(root, e.path());
        if (local == null || !local.isFile() || local.size() != e.size() || !sameMetadata(local, e)) {
            return false;
        }
        if (!Arrays.equals(cache.digest(root, local), e.digest())) {
            return false;
        }
        record.put(root, local.path(), local, e.digest());
        return true;
    }

    /**
     * A file: kept (metadata fixed) when the local copy has the source's digest; written from the manifest when its
     * content came with it; wanted otherwise.
     */
    private void wantOrKeep(String root, Applier.Place p, FileEntry local, FileEntry e, byte[] base,
                            ByteString content) throws IOException, PathGuard.BadPathException,
            Sink.ProtocolException {
        if (e.size() > limits.maxFileSize()) {
            throw new PathGuard.BadPathException("file " + PathGuard.show(e.path()) + " of " + e.size()
                    + " bytes exceeds sync.max-file-size " + limits.maxFileSize());
        }
        boolean localFile = local != null && local.isFile() && local.size() <= limits.maxFileSize();
        if (localFile && e.digest() != null && local.size() == e.size()
                && Arrays.equals(fs.digest(root, p, local, reread), e.digest())) {
            fixMetadata(root, p, local, e);
            return;
        }
        if (content != null) {
            stageInline(root, p, e, base, content);
            return;
        }
        List<byte[]> oldBlocks = null;
        int bs = Digests.blockSize(e.size());
        if (localFile && local.size() >= 2L * bs && e.size() >= 2L * bs) {
            oldBlocks = fs.blocks(root, p, local, bs, reread);
        }
        LOG.debug("want {}", e.path());
        int id = nextId++;
        wants.put(id, new Pending(id, root, e.path(), e, localFile ? local : null, oldBlocks, bs, base));
        Want.Builder w = Want.newBuilder().setRound(round).setId(id).setRoot(root)
                .setPath(ByteString.copyFrom(Names.encode(e.path())));
        if (oldBlocks != null) {
            oldBlocks.forEach(b -> w.addBlockDigests(ByteString.copyFrom(b)));
        }
        out.accept(SyncMessage.newBuilder().setWant(w).build());
    }

    /**
     * A small file whose whole content came in the manifest: its digest is computed here from the bytes received and
     * must be the source's; then it is written to a temp file like any transfer (mode, owner, mtime on the temp
     * file) and staged: made durable and renamed into place with the round's other files. A mismatch or a full disk
     * writes nothing and is reported.
     *
     * @param p the parent directory, or null when it is missing (made now)
     */
    private void stageInline(String root, Applier.Place p, FileEntry e, byte[] base, ByteString content)
            throws IOException, PathGuard.BadPathException, Sink.ProtocolException {
        if (content.size() != e.size() || content.size() > Source.INLINE_MAX || e.digest() == null) {
            throw new Sink.ProtocolException("content of " + content.size() + " bytes in the manifest for "
                    + PathGuard.show(e.path()) + ", a file of " + e.size() + " bytes" + (e.digest() == null
                    ? " without a digest" : "") + " (at most " + Source.INLINE_MAX + " bytes, with a digest)");
        }
        Digests.Result r = Digests.of(content.asReadOnlyByteBuffer());
        if (!Arrays.equals(r.digestNoCopy(), e.digest())) {
            errors.add("digest mismatch for " + root + ":" + PathGuard.display(e.path()) + ": received "
                    + Digests.hex(r.digestNoCopy()) + ", the source sent digest " + Digests.hex(e.digest())
                    + " (nothing written)");
            return;
        }
        Applier.Place place = p != null ? p : fs.place(root, e.path(), true);
        try {
            String full = noRoom(root, e.size(), place);
            if (full != null) {
                errors.add(root + ":" + PathGuard.display(e.path()) + ": " + full);
                return;
            }
            String temp = Applier.tempName();
            SafeDir.TempFile f = place.dir().create(temp);
            boolean written = false;
            try {
                java.nio.ByteBuffer b = content.asReadOnlyByteBuffer();
                while (b.hasRemaining()) {
                    f.channel.write(b);
                }
                f.metadata(e.mode(), ROOT_USER ? e.uid() : -1, e.gid(), e.mtimeNanos());
                long inode = f.inode();
                // the first few at once, through this descriptor (the commit would reopen each to fsync it); many
                // files in one round go to disk with one syncfs at the commit instead
                boolean synced = inlineSynced < Durability.PER_FILE_UP_TO;
                if (synced) {
                    f.fsync();
                    inlineSynced++;
                }
                f.close();
                written = true;
                HopTrace.mark("sink.checked");
                stage(new Staged(root, e.path(), temp, inode, e, r, base, synced), e.size());
            } finally {
                if (!written) {
                    try {
                        f.close();
                    } catch (IOException ignored) {
                        // failing already
                    }
                    removeTemp(root, e.path(), temp);
                }
            }
        } finally {
            if (place != p) {
                place.close();
            }
        }
    }

    /** Why {@code need} bytes do not fit on the root's file system (keeping the reserve), or null when they do. */
    private String noRoom(String root, long need, Applier.Place place) throws IOException {
        FileStore store = stores.get(root);
        if (store == null) {
            store = Files.getFileStore(roots.get(root));
            stores.put(root, store);
        }
        long free = store.getUsableSpace();
        if (free < need + limits.reserveBytes()) {
            return "disk full: " + need + " bytes needed plus a reserve of " + limits.reserveBytes() + ", only "
                    + free + " free on " + store + " (" + place.dir().shown() + ")";
        }
        return null;
    }

    /** A file written, checked and closed: staged for the next commit (at once when many are waiting). */
    private void stage(Staged s, long allocated) {
        staged.add(s);
        stagedBytes += allocated;
        if (staged.size() >= COMMIT_FILES || stagedBytes >= COMMIT_BYTES) {
            commit();
        }
    }

    /** Whether this node would set {@code e}'s owner on {@code local}: it runs as root and they differ. */
    private static boolean ownerDiffers(FileEntry local, FileEntry e) {
        return ROOT_USER && e.uid() >= 0 && (local.uid() != e.uid() || local.gid() != e.gid());
    }

    /** Whether {@code local} has {@code e}'s mode, mtime and (as far as this node sets it) owner. */
    private static boolean sameMetadata(FileEntry local, FileEntry e) {
        return !ownerDiffers(local, e) && local.mode() == e.mode() && local.mtimeNanos() == e.mtimeNanos();
    }

    /** The local copy has the source's content: only its mode, owner and mtime may need setting. */
    private void fixMetadata(String root, Applier.Place p, FileEntry local, FileEntry e) throws IOException {
        if (sameMetadata(local, e)) {
            record.put(root, local.path(), local, e.digest());
            return;
        }
        boolean owner = ownerDiffers(local, e);
        if (owner) {
            p.dir().chown(p.name(), e.uid(), e.gid());
        }
        if (local.mode() != e.mode() || owner) {
            p.dir().chmod(p.name(), e.mode());
        }
        if (local.mtimeNanos() != e.mtimeNanos()) {
            p.dir().mtime(p.name(), e.mtimeNanos());
        }
        FileEntry now = Applier.local(p, local.path());
        if (now == null) {
            return;
        }
        if (!now.sameIdentity(local)) {
            byte[] digest = cache.digest(root, local);
            List<byte[]> blocks = cache.blocks(root, local);
            if (digest != null) {
                // the same content under the metadata we just set (this node's own replica: nothing else writes it)
                cache.put(root, now, new Digests.Result(digest, blocks == null ? List.of() : blocks), HashCache.EXACT);
            }
        }
        record.put(root, local.path(), now, e.digest());
    }

    // ------------------------------------------------------------------ verification

    /** A verification round: compares one entry with the local copy (digests read now) and notes any difference. */
    private void compare(String root, FileEntry e) throws IOException, PathGuard.BadPathException {
        String where = root + ":" + PathGuard.display(e.path()) + ": ";
        Applier.Place p;
        try {
            p = fs.place(root, e.path(), false);
        } catch (PathGuard.ThroughNonDirectoryException | NoSuchFileException missing) {
            if (e.type() != EntryType.ENTRY_TYPE_ABSENT) {
                differences.add(where + "missing on the standby");
            }
            return;
        }
        try (p) {
            FileEntry local = Applier.local(p, e.path());
            if (local == null) {
                if (e.type() != EntryType.ENTRY_TYPE_ABSENT) {
                    differences.add(where + "missing on the standby");
                }
                return;
            }
            if (local.type() != e.type()) {
                differences.add(where + "a " + kind(e) + " on the active, a " + kind(local) + " on the standby");
                return;
            }
            List<String> what = new ArrayList<>();
            if (e.isSymlink() && !e.linkTarget().equals(local.linkTarget())) {
                what.add("link target " + PathGuard.show(e.linkTarget()) + " on the active, "
                        + PathGuard.show(local.linkTarget()) + " on the standby");
            }
            if (e.isFile() && e.digest() == null) {
                what.add("changed on the active while it was read (not compared)");
            } else if (e.isFile()) {
                byte[] mine = fs.digest(root, p, local, true);
                if (local.size() != e.size() || !Arrays.equals(mine, e.digest())) {
                    what.add("content differs (active " + e.size() + " B sha256-of-blocks "
                            + Digests.hex(e.digest()).substring(0, 16) + ", standby " + local.size() + " B "
                            + Digests.hex(mine).substring(0, 16) + ")");
                }
            }
            if (!e.isSymlink() && local.mode() != e.mode()) {
                what.add("mode " + Integer.toOctalString(e.mode()) + " on the active, "
                        + Integer.toOctalString(local.mode()) + " on the standby");
            }
            if (e.isFile() && local.mtimeNanos() != e.mtimeNanos()) {
                what.add("mtime " + java.time.Instant.ofEpochSecond(0, e.mtimeNanos()) + " on the active, "
                        + java.time.Instant.ofEpochSecond(0, local.mtimeNanos()) + " on the standby");
            }
            if (!what.isEmpty()) {
                differences.add(where + String.join("; ", what));
            }
        }
    }

    private static String kind(FileEntry e) {
        return switch (e.type()) {
            case ENTRY_TYPE_DIRECTORY -> "directory";
            case ENTRY_TYPE_SYMLINK -> "link";
            case ENTRY_TYPE_FILE -> "file";
            default -> "special file";
        };
    }

    // ------------------------------------------------------------------ transfers

    void onFileStart(FileStart s) throws Sink.ProtocolException {
        if (transfer != null) {
            throw new Sink.ProtocolException("FileStart " + s.getId() + " before FileEnd " + transfer.pending.id);
        }
        Pending p = wants.get(s.getId());
        if (p == null || resolved.contains(s.getId())) {
            throw new Sink.ProtocolException("FileStart for transfer " + s.getId() + ", which was not wanted or is "
                    + "done");
        }
        HopTrace.mark("sink.filestart");
        transfer = new Transfer(p, s);
        if (s.getSize() > limits.maxFileSize()) {
            fail(p, "file of " + s.getSize() + " bytes exceeds sync.max-file-size " + limits.maxFileSize());
            return;
        }
        if (s.getAllocated() > s.getSize()) {
            throw new Sink.ProtocolException("FileStart for " + p.rel + " with " + s.getAllocated()
                    + " bytes of data in a file of " + s.getSize());
        }
        try (Applier.Place place = fs.place(p.root, p.rel, true)) {
            long need = s.getAllocated() > 0 || s.getSize() == 0 ? s.getAllocated() : s.getSize();
            String full = noRoom(p.root, need, place);
            if (full != null) {
                fail(p, full);
                return;
            }
            transfer.temp = Applier.tempName();
            transfer.file = place.dir().create(transfer.temp);
            HopTrace.mark("sink.created");
            transfer.digest = new Digests.Builder(s.getSize());
            if (p.oldBlocks != null && transfer.digest.blockSize() == p.blockSize) {
                FileEntry now = Applier.local(place, p.rel);
                if (now == null || !now.sameIdentity(p.old)) {
                    throw new IOException("changed here while its new version was on its way (the next round "
                            + "retries)");
                }
                transfer.oldChannel = place.dir().openRead(place.name());
            } else {
                transfer.crc = new java.util.zip.CRC32C();
            }
        } catch (PathGuard.BadPathException bad) {
            transfer.discard();
            refuse(p.root, bad.getMessage());
        } catch (IOException io) {
            transfer.discard();
            error(p.root, p.rel, io);
        }
    }

    /** Handles one data frame (releases its buffer). */
    void onData(SyncFrames.Data d) throws Sink.ProtocolException {
        try {
            Transfer t = transfer;
            if (t == null || t.pending.id != d.id()) {
                throw new Sink.ProtocolException("data for transfer " + d.id() + ", which is not in progress");
            }
            int n = d.bytes().readableBytes();
            if (d.offset() != t.position || t.position + n > t.start.getSize()) {
                throw new Sink.ProtocolException("data at " + d.offset() + "+" + n + " for " + t.pending.rel
                        + " (expected offset " + t.position + ", size " + t.start.getSize() + ")");
            }
            long at = t.position;
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
                FileChannel ch = t.file.channel;
                if (ch.position() != at) {
                    ch.position(at); // after a hole
                }
                long left = n;
                while (left > 0) {
                    left -= ch.write(pieces); // one gathering write per frame, not one per record
                }
                if (t.position >= t.writebackAt) {
                    t.writebackAt = t.position + WRITEBACK_EVERY;
                    Durability.startWriteback(t.file.channel);
                }
            } catch (IOException io) {
                t.discard();
                error(t.pending.root, t.pending.rel, io);
            }
        } finally {
            d.bytes().release();
        }
    }

    void onHole(Hole h) throws Sink.ProtocolException {
        Transfer t = transfer;
        if (t == null || t.pending.id != h.getId()) {
            throw new Sink.ProtocolException("Hole for transfer " + h.getId() + ", which is not in progress");
        }
        if (h.getOffset() != t.position || h.getLength() <= 0 || h.getLength() > t.start.getSize() - t.position) {
            throw new Sink.ProtocolException("hole at " + h.getOffset() + "+" + h.getLength() + " for "
                    + t.pending.rel + " (expected offset " + t.position + ", size " + t.start.getSize() + ")");
        }
        t.position += h.getLength();
        if (!t.discarding && t.crc == null) {
            t.digest.zeros(h.getLength());
        }
    }

    void onReuse(Reuse r) throws Sink.ProtocolException {
        Transfer t = transfer;
        if (t == null || t.pending.id != r.getId()) {
            throw new Sink.ProtocolException("Reuse for transfer " + r.getId() + ", which is not in progress");
        }
        List<byte[]> old = t.pending.oldBlocks;
        long bs = t.pending.blockSize;
        if (t.crc != null || old == null || r.getCount() < 1 || (long) r.getFirst() + r.getCount() > old.size()
                || (long) r.getFirst() * bs != t.position) {
            throw new Sink.ProtocolException("Reuse of blocks " + r.getFirst() + "+" + r.getCount() + " for "
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
            throw new Sink.ProtocolException("Reuse of a block of " + lastOldLen + " bytes where the new file has "
                    + lastNewLen + " (" + t.pending.rel + ")");
        }
        t.position = end;
        if (t.discarding) {
            return;
        }
        try {
            FileChannel ch = t.file.channel;
            ch.position(from);
            long pos = from;
            while (pos < end) {
                long n = t.oldChannel.transferTo(pos, end - pos, ch);
                if (n <= 0) {
                    throw new IOException("the old copy of " + t.pending.rel + " ended at " + pos);
                }
                pos += n;
                ch.position(pos);
            }
            for (int i = 0; i < r.getCount(); i++) {
                t.digest.reuse(old.get(r.getFirst() + i));
            }
        } catch (IOException io) {
            t.discard();
            error(t.pending.root, t.pending.rel, io);
        }
    }

    void onFileEnd(FileEnd e) throws Sink.ProtocolException {
        Transfer t = transfer;
        if (t == null || t.pending.id != e.getId()) {
            throw new Sink.ProtocolException("FileEnd for transfer " + e.getId() + ", which is not in progress");
        }
        HopTrace.mark("sink.fileend");
        transfer = null;
        resolved.add(t.pending.id);
        LOG.debug("file end {} ({} bytes)", t.pending.rel, t.position);
        if (e.getSkipped()) {
            t.discard();
            String what = t.pending.root + ":" + PathGuard.display(t.pending.rel) + " (" + e.getReason() + ")";
            if (e.getFailed()) {
                errors.add(t.pending.root + ":" + PathGuard.display(t.pending.rel) + ": " + e.getReason());
            } else {
                pending.add(what);
                LOG.debug("{} skipped by the source: pending", what);
            }
            maybeFinish();
            return;
        }
        if (t.position != t.start.getSize()) {
            t.discard();
            throw new Sink.ProtocolException("FileEnd for " + t.pending.rel + " after " + t.position + " of "
                    + t.start.getSize() + " bytes");
        }
        if (!t.discarding) {
            try {
                Digests.Result r = t.crc != null ? received(t, e) : t.digest.finish();
                if (r == null || !Arrays.equals(r.digestNoCopy(), e.getDigest().toByteArray())) {
                    t.discard();
                    errors.add("digest mismatch for " + t.pending.root + ":" + PathGuard.display(t.pending.rel)
                            + ": received " + (r == null ? "other bytes (CRC32C " + Long.toHexString(t.crc.getValue())
                            + ", the source sent " + Integer.toHexString(e.getCrc32C()) + ", or block digests that do "
                            + "not make its digest)" : Digests.hex(r.digestNoCopy())) + ", the source sent digest "
                            + Digests.hex(e.getDigest().toByteArray()) + " (nothing written)");
                } else {
                    FileStart s = t.start;
                    t.file.truncate(s.getSize()); // a hole at the end has no data frame to make the file that long
                    t.file.metadata(s.getMode(), ROOT_USER ? s.getUid() : -1, s.getGid(), s.getMtimeNanos());
                    long inode = t.file.inode();
                    t.closeQuietly();
                    HopTrace.mark("sink.checked");
                    stage(new Staged(t.pending.root, t.pending.rel, t.temp, inode, t.pending.entry, r,
                            t.pending.base, false), s.getAllocated());
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

    private void fail(Pending p, String why) {
        transfer.discard();
        errors.add(p.root + ":" + PathGuard.display(p.rel) + ": " + why);
    }

    // ------------------------------------------------------------------ commit

    /** Makes the staged files durable, then renames each into place (keeping a conflict copy where needed). */
    private void commit() {
        if (staged.isEmpty()) {
            return;
        }
        Map<String, List<Staged>> byRoot = new LinkedHashMap<>();
        staged.forEach(s -> byRoot.computeIfAbsent(s.root, k -> new ArrayList<>()).add(s));
        List<Staged> ready = new ArrayList<>();
        for (Map.Entry<String, List<Staged>> r : byRoot.entrySet()) {
            ready.addAll(durable(r.getKey(), r.getValue()));
        }
        HopTrace.mark("sink.fsynced");
        Map<String, Applier.Place> dirs = new LinkedHashMap<>();
        try {
            for (Staged s : ready) {
                try {
                    rename(s, dirs);
                } catch (PathGuard.BadPathException bad) {
                    removeTemp(s.root, s.rel, s.temp);
                    refuse(s.root, bad.getMessage());
                } catch (IOException io) {
                    removeTemp(s.root, s.rel, s.temp);
                    error(s.root, s.rel, io);
                }
            }
            fsyncDirectories(dirs);
            HopTrace.mark("sink.dirsynced");
        } finally {
            dirs.values().forEach(Applier.Place::close);
        }
        staged.clear();
        stagedBytes = 0;
    }

    /**
     * Makes the files of one root durable: one syncfs of the root's file system for many files, an fsync each for a
     * few (or when syncfs is not available; a file fsynced when it was written is not fsynced again). Returns those
     * that are; the others are reported and their temp files removed (nothing of them is renamed).
     */
    private List<Staged> durable(String root, List<Staged> files) {
        if (files.size() > Durability.PER_FILE_UP_TO && Durability.syncfs(roots.get(root))) {
            return files;
        }
        List<Staged> ready = new ArrayList<>();
        for (Staged s : files) {
            if (s.synced) {
                ready.add(s);
                continue;
            }
            try (Applier.Place p = fs.place(root, s.rel, false)) {
                Durability.fsync(p.dir(), s.temp);
                ready.add(s);
            } catch (PathGuard.BadPathException bad) {
                removeTemp(s.root, s.rel, s.temp);
                refuse(root, bad.getMessage() + " (not renamed into place)");
            } catch (IOException io) {
                removeTemp(s.root, s.rel, s.temp);
                errors.add("making " + root + ":" + PathGuard.display(s.rel) + " durable: " + Sink.describe(io)
                        + " (not renamed into place)");
            }
        }
        return ready;
    }

    private void rename(Staged s, Map<String, Applier.Place> dirs) throws IOException, PathGuard.BadPathException {
        Applier.Place p = fs.place(s.root, s.rel, false);
        int slash = s.rel.lastIndexOf('/');
        String dirKey = s.root + '\0' + (slash < 0 ? "" : s.rel.substring(0, slash));
        try {
            Posix.Stat temp = p.dir().statOrNull(s.temp);
            if (temp == null || !temp.isFile() || temp.inode() != s.tempInode) {
                throw new IOException("the temp file of " + PathGuard.show(s.rel) + " was removed or replaced "
                        + "here before it could be renamed into place (nothing renamed; the next round retries)");
            }
            FileEntry local = Applier.local(p, s.rel);
            if (local != null) {
                fs.preserveOrDelete(s.root, p, local, s.result.digestNoCopy(), s.base);
            }
            p.dir().rename(s.temp, p.dir(), p.name());
            HopTrace.mark("sink.renamed");
            FileEntry now = Applier.local(p, s.rel);
            if (now != null) {
                cache.put(s.root, now, s.result, HashCache.EXACT); // what we wrote, checked against the digest
                record.put(s.root, s.rel, now, s.result.digestNoCopy());
            }
            files++;
            bytes += s.entry.size();
        } finally {
            Applier.Place kept = dirs.putIfAbsent(dirKey, p);
            if (kept != null) {
                p.close();
            } else if (dirs.size() >= 256) {
                fsyncDirectories(dirs); // bounded: at most this many directories held open
            }
        }
    }

    private void fsyncDirectories(Map<String, Applier.Place> dirs) {
        for (Applier.Place d : dirs.values()) {
            try {
                d.dir().fsync();
            } catch (IOException io) {
                errors.add("fsync of directory " + d.dir().shown() + ": " + Sink.describe(io));
            } finally {
                d.close();
            }
        }
        dirs.clear();
    }

    private void removeTemp(String root, String rel, String temp) {
        try (Applier.Place p = fs.place(root, rel, false)) {
            p.dir().unlink(temp);
        } catch (NoSuchFileException | PathGuard.BadPathException gone) {
            // nothing of ours left there (an ancestor swapped for a link is never followed)
        } catch (IOException e) {
            LOG.warn("could not delete temp file {} of {}:{}: {}", temp, root, PathGuard.display(rel),
                    e.getMessage());
        }
    }

    // ------------------------------------------------------------------ end of the round

    private void maybeFinish() {
        if (!manifestDone || transfer != null || resolved.size() < expectedWants) {
            return;
        }
        commit();
        List<DirMeta> metas = new ArrayList<>(dirMeta.values());
        metas.sort(Comparator.comparingInt((DirMeta d) -> d.rel.split("/").length).reversed());
        for (DirMeta d : metas) {
            try {
                FileEntry local = fs.local(d.root, d.rel);
                if (local != null && local.isDirectory()) {
                    fs.metadata(d.root, d.rel, false, d.mode, ROOT_USER ? d.uid : -1, d.gid, d.mtimeNanos);
                }
            } catch (PathGuard.BadPathException bad) {
                errors.add("directory " + d.root + ":" + PathGuard.display(d.rel) + ": " + bad.getMessage()
                        + " (metadata not set)");
            } catch (IOException io) {
                errors.add("directory " + d.root + ":" + PathGuard.display(d.rel) + ": " + Sink.describe(io));
            }
        }
        fs.close();
        // the record is saved after the RoundDone is on its way (Sink): it speeds up reads and conflict checks and
        // may lag behind the files (a lost or stale record only makes more reads and conflict copies, never fewer)
        RoundDone.Builder report = RoundDone.newBuilder().setRound(round).setFull(!fullRoots.isEmpty())
                .setFiles(files).setBytes(bytes).setDeleted(deleted).addAllErrors(cap(errors))
                .addAllConflicts(cap(conflicts)).addAllRefused(cap(refused)).addAllPending(cap(pending))
                .addAllDifferences(cap(differences));
        if (!errors.isEmpty() || !conflicts.isEmpty() || !refused.isEmpty()) {
            LOG.warn("sync round {}: {} files, {} errors, {} conflicts, {} refused; first: {}", round, files,
                    errors.size(), conflicts.size(), refused.size(), !errors.isEmpty() ? errors.get(0)
                            : !conflicts.isEmpty() ? conflicts.get(0) : refused.get(0));
        }
        done.accept(SyncMessage.newBuilder().setRoundDone(report).build());
    }

    private static List<String> cap(List<String> l) {
        if (l.size() <= 100) {
            return l;
        }
        List<String> c = new ArrayList<>(l.subList(0, 100));
        c.add("... and " + (l.size() - 100) + " more");
        return c;
    }

    /** The connection is gone mid-round: removes the round's temp files; what was renamed stays. */
    void abort() {
        if (transfer != null) {
            transfer.discard();
            transfer = null;
        }
        staged.forEach(s -> removeTemp(s.root, s.rel, s.temp));
        staged.clear();
        fs.close();
    }

    // ------------------------------------------------------------------ helpers

    private void refuse(String root, String why) {
        refused.add(root + ": " + why);
        LOG.warn("refused from the source: {}: {}", root, why);
    }

    private void error(String root, String rel, IOException io) {
        errors.add(root + ":" + PathGuard.display(rel) + ": " + Sink.describe(io));
    }
}
