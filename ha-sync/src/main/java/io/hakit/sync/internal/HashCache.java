package io.hakit.sync.internal;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Digests of files keyed by path and valid while the file's size, mtime and inode stay the same, so that an unchanged
 * tree is never read again. Block digests are kept for files of more than one block, up to a memory budget. In
 * memory only: a restarted node digests again what it needs. Thread-safe.
 */
public final class HashCache {

    private record Key(long size, long mtimeNanos, long inode) {
    }

    private record Cached(Key key, byte[] digest, List<byte[]> blocks) {
    }

    private final ConcurrentHashMap<String, Cached> map = new ConcurrentHashMap<>();
    private final long blockBudget;
    private long blockBytes;

    /** @param blockBudgetBytes how many bytes of block digests to keep at most (whole-file digests are always kept) */
    public HashCache(long blockBudgetBytes) {
        this.blockBudget = blockBudgetBytes;
    }

    /** The cached digest of this file, or null when it changed or was never digested. */
    public byte[] digest(String root, FileEntry e) {
        Cached c = map.get(root + '\0' + e.path());
        return c != null && c.key.equals(key(e)) ? c.digest : null;
    }

    /** The cached block digests of this file, or null. */
    public List<byte[]> blocks(String root, FileEntry e) {
        Cached c = map.get(root + '\0' + e.path());
        return c != null && c.key.equals(key(e)) ? c.blocks : null;
    }

    public void put(String root, FileEntry e, Digests.Result r) {
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
        Cached old = map.put(root + '\0' + e.path(), new Cached(key(e), r.digestNoCopy(), blocks));
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

    public int size() {
        return map.size();
    }

    private static Key key(FileEntry e) {
        return new Key(e.size(), e.mtimeNanos(), e.inode());
    }
}
