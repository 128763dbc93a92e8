package io.hakit.sync.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Locale;

/**
 * The few Linux system calls the JDK has no API for, bound with JNA's direct mapping: calls relative to an open
 * directory ({@code openat}, {@code mkdirat}, {@code symlinkat}, {@code renameat2}, ...) that never follow a link in
 * the name they act on, {@code statx} (inode, ctime, allocated blocks) and {@code lseek(SEEK_DATA/SEEK_HOLE)} for
 * sparse files. Names are byte arrays (NUL-terminated by {@link #c}), so any name Linux allows can be used.
 *
 * <p>Linux on x86_64 or aarch64 only (the flag values and the 64-bit {@code size_t} are those platforms');
 * {@link #check()} says why it cannot be used elsewhere. Every call returns the raw result; {@link #fail} turns
 * {@code errno} into the JDK's exception types, so messages read as the JDK's do.
 */
public final class Posix {

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    public static final int O_DIRECTORY;
    public static final int O_NOFOLLOW;
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int RENAME_NOREPLACE = 1;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;
    public static final int STATX_BASIC_STATS = 0x7ff;
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int ENOENT = 2;
    public static final int ENXIO = 6;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EINVAL = 22;
    public static final int ELOOP = 40;
    public static final int EOPNOTSUPP = 95;

    private static final String UNAVAILABLE;

