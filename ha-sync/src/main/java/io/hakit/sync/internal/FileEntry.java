package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.EntryType;
import com.google.protobuf.ByteString;

import java.util.Arrays;

/**
 * One path of a synchronized root: what a scan saw, or what the source announced. Immutable. Paths and link targets
 * are names as {@link Names} holds them (their bytes, losslessly).
 *
 * @param digest     content digest ({@link Digests}) or null when not known
 * @param inode      the local inode (0 for an entry from the peer)
 * @param ctimeNanos the local status-change time (0 for an entry from the peer): with the inode, size and mtime it
 *                   tells whether a file is still the one that was read (no one can set it but the kernel)
 */
public record FileEntry(String path, EntryType type, long size, long mtimeNanos, int mode, byte[] digest,
                        String linkTarget, int uid, int gid, long inode, long ctimeNanos) {

    public boolean isFile() {
        return type == EntryType.ENTRY_TYPE_FILE;
    }

    public boolean isDirectory() {
        return type == EntryType.ENTRY_TYPE_DIRECTORY;
    }

    public boolean isSymlink() {
        return type == EntryType.ENTRY_TYPE_SYMLINK;
    }

    /** The same file as when {@code other} was taken: same size, mtime, inode and ctime (local entries). */
    public boolean sameIdentity(FileEntry other) {
        return size == other.size && mtimeNanos == other.mtimeNanos && inode == other.inode
                && ctimeNanos == other.ctimeNanos && type == other.type;
    }

    public FileEntry withDigest(byte[] d) {
        return new FileEntry(path, type, size, mtimeNanos, mode, d, linkTarget, uid, gid, inode, ctimeNanos);
    }

    /** A local entry from {@code statx} (a link's target read by the caller; empty otherwise). */
    public static FileEntry of(String path, Posix.Stat s, String linkTarget) {
        EntryType t = s.isDirectory() ? EntryType.ENTRY_TYPE_DIRECTORY : s.isFile() ? EntryType.ENTRY_TYPE_FILE
                : s.isSymlink() ? EntryType.ENTRY_TYPE_SYMLINK : EntryType.ENTRY_TYPE_UNSPECIFIED;
        return new FileEntry(path, t, s.isFile() ? s.size() : 0, s.mtimeNanos(), s.mode() & 07777, null,
                linkTarget == null ? "" : linkTarget, s.uid(), s.gid(), s.inode(), s.ctimeNanos());
    }

    /**
     * Known to have the same content: both digests are known and equal (size and mtime alone never say so: a file
     * renamed over another of the same size and mtime differs).
     */
    public boolean sameContent(FileEntry other) {
        return type == other.type && size == other.size && digest != null && other.digest != null
                && Arrays.equals(digest, other.digest);
    }

    public static FileEntry absent(String path) {
        return new FileEntry(path, EntryType.ENTRY_TYPE_ABSENT, 0, 0, 0, null, "", -1, -1, 0, 0);
    }

    public Entry toWire() {
        Entry.Builder b = Entry.newBuilder().setPath(ByteString.copyFrom(Names.encode(path))).setType(type)
                .setSize(size).setMtimeNanos(mtimeNanos).setMode(mode).setUid(uid).setGid(gid);
        if (digest != null) {
            b.setDigest(ByteString.copyFrom(digest));
        }
        if (linkTarget != null && !linkTarget.isEmpty()) {
            b.setLinkTarget(ByteString.copyFrom(Names.encode(linkTarget)));
        }
        return b.build();
    }

    public static FileEntry fromWire(Entry e) {
        byte[] d = e.getDigest().isEmpty() ? null : e.getDigest().toByteArray();
        return new FileEntry(Names.decode(e.getPath().toByteArray()), e.getType(), e.getSize(), e.getMtimeNanos(),
                e.getMode(), d, Names.decode(e.getLinkTarget().toByteArray()), e.getUid(), e.getGid(), 0, 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileEntry f && path.equals(f.path) && type == f.type && size == f.size
                && mtimeNanos == f.mtimeNanos && mode == f.mode && Arrays.equals(digest, f.digest)
                && java.util.Objects.equals(linkTarget, f.linkTarget) && uid == f.uid && gid == f.gid
                && inode == f.inode && ctimeNanos == f.ctimeNanos;
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
