package io.hakit.sync.internal;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Digests of files keyed by path and valid while the file's identity stays the same: its size, mtime, inode and
 * ctime. Any write, truncate, chmod, chown, rename or {@code touch} changes the ctime (only the kernel sets it), and a
 * file renamed over another, a hard link replaced or a file re-created has another inode, so an unchanged tree is
 * never read again and a changed file always is, even when its size and mtime are what they were. Block digests are
 * kept for files of more than one block, up to a memory budget. The digests of the files both sides agreed on
 * survive a restart in the {@link SyncRecord} ({@link #seed}). Thread-safe.
 *
 * <p>Racy files (as git calls them): file systems stamp times with a coarse clock (ticks of a few milliseconds), so
 * a write just after a file was read can leave its size, mtime and ctime as they were. A digest is therefore trusted
 * only for a file whose ctime lies more than {@link #RACY_NANOS} before the read began; a file changed more recently
 * is digested again when a round needs its digest.
 */
public final class HashCache {

    private record Key(long size, long mtimeNanos, long inode, long ctimeNanos) {
    }

    private record Cached(Key key, byte[] digest, List<byte[]> blocks, long readStart) {
        boolean valid(FileEntry e) {
            return key.equals(HashCache.key(e)) && !racy(e.ctimeNanos(), readStart);
        }
    }

    /** How long before a read a file's ctime must lie for the read's digest to hold while its identity stays. */
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

    /**
     * Whether this file, as it is now, was digested while its ctime was too recent to trust the digest (racy then):
     * reading it again now gives a digest that holds.
     */
    public boolean racyThen(String root, FileEntry e) {
        Cached c = map.get(root + '\0' + e.path());
        return c != null && c.key.equals(key(e)) && racy(e.ctimeNanos(), c.readStart);
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
     * Whether content read from {@code readStart} on may differ from a file's content with the same identity: its
     * ctime is not safely before the read.
     */
    public static boolean racy(long ctimeNanos, long readStart) {
        return readStart != EXACT && ctimeNanos > readStart - RACY_NANOS;
    }

    private static Key key(FileEntry e) {
        return new Key(e.size(), e.mtimeNanos(), e.inode(), e.ctimeNanos());
    }

    /**
     * Seeds the cache with the digests of the files {@code record} says both sides agreed on, each valid for the
     * identity recorded with it (so a restarted node reads only what changed while it was down).
     */
    public void seed(SyncRecord record) {
        record.forEach((key, a) -> {
            if (a.inode() != 0 && a.digest() != null) {
                map.putIfAbsent(key[0] + '\0' + key[1], new Cached(new Key(a.size(), a.mtimeNanos(), a.inode(),
                        a.ctimeNanos()), a.digest(), null, EXACT));
            }
        });
    }
}