    static {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (arch.equals("aarch64") || arch.equals("arm64")) {
            O_DIRECTORY = 040000;
            O_NOFOLLOW = 0100000;
        } else {
            O_DIRECTORY = 0200000;
            O_NOFOLLOW = 0400000;
        }
        String why = null;
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64")
                || arch.equals("arm64"))) {
            why = "the file synchronizer's standby needs Linux on x86_64 or aarch64 (this is " + os + " on " + arch
                    + ")";
        } else {
            try {
                Native.register(Posix.class, NativeLibrary.getInstance("c"));
                if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/fd"))) {
                    why = "the file synchronizer needs /proc mounted (it reaches open files through /proc/self/fd)";
                }
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                why = "cannot load JNA's native library or libc (" + e.getMessage() + "); if the temporary directory "
                        + "is mounted noexec, point -Djna.tmpdir at one that is not";
            }
        }
        UNAVAILABLE = why;
    }

    private Posix() {
    }

    /** @throws IOException saying why these calls cannot be used on this machine */
    public static void check() throws IOException {
        if (UNAVAILABLE != null) {
            throw new IOException(UNAVAILABLE);
        }
    }

    public static native int openat(int dirfd, byte[] path, int flags, int mode);

    public static native int close(int fd);

    public static native int mkdirat(int dirfd, byte[] path, int mode);

    public static native int symlinkat(byte[] target, int newdirfd, byte[] linkpath);

    public static native long readlinkat(int dirfd, byte[] path, byte[] buf, long size);

    public static native int renameat2(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags);

    public static native int renameat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath);

    public static native int unlinkat(int dirfd, byte[] path, int flags);

    public static native int fchownat(int dirfd, byte[] path, int uid, int gid, int flags);

    public static native int fchown(int fd, int uid, int gid);

    public static native int fchmod(int fd, int mode);

    public static native int fchmodat(int dirfd, byte[] path, int mode, int flags);

    /** {@code times}: atime seconds, atime nanoseconds, mtime seconds, mtime nanoseconds. */
    public static native int utimensat(int dirfd, byte[] path, long[] times, int flags);

    public static native int futimens(int fd, long[] times);

    /** {@code buf}: at least 256 bytes; see {@link Stat}. */
    public static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] buf);

    public static native long lseek(int fd, long offset, int whence);

    public static native int fsync(int fd);

    public static native int ftruncate(int fd, long length);

    /** {@code ioctl} with one integer argument (FICLONE). */
    public static native int ioctl(int fd, long request, long arg);

    /** {@code ioctl(dest, FICLONE, src)}: {@code dest} shares {@code src}'s extents (a reflink), atomically. */
    public static final long FICLONE = 0x40049409L;

    /** The errno of this thread's last call. */
    public static int errno() {
        return Native.getLastError();
    }

    /** A name (or path) as the NUL-terminated bytes a system call takes. */
    public static byte[] c(byte[] name) {
        byte[] b = new byte[name.length + 1];
        System.arraycopy(name, 0, b, 0, name.length);
        return b;
    }

    /**
     * The exception for a failed call on {@code file} (shown in messages) with the current {@code errno}: the JDK's
     * own types (NoSuchFileException, AccessDeniedException, ...) so that callers and messages treat both alike.
     */
    public static IOException fail(String file, String op) {
        return fail(file, op, errno());
    }

    public static IOException fail(String file, String op, int errno) {
        return switch (errno) {
            case ENOENT -> new NoSuchFileException(file, null, op);
            case 13 -> new AccessDeniedException(file, null, op + ": Permission denied");
            case 1 -> new FileSystemException(file, null, op + ": Operation not permitted");
            case EEXIST -> new FileAlreadyExistsException(file, null, op);
            case ENOTDIR -> new NotDirectoryException(file);
            case 39 -> new DirectoryNotEmptyException(file);
            case ELOOP -> new FileSystemException(file, null, op + ": is a symbolic link (not followed)");
            case EINVAL -> op.startsWith("readlink") ? new NotLinkException(file)
                    : new FileSystemException(file, null, op + ": Invalid argument");
            default -> new FileSystemException(file, null, op + ": " + strerror(errno));
        };
    }

    private static String strerror(int errno) {
        return switch (errno) {
            case 5 -> "Input/output error";
            case 9 -> "Bad file descriptor";
            case 12 -> "Cannot allocate memory";
            case 18 -> "Invalid cross-device link";
            case 21 -> "Is a directory";
            case 24 -> "Too many open files";
            case 27 -> "File too large";
            case 28 -> "No space left on device";
            case 30 -> "Read-only file system";
            case 31 -> "Too many links";
            case 36 -> "File name too long";
            case EOPNOTSUPP -> "Operation not supported";
            case 122 -> "Disk quota exceeded";
            default -> "errno " + errno;
        };
    }

    /** What {@code statx} tells of one path (never following a link in its last component). */
    public record Stat(int mode, int uid, int gid, long inode, long size, long blocks, long mtimeNanos,
                       long ctimeNanos, int devMajor, int devMinor) {

        public int type() {
            return mode & S_IFMT;
        }

        public boolean isDirectory() {
            return type() == S_IFDIR;
        }

        public boolean isFile() {
            return type() == S_IFREG;
        }

        public boolean isSymlink() {
            return type() == S_IFLNK;
        }

        /** Bytes allocated on disk (512-byte blocks), which a sparse file has fewer of than its size. */
        public long allocated() {
            return blocks * 512;
        }

        static Stat parse(byte[] b) {
            java.nio.ByteBuffer x = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            return new Stat(x.getShort(28) & 0xffff, x.getInt(20), x.getInt(24), x.getLong(32), x.getLong(40),
                    x.getLong(48), x.getLong(112) * 1_000_000_000L + (x.getInt(120) & 0xffffffffL),
                    x.getLong(96) * 1_000_000_000L + (x.getInt(104) & 0xffffffffL), x.getInt(136), x.getInt(140));
        }
    }

    /**
     * {@code statx} of {@code name} in {@code dirfd} without following a link in it; an empty name describes
     * {@code dirfd} itself.
     *
     * @throws NoSuchFileException when it does not exist
     */
    public static Stat stat(int dirfd, byte[] name, String shown) throws IOException {
        byte[] buf = new byte[256];
        int flags = AT_SYMLINK_NOFOLLOW | (name.length == 0 ? AT_EMPTY_PATH : 0);
        if (statx(dirfd, c(name), flags, STATX_BASIC_STATS, buf) != 0) {
            throw fail(shown, "statx");
        }
        return Stat.parse(buf);
    }
}
