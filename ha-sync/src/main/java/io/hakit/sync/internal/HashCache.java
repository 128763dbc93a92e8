package io.hakit.sync.internal;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Digests of files keyed by path and valid while the file's size, mtime and inode stay the same, so that an unchanged
 * tree is never read again. Block digests are kept for files of more than one block, up to a memory budget. In
 * memory only: a restarted node digests again what it needs. Thread-safe.
 *
 * <p>Racy files (as git calls them): file systems stamp mtimes with a coarse clock (ticks of a few milliseconds, a
 * second or two on some), so a write just after a file was read can leave its size and mtime as they were. A digest
 * is therefore trusted only for a file whose mtime lies more than {@link #RACY_NANOS} before the read began; a file
 * modified more recently is digested again when a round needs its digest.
 */
public final class HashCache {

    private record Key(long size, long mtimeNanos, long inode) {
    }

    private record Cached(Key key, byte[] digest, List<byte[]> blocks, long readStart) {
        boolean valid(FileEntry e) {
            return key.equals(HashCache.key(e)) && !racy(e.mtimeNanos(), readStart);
        }
    }

    /** How long before a read a file's mtime must lie for the read's digest to hold while size and mtime stay. */
    public static final long RACY_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Read start of a digest of content known to stay (the sink's own writes: nothing else writes them). */
    public static final long EXACT = Long.MAX_VALUE;

    private final ConcurrentHashMap<String, Cached> map = new ConcurrentHashMap<>();
    private final long blockBudget;
    private long blockBytes;

    /** @param blockBudgetBytes how many bytes of block digests to keep at most (whole-file digests are always kept) */
    public HashCache(long blockBudgetBytes) {
        this.blockBudget = blockBudgetBytes;
    }

    /** The cached digest of this file, or null when it changed, was never digested or is racy. */
    public byte[] digest(String root, FileEntry e) {
        Cached c = map.get(root + '\0' + e.path());
        return c != null && c.valid(e) ? c.digest : null;
    }

    /** The cached block digests of this file, or null. */
    public List<byte[]> blocks(String root, FileEntry e) {
        Cached c = map.get(root + '\0' + e.path());
        return c != null && c.valid(e) ? c.blocks : null;
    }

    /**
     * Caches the digest of {@code e} (as stat'ed before the read).
     *
     * @param readStart the wall-clock time ({@link #now()}) at which reading began, or {@link #EXACT}
     */
    public void put(String root, FileEntry e, Digests.Result r, long readStart) {
        List<byte[]> blocks = null;
        if (r.blocks().size() > 1) {
            long need = (long) r.blocks().size() * Digests.LENGTH;
            synchronized (this) {
                if (blockBytes + need <= blockBudget) {
                    blockBytes += need;
                    blocks = r.blocks();
                }
            }
        }
        Cached old = map.put(root + '\0' + e.path(), new Cached(key(e), r.digestNoCopy(), blocks, readStart));
        release(old);
    }

    public void remove(String root, String path) {
        release(map.remove(root + '\0' + path));
    }

    private void release(Cached old) {
        if (old != null && old.blocks != null) {
            synchronized (this) {
                blockBytes -= (long) old.blocks.size() * Digests.LENGTH;
            }
        }
    }


    /** The wall-clock time in nanoseconds since the epoch, as file mtimes are given. */
    public static long now() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /**
     * Whether content read from {@code readStart} on may differ from a file's content with the same size and mtime:
     * the mtime is not safely before the read (a mtime in the future always is racy).
     */
    public static boolean racy(long mtimeNanos, long readStart) {
        return readStart != EXACT && mtimeNanos > readStart - RACY_NANOS;
    }

    private static Key key(FileEntry e) {
        return new Key(e.size(), e.mtimeNanos(), e.inode());
    }
}
