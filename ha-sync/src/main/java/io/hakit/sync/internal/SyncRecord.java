package io.hakit.sync.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;

/**
 * What this node knows it shares with its peer, kept across restarts: for each synchronized file, the content both
 * sides had when they last agreed on it (size, mtime, digest) and the identity of this node's copy then (inode and
 * ctime, which every write, chmod, rename or {@code touch} changes); the highest source epoch seen; the conflict
 * copies made here that the operator has not resolved yet.
 *
 * <p>A local file whose identity still matches its record is unchanged since the agreement, and its digest is known
 * without reading it; one whose identity differs is read, and if its digest differs too it was changed here since
 * (for example while this node was active during a split brain): it is kept as a conflict copy instead of being
 * overwritten or deleted. A lost or stale record only makes more reads and more conflict copies, never fewer.
 *
 * <p>Durability: {@link #save} appends what changed since the last save to a log next to the snapshot
 * ({@code <file>.log}, one CRC-checked record per change, fsynced), so that a round costs what it changed, not the
 * size of the tree; when the log outgrows the snapshot, a new snapshot is written (temp file, fsync, rename, fsync of
 * the directory) and the log emptied. A torn last log record (a crash while appending) is dropped at load.
 * Thread-safe.
 */
public final class SyncRecord {

    private static final int MAGIC = 0x48534e52; // "HSNR"
    private static final int VERSION = 2;
    private static final byte PUT = 1;
    private static final byte REMOVE = 2;
    private static final byte EPOCH = 3;
    private static final byte CONFLICT_ADD = 4;
    private static final byte CONFLICT_REMOVE = 5;
    private static final long MIN_COMPACT_BYTES = 4L << 20;
    private static final int LOG_MAGIC = 0x48534e4c; // "HSNL"

    /**
     * One file as both sides last agreed on it, and this node's copy's identity then ({@code inode} 0: unknown, as
     * in a record written by version 1).
     */
    public record Agreed(long size, long mtimeNanos, long inode, long ctimeNanos, byte[] digest) {

        /** Whether {@code local} is the very copy recorded: same size, mtime, inode and ctime. */
        public boolean sameIdentity(FileEntry local) {
            return inode != 0 && local.size() == size && local.mtimeNanos() == mtimeNanos
                    && local.inode() == inode && local.ctimeNanos() == ctimeNanos;
        }
    }

    private final Path file;
    private final Path log;
    private final Map<String, Agreed> seen = new HashMap<>();
    private final Set<String> conflicts = new LinkedHashSet<>();
    private long highestEpoch;
    private final Map<String, Agreed> changed = new LinkedHashMap<>(); // null value: removed
    private final Map<String, Boolean> conflictChanges = new LinkedHashMap<>();
    private boolean epochChanged;
    private long logBytes;
    private long snapshotBytes;
    /** Which snapshot the log applies to: a log left from before the newest snapshot is ignored at load. */
    private long generation;
    private boolean needSnapshot;
    private final Object saveLock = new Object();

    private SyncRecord(Path file) {
        this.file = file;
        this.log = file.resolveSibling(file.getFileName() + ".log");
    }

