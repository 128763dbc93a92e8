package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.EntryType;
import com.google.protobuf.ByteString;

import java.util.Arrays;

/**
 * One path of a synchronized root: what a scan saw, or what the source announced. Immutable.
 *
 * @param digest content digest ({@link Digests}) or null when not known
 * @param inode  the local inode (0 for an entry from the peer)
 */
public record FileEntry(String path, EntryType type, long size, long mtimeNanos, int mode, byte[] digest,
                        String linkTarget, int uid, int gid, long inode) {

    public boolean isFile() {
        return type == EntryType.ENTRY_TYPE_FILE;
    }

    public boolean isDirectory() {
        return type == EntryType.ENTRY_TYPE_DIRECTORY;
    }

    public boolean isSymlink() {
        return type == EntryType.ENTRY_TYPE_SYMLINK;
    }

    public FileEntry withDigest(byte[] d) {
        return new FileEntry(path, type, size, mtimeNanos, mode, d, linkTarget, uid, gid, inode);
    }

    /** Same content as far as size, mtime and (when both sides know it) the digest tell. */
    public boolean sameContent(FileEntry other) {
        if (type != other.type || size != other.size) {
            return false;
        }
        if (digest != null && other.digest != null) {
            return Arrays.equals(digest, other.digest);
        }
        return mtimeNanos == other.mtimeNanos;
    }

    public static FileEntry absent(String path) {
        return new FileEntry(path, EntryType.ENTRY_TYPE_ABSENT, 0, 0, 0, null, "", -1, -1, 0);
    }

    public Entry toWire() {
        Entry.Builder b = Entry.newBuilder().setPath(path).setType(type).setSize(size).setMtimeNanos(mtimeNanos)
                .setMode(mode).setUid(uid).setGid(gid);
        if (digest != null) {
            b.setDigest(ByteString.copyFrom(digest));
        }
        if (linkTarget != null && !linkTarget.isEmpty()) {
            b.setLinkTarget(linkTarget);
        }
        return b.build();
    }

    public static FileEntry fromWire(Entry e) {
        byte[] d = e.getDigest().isEmpty() ? null : e.getDigest().toByteArray();
        return new FileEntry(e.getPath(), e.getType(), e.getSize(), e.getMtimeNanos(), e.getMode(), d,
                e.getLinkTarget(), e.getUid(), e.getGid(), 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileEntry f && path.equals(f.path) && type == f.type && size == f.size
                && mtimeNanos == f.mtimeNanos && mode == f.mode && Arrays.equals(digest, f.digest)
                && java.util.Objects.equals(linkTarget, f.linkTarget) && uid == f.uid && gid == f.gid
                && inode == f.inode;
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + Long.hashCode(size) + Long.hashCode(mtimeNanos);
    }

    @Override
    public String toString() {
        return type.name().substring("ENTRY_TYPE_".length()).toLowerCase(java.util.Locale.ROOT) + " " + path
                + " (" + size + " B, mode " + Integer.toOctalString(mode) + ")";
    }
}
