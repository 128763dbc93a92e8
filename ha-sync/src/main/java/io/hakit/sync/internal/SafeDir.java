package io.hakit.sync.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A directory held open by its file descriptor, and the operations on its entries relative to it: what a standby
 * does to its roots goes through these, so that a directory swapped for a symbolic link by anyone at any moment
 * cannot redirect a create, write, rename, delete, chmod, chown or utime outside the root. Every step down opens the
 * next directory with {@code O_NOFOLLOW | O_DIRECTORY} ({@link #openDir}), and every operation names one entry of an
 * open directory without following a link there:
 *
 * <ul>
 *   <li>create, open: {@code openat(O_NOFOLLOW | O_CREAT | O_EXCL)}; a temp file's mode, owner, times and fsync go
 *   through its own descriptor ({@link TempFile}), whatever happens to its name;</li>
 *   <li>mkdir, symlink, readlink, rename, unlink, rmdir: {@code mkdirat}, {@code symlinkat}, {@code readlinkat},
 *   {@code renameat2}, {@code unlinkat} (these never follow a link in the last component);</li>
 *   <li>chown, utime: {@code fchownat} / {@code utimensat} with {@code AT_SYMLINK_NOFOLLOW} (a link's own owner and
 *   time);</li>
 *   <li>chmod: the entry is opened with {@code O_PATH | O_NOFOLLOW}, its type checked on that descriptor, and the mode
 *   set through {@code /proc/self/fd} on that very inode; a link has no mode of its own and is refused.</li>
 * </ul>
 *
 * File contents are read and written through {@link FileChannel}s opened on {@code /proc/self/fd/N} of a descriptor
 * obtained as above (the same inode; the magic link is not a name anyone can swap). Needs Linux with /proc; see
 * {@link Posix}. Not thread-safe; close it.
 */
public final class SafeDir implements Closeable {

    private final int fd;
    private final String shown;
    private boolean closed;

    private SafeDir(int fd, String shown) {
        this.fd = fd;
        this.shown = shown;
    }

    /** Opens a configured root (a link in its own path is the operator's choice and is followed). */
    public static SafeDir openRoot(Path root) throws IOException {
        Posix.check();
        byte[] p = Names.encode(root.toAbsolutePath().toString());
        int fd = Posix.openat(Posix.AT_FDCWD, Posix.c(p), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            throw Posix.fail(root.toString(), "open");
        }
        return new SafeDir(fd, root.toString());
    }

    /** This directory again, on a descriptor of its own (close both). */
    public SafeDir reopen() throws IOException {
        int d = Posix.openat(fd, Posix.c(new byte[] {'.'}), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        if (d < 0) {
            throw Posix.fail(shown, "open directory");
        }
        return new SafeDir(d, shown);
    }

    /** What messages call this directory. */
    public String shown() {
        return shown;
    }

    private String child(String name) {
        return shown + "/" + PathGuard.display(name);
    }

    /**
     * Opens the subdirectory {@code name}, never following a link.
     *
     * @throws NotDirectoryException when it is not a directory
     * @throws LinkException         when it is a symbolic link
     * @throws NoSuchFileException   when it does not exist
     */
    public SafeDir openDir(String name) throws IOException {
        int d = Posix.openat(fd, Posix.c(Names.encode(name)),
                Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
        if (d < 0) {
            int errno = Posix.errno();
            if (errno == Posix.ELOOP) {
                throw new LinkException(child(name));
            }
            if (errno == Posix.ENOTDIR) {
                // O_DIRECTORY | O_NOFOLLOW on a link gives ENOTDIR on some kernels: tell the two apart
                Posix.Stat s = statOrNull(name);
                if (s != null && s.isSymlink()) {
                    throw new LinkException(child(name));
                }
            }
            throw Posix.fail(child(name), "open directory", errno);
        }
        return new SafeDir(d, child(name));
    }

    /** A symbolic link where a directory was expected: it is not followed. */
    public static final class LinkException extends FileSystemException {
        private static final long serialVersionUID = 1L;

        public LinkException(String file) {
            super(file, null, "is a symbolic link where a directory was expected (not followed)");
        }
    }

    /** The entry {@code name} ({@link NoSuchFileException} when missing); an empty name is this directory. */
    public Posix.Stat stat(String name) throws IOException {
        return Posix.stat(fd, Names.encode(name), name.isEmpty() ? shown : child(name));
    }

    /** The entry {@code name}, or null when it does not exist. */
    public Posix.Stat statOrNull(String name) throws IOException {
        try {
            return stat(name);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The names in this directory (not "." and ".."), in no order. */
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(self())) {
            for (Path p : ds) {
                names.add(Names.name(p));
            }
        } catch (java.nio.file.DirectoryIteratorException e) {
            throw e.getCause();
        }
        return names;
    }

    /** This directory through its descriptor (for tools that take a path: {@code sync -f}). */
    public Path self() {
        return Path.of("/proc/self/fd/" + fd);
    }

    public void mkdir(String name, int mode) throws IOException {
        if (Posix.mkdirat(fd, Posix.c(Names.encode(name)), mode) != 0) {
            throw Posix.fail(child(name), "mkdir");
        }
    }

    public void symlink(String name, String target) throws IOException {
        if (Posix.symlinkat(Posix.c(Names.encode(target)), fd, Posix.c(Names.encode(name))) != 0) {
            throw Posix.fail(child(name), "symlink");
        }
    }

    public String readlink(String name) throws IOException {
        byte[] buf = new byte[PathGuard.MAX_PATH_BYTES + 1];
        long n = Posix.readlinkat(fd, Posix.c(Names.encode(name)), buf, buf.length);
        if (n < 0) {
            throw Posix.fail(child(name), "readlink");
        }
        if (n > PathGuard.MAX_PATH_BYTES) {
            throw new FileSystemException(child(name), null, "link target longer than " + PathGuard.MAX_PATH_BYTES
                    + " bytes");
        }
        return Names.decode(java.util.Arrays.copyOf(buf, (int) n));
    }

    /** Renames {@code from} here to {@code to} in {@code dir}, replacing what is there (atomically). */
    public void rename(String from, SafeDir dir, String to) throws IOException {
        if (Posix.renameat(fd, Posix.c(Names.encode(from)), dir.fd, Posix.c(Names.encode(to))) != 0) {
            throw Posix.fail(child(from) + " -> " + dir.child(to), "rename");
        }
    }

    /** Renames {@code from} to {@code to} here, failing with FileAlreadyExistsException when {@code to} exists. */
    public void renameNoReplace(String from, String to) throws IOException {
        byte[] f = Posix.c(Names.encode(from));
        byte[] t = Posix.c(Names.encode(to));
        if (Posix.renameat2(fd, f, fd, t, Posix.RENAME_NOREPLACE) == 0) {
            return;
        }
        int errno = Posix.errno();
        if (errno == Posix.EINVAL || errno == 38 /* ENOSYS */) { // a file system without RENAME_NOREPLACE
            if (statOrNull(to) != null) {
                throw Posix.fail(child(to), "rename", Posix.EEXIST);
            }
            if (Posix.renameat(fd, f, fd, t) == 0) {
                return;
            }
            errno = Posix.errno();
        }
        throw Posix.fail(child(from) + " -> " + child(to), "rename", errno);
    }

    public void unlink(String name) throws IOException {
        if (Posix.unlinkat(fd, Posix.c(Names.encode(name)), 0) != 0) {
            throw Posix.fail(child(name), "unlink");
        }
    }

    public void rmdir(String name) throws IOException {
        if (Posix.unlinkat(fd, Posix.c(Names.encode(name)), Posix.AT_REMOVEDIR) != 0) {
            throw Posix.fail(child(name), "rmdir");
        }
    }

    /** The owner of {@code name} itself (a link's own). */
    public void chown(String name, int uid, int gid) throws IOException {
        if (Posix.fchownat(fd, Posix.c(Names.encode(name)), uid, gid, Posix.AT_SYMLINK_NOFOLLOW) != 0) {
            throw Posix.fail(child(name), "chown");
        }
    }

    /** The mtime of {@code name} itself (a link's own); the access time is left alone. */
    public void mtime(String name, long mtimeNanos) throws IOException {
        if (Posix.utimensat(fd, Posix.c(Names.encode(name)), times(mtimeNanos), Posix.AT_SYMLINK_NOFOLLOW) != 0) {
            throw Posix.fail(child(name), "utimensat");
        }
    }

    static long[] times(long mtimeNanos) {
        long omit = (1L << 30) - 2; // UTIME_OMIT: keep the access time
        return new long[] {0, omit, Math.floorDiv(mtimeNanos, 1_000_000_000L), Math.floorMod(mtimeNanos,
                1_000_000_000L)};
    }

    /**
     * Sets the permission bits of the file or directory {@code name} (never through a link: a link found there is
     * refused).
     */
    public void chmod(String name, int mode) throws IOException {
        int p = Posix.openat(fd, Posix.c(Names.encode(name)), Posix.O_PATH | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
        if (p < 0) {
            throw Posix.fail(child(name), "open");
        }
        try {
            Posix.Stat s = Posix.stat(p, new byte[0], child(name));
            if (s.isSymlink()) {
                throw new FileSystemException(child(name), null, "is a symbolic link: its mode is not set");
            }
            byte[] proc = Posix.c(("/proc/self/fd/" + p).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            if (Posix.fchmodat(Posix.AT_FDCWD, proc, mode & 07777, 0) != 0) {
                throw Posix.fail(child(name), "chmod");
            }
        } finally {
            Posix.close(p);
        }
    }

    /** Makes this directory's entries durable ({@code fsync} of the directory). */
    public void fsync() throws IOException {
        if (Posix.fsync(fd) != 0) {
            throw Posix.fail(shown, "fsync");
        }
    }

    /**
     * Creates {@code name} (which must not exist; a link there is not followed) as a file of mode 0600 for writing.
     */
    public TempFile create(String name) throws IOException {
        int f = Posix.openat(fd, Posix.c(Names.encode(name)),
                Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0600);
        if (f < 0) {
            throw Posix.fail(child(name), "create");
        }
        try {
            return new TempFile(f, FileChannel.open(Path.of("/proc/self/fd/" + f), StandardOpenOption.WRITE),
                    child(name));
        } catch (IOException | RuntimeException e) {
            Posix.close(f);
            throw e;
        }
    }

    /** Opens the regular file {@code name} for reading, never through a link. */
    public FileChannel openRead(String name) throws IOException {
        int f = Posix.openat(fd, Posix.c(Names.encode(name)), Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
        if (f < 0) {
            throw Posix.fail(child(name), "open");
        }
        try {
            return FileChannel.open(Path.of("/proc/self/fd/" + f), StandardOpenOption.READ);
        } finally {
            Posix.close(f);
        }
    }

    /** A file being written, with its own descriptor for its metadata and durability. */
    public static final class TempFile implements Closeable {
        private final int fd;
        private final String shown;
        public final FileChannel channel;

        TempFile(int fd, FileChannel channel, String shown) {
            this.fd = fd;
            this.channel = channel;
            this.shown = shown;
        }

        public long inode() throws IOException {
            return Posix.stat(fd, new byte[0], shown).inode();
        }

        /** Mode, owner (when {@code uid >= 0}) and mtime, on this very inode. */
        public void metadata(int mode, int uid, int gid, long mtimeNanos) throws IOException {
            if (uid >= 0 && Posix.fchown(fd, uid, gid) != 0) {
                throw Posix.fail(shown, "chown");
            }
            if (Posix.fchmod(fd, mode & 07777) != 0) { // after chown, which clears the set-id bits
                throw Posix.fail(shown, "chmod");
            }
            if (Posix.futimens(fd, times(mtimeNanos)) != 0) {
                throw Posix.fail(shown, "futimens");
            }
        }

        public void truncate(long size) throws IOException {
            if (Posix.ftruncate(fd, size) != 0) {
                throw Posix.fail(shown, "ftruncate");
            }
        }

        public void fsync() throws IOException {
            if (Posix.fsync(fd) != 0) {
                throw Posix.fail(shown, "fsync");
            }
        }

        @Override
        public void close() throws IOException {
            try {
                channel.close();
            } finally {
                Posix.close(fd);
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Posix.close(fd);
        }
    }
}