    /** Loads the record (an empty one when no file exists). A corrupt snapshot is an error naming it. */
    public static SyncRecord load(Path file) throws IOException {
        SyncRecord r = new SyncRecord(file);
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a sync record");
            }
            int version = in.readInt();
            if (version != 1 && version != VERSION) {
                throw new IOException(file + " is a sync record of version " + version + "; this node reads 1 and "
                        + VERSION);
            }
            r.highestEpoch = in.readLong();
            if (version == VERSION) {
                r.generation = in.readLong();
            }
            int n = in.readInt();
            if (n < 0 || n > 50_000_000) {
                throw new IOException(file + " is corrupt (" + n + " entries)");
            }
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                r.seen.put(key, version == 1 ? new Agreed(in.readLong(), in.readLong(), 0, 0, null) : readAgreed(in));
            }
            if (version == VERSION) {
                int c = in.readInt();
                if (c < 0 || c > 1_000_000) {
                    throw new IOException(file + " is corrupt (" + c + " conflict copies)");
                }
                for (int i = 0; i < c; i++) {
                    r.conflicts.add(in.readUTF());
                }
            }
            r.snapshotBytes = Files.size(file);
        } catch (NoSuchFileException e) {
            // a new node
        } catch (EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
        r.replayLog();
        return r;
    }

    private static Agreed readAgreed(DataInputStream in) throws IOException {
        long size = in.readLong();
        long mtime = in.readLong();
        long inode = in.readLong();
        long ctime = in.readLong();
        int d = in.readUnsignedByte();
        byte[] digest = null;
        if (d > 0) {
            digest = new byte[d];
            in.readFully(digest);
        }
        return new Agreed(size, mtime, inode, ctime, digest);
    }

    private static void writeAgreed(DataOutputStream out, Agreed a) throws IOException {
        out.writeLong(a.size);
        out.writeLong(a.mtimeNanos);
        out.writeLong(a.inode);
        out.writeLong(a.ctimeNanos);
        out.writeByte(a.digest == null ? 0 : a.digest.length);
        if (a.digest != null) {
            out.write(a.digest);
        }
    }

    /** Applies the log's records in order; a torn or corrupt tail (a crash while appending) is cut off. */
    private void replayLog() throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(log);
        } catch (NoSuchFileException e) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(all);
        if (all.length < 12 || b.getInt() != LOG_MAGIC || b.getLong() != generation) {
            Files.delete(log); // torn at its creation, or older than the snapshot (a crash before it was removed)
            return;
        }
        long good = b.position();
        while (b.remaining() >= 8) {
            int len = b.getInt(b.position());
            if (len <= 0 || len > b.remaining() - 8) {
                break;
            }
            byte[] body = new byte[len];
            b.position(b.position() + 4);
            b.get(body);
            CRC32C crc = new CRC32C();
            crc.update(body);
            if ((int) crc.getValue() != b.getInt()) {
                break;
            }
            apply(new DataInputStream(new java.io.ByteArrayInputStream(body)));
            good = b.position();
        }
        if (good < all.length) {
            try (FileChannel c = FileChannel.open(log, StandardOpenOption.WRITE)) {
                c.truncate(good);
                c.force(true);
            }
        }
        logBytes = good;
    }

    private void apply(DataInputStream in) throws IOException {
        byte op = in.readByte();
        switch (op) {
            case PUT -> {
                String key = in.readUTF();
                seen.put(key, readAgreed(in));
            }
            case REMOVE -> seen.remove(in.readUTF());
            case EPOCH -> highestEpoch = Math.max(highestEpoch, in.readLong());
            case CONFLICT_ADD -> conflicts.add(in.readUTF());
            case CONFLICT_REMOVE -> conflicts.remove(in.readUTF());
            default -> throw new IOException(log + " has a record of unknown kind " + op);
        }
    }

    private static String key(String root, String path) {
        return root + '\0' + path;
    }

    /** What both sides last agreed on for this file, or null. */
    public synchronized Agreed get(String root, String path) {
        return seen.get(key(root, path));
    }

    /** Records that both sides now hold {@code digest} at {@code path}, this node's copy being {@code local}. */
    public synchronized void put(String root, String path, FileEntry local, byte[] digest) {
        Agreed a = new Agreed(local.size(), local.mtimeNanos(), local.inode(), local.ctimeNanos(), digest);
        Agreed old = seen.put(key(root, path), a);
        if (old == null || !old.equals(a) && !(old.sameIdentity(local) && java.util.Arrays.equals(old.digest,
                digest))) {
            changed.put(key(root, path), a);
        }
    }

    public synchronized void remove(String root, String path) {
        if (seen.remove(key(root, path)) != null) {
            changed.put(key(root, path), null);
        }
    }

    /** Every recorded file: (root, path) and what was agreed (for seeding a digest cache). */
    public synchronized void forEach(BiConsumer<String[], Agreed> each) {
        seen.forEach((k, a) -> {
            int z = k.indexOf('\0');
            each.accept(new String[] {k.substring(0, z), k.substring(z + 1)}, a);
        });
    }

    public synchronized int size() {
        return seen.size();
    }

    public synchronized long highestEpoch() {
        return highestEpoch;
    }

    /** Raises the highest epoch seen; returns false (and changes nothing) when {@code epoch} is lower. */
    public synchronized boolean admitEpoch(long epoch) {
        if (epoch < highestEpoch) {
            return false;
        }
        epochChanged |= epoch > highestEpoch;
        highestEpoch = epoch;
        return true;
    }

    /** The conflict copies made on this node and not yet seen resolved ({@code root:path} each). */
    public synchronized List<String> conflicts() {
        return List.copyOf(conflicts);
    }

    public synchronized void addConflict(String copy) {
        if (conflicts.add(copy)) {
            conflictChanges.put(copy, true);
        }
    }

    public synchronized void removeConflict(String copy) {
        if (conflicts.remove(copy)) {
            conflictChanges.put(copy, false);
        }
    }

    /** Makes what changed durable: appended to the log, or a new snapshot when the log has grown large. */
    public void save() throws IOException {
        synchronized (saveLock) { // one writer of the files at a time, each with the newest state
            saveLocked();
        }
    }

    private void saveLocked() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Agreed> puts;
        Map<String, Boolean> conflictOps;
        boolean epoch;
        long epochValue;
        boolean compact;
        synchronized (this) {
            if (changed.isEmpty() && conflictChanges.isEmpty() && !epochChanged && !needSnapshot) {
                return;
            }
            puts = new LinkedHashMap<>(changed);
            conflictOps = new LinkedHashMap<>(conflictChanges);
            epoch = epochChanged;
            epochValue = highestEpoch;
            changed.clear();
            conflictChanges.clear();
            epochChanged = false;
            compact = needSnapshot || logBytes > Math.max(MIN_COMPACT_BYTES, snapshotBytes);
        }
        if (compact || !Files.exists(file)) {
            snapshot();
            return;
        }
        try {
            DataOutputStream out = new DataOutputStream(bytes);
            boolean created = !Files.exists(log);
            if (created) {
                out.writeInt(LOG_MAGIC);
                out.writeLong(generation);
            }
            if (epoch) {
                record(out, o -> {
                    o.writeByte(EPOCH);
                    o.writeLong(epochValue);
                });
            }
            for (Map.Entry<String, Agreed> e : puts.entrySet()) {
                record(out, o -> {
                    if (e.getValue() == null) {
                        o.writeByte(REMOVE);
                        o.writeUTF(e.getKey());
                    } else {
                        o.writeByte(PUT);
                        o.writeUTF(e.getKey());
                        writeAgreed(o, e.getValue());
                    }
                });
            }
            for (Map.Entry<String, Boolean> e : conflictOps.entrySet()) {
                record(out, o -> {
                    o.writeByte(e.getValue() ? CONFLICT_ADD : CONFLICT_REMOVE);
                    o.writeUTF(e.getKey());
                });
            }
            try (FileChannel c = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray());
                while (b.hasRemaining()) {
                    c.write(b);
                }
                c.force(false);
            }
            if (created) {
                Durability.fsyncDirectory(file.getParent());
            }
            synchronized (this) {
                logBytes += bytes.size();
            }
        } catch (IOException e) {
            synchronized (this) { // the log may end in a torn record now: the next save writes a whole snapshot
                needSnapshot = true;
            }
            throw e;
        }
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static void record(DataOutputStream out, Body body) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        body.write(new DataOutputStream(b));
        byte[] bytes = b.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.writeInt((int) crc.getValue());
    }

    /** Writes the whole record as a new snapshot and empties the log. Called with saveLock held. */
    private void snapshot() throws IOException {
        Map<String, Agreed> copy;
        List<String> copies;
        long epoch;
        long next;
        synchronized (this) {
            copy = new HashMap<>(seen);
            copies = new ArrayList<>(conflicts);
            epoch = highestEpoch;
            next = generation + 1;
            changed.clear();
            conflictChanges.clear();
            epochChanged = false;
            needSnapshot = false;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream raw = Files.newOutputStream(tmp);
                 DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(raw, 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(epoch);
                out.writeLong(next);
                out.writeInt(copy.size());
                for (Map.Entry<String, Agreed> e : copy.entrySet()) {
                    out.writeUTF(e.getKey());
                    writeAgreed(out, e.getValue());
                }
                out.writeInt(copies.size());
                for (String c : copies) {
                    out.writeUTF(c);
                }
            }
            Durability.fsync(tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durability.fsyncDirectory(file.getParent());
            // the snapshot holds everything the log did: empty it (a crash before this replays it harmlessly)
            synchronized (this) {
                generation = next;
                logBytes = 0;
                snapshotBytes = Files.size(file);
            }
            // the snapshot holds everything the log did; a log that survives a crash here is of the older
            // generation and ignored at load
            Files.deleteIfExists(log);
        } catch (IOException e) {
            synchronized (this) { // the snapshot did not happen: the next save writes one
                needSnapshot = true;
            }
            throw e;
        }
    }

    /** For tests: the log's size in bytes. */
    synchronized long logBytes() {
        return logBytes;
    }

    /** An unmodifiable view of the conflict copies, for status. */
    synchronized Set<String> conflictSet() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(conflicts));
    }
}
