package io.hakit.sync.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * What this node knows it shares with its peer: for each synchronized file, the size and mtime it had when both sides
 * last agreed on it, and the highest source epoch seen. A local file that differs from its record was changed here
 * since (for example while this node was active during a split brain): it is kept as a conflict copy instead of
 * being overwritten or deleted. Persisted atomically in the state directory; a lost or stale record only makes more
 * conflict copies, never fewer. Thread-safe.
 */
public final class SyncRecord {

    private static final int MAGIC = 0x48534e52; // "HSNR"
    private static final int VERSION = 1;

    private record Seen(long size, long mtimeNanos) {
    }

    private final Path file;
    private final Map<String, Seen> seen = new HashMap<>();
    private long highestEpoch;
    private boolean dirty;
    private final Object saveLock = new Object();

    private SyncRecord(Path file) {
        this.file = file;
    }

    /** Loads the record (an empty one when the file does not exist). A corrupt file is an error naming it. */
    public static SyncRecord load(Path file) throws IOException {
        SyncRecord r = new SyncRecord(file);
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw new IOException(file + " is not a sync record of version " + VERSION);
            }
            r.highestEpoch = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > 50_000_000) {
                throw new IOException(file + " is corrupt (" + n + " entries)");
            }
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                r.seen.put(key, new Seen(in.readLong(), in.readLong()));
            }
        } catch (NoSuchFileException e) {
            return r;
        } catch (java.io.EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
        return r;
    }

    private static String key(String root, String path) {
        return root + '\0' + path;
    }

    /** Whether the local file (size, mtime) is exactly what this node last shared with its peer. */
    public synchronized boolean matches(String root, String path, long size, long mtimeNanos) {
        Seen s = seen.get(key(root, path));
        return s != null && s.size == size && s.mtimeNanos == mtimeNanos;
    }

    public synchronized void put(String root, String path, long size, long mtimeNanos) {
        Seen old = seen.put(key(root, path), new Seen(size, mtimeNanos));
        dirty |= old == null || old.size != size || old.mtimeNanos != mtimeNanos;
    }

    public synchronized void remove(String root, String path) {
        dirty |= seen.remove(key(root, path)) != null;
    }

    public synchronized long highestEpoch() {
        return highestEpoch;
    }

    /** Raises the highest epoch seen; returns false (and changes nothing) when {@code epoch} is lower. */
    public synchronized boolean admitEpoch(long epoch) {
        if (epoch < highestEpoch) {
            return false;
        }
        dirty |= epoch > highestEpoch;
        highestEpoch = epoch;
        return true;
    }

    /** Writes the record if it changed: temp file, fsync, rename, fsync of the directory. */
    public void save() throws IOException {
        synchronized (saveLock) { // one writer of the file at a time, each with the newest state
            saveLocked();
        }
    }

    private void saveLocked() throws IOException {
        Map<String, Seen> copy;
        long epoch;
        synchronized (this) {
            if (!dirty) {
                return;
            }
            copy = new HashMap<>(seen);
            epoch = highestEpoch;
            dirty = false;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream raw = Files.newOutputStream(tmp);
                 DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(raw, 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(epoch);
                out.writeInt(copy.size());
                for (Map.Entry<String, Seen> e : copy.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeLong(e.getValue().size);
                    out.writeLong(e.getValue().mtimeNanos);
                }
            }
            Durability.fsync(tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durability.fsyncDirectory(file.getParent());
        } catch (IOException e) {
            synchronized (this) {
                dirty = true;
            }
            throw e;
        }
    }
}
