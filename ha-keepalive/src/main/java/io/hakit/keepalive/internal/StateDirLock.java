package io.hakit.keepalive.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * One node per state directory: an exclusive lock ({@link FileChannel#tryLock()}) on {@value #FILE} in it, held while
 * the node runs, with the holder's PID, node id and address written in the file. A second node on the same directory,
 * in another process or in this one, is refused with a message naming the holder. The operating system releases the
 * lock when the holder's process ends, even by SIGKILL, so a crash never leaves the directory locked; the file stays
 * (deleting it would let a third process lock a new file while the second still holds the old one).
 *
 * <p>Two nodes on one directory share the persisted epoch and the status file: they flip roles with each other and
 * with the peer, and each overwrites what the other wrote.
 */
public final class StateDirLock implements AutoCloseable {

    /** The lock file's name in the state directory. */
    public static final String FILE = "node.lock";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private StateDirLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if missing) for the node described by {@code holder} (for example
     * "node-a, bind 127.0.0.1:7000"), or refuses.
     *
     * @throws IllegalStateException if another node holds the directory; the message names its PID and what it wrote
     * @throws UncheckedIOException if the lock file cannot be created or written
     */
    public static StateDirLock acquire(Path dir, String holder) {
        Path file = dir.toAbsolutePath().resolve(FILE);
        FileChannel ch = null;
        try {
            Files.createDirectories(file.getParent());
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                throw refused(file, "this process (PID " + ProcessHandle.current().pid() + ")", read(ch));
            }
            if (lock == null) {
                String written = read(ch);
                throw refused(file, "process " + pid(written), written);
            }
            byte[] text = ("pid=" + ProcessHandle.current().pid() + "\nholder=" + holder + "\nsince=" + Instant.now()
                    + "\n").getBytes(StandardCharsets.UTF_8);
            // write first, then cut: the file never reads empty to a second node that looks in between
            ch.write(ByteBuffer.wrap(text), 0);
            ch.truncate(text.length);
            ch.force(false);
            return new StateDirLock(file, ch, lock);
        } catch (IOException e) {
            close(ch);
            throw new UncheckedIOException("cannot lock the state directory with " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    private static IllegalStateException refused(Path file, String who, String written) {
        return new IllegalStateException("the state directory " + file.getParent() + " is in use: " + who
                + " holds " + file + (written.isBlank() ? "" : " (" + written.strip().replace('\n', ' ') + ")")
                + "; one node per state directory: stop that node, or give this one its own keepalive.state-dir");
    }

    /** The PID in what a holder wrote, or "unknown" (it may not have written it yet). */
    static String pid(String written) {
        for (String line : written.split("\n")) {
            if (line.startsWith("pid=")) {
                return line.substring(4).trim();
            }
        }
        return "(PID not written yet)";
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1024);
        long position = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position);
            if (n <= 0) {
                break;
            }
            position += n;
        }
        buf.flip();
        return StandardCharsets.UTF_8.decode(buf).toString();
    }

    private static void close(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    public Path file() {
        return file;
    }

    /** Releases the lock (idempotent). The file stays, with the last holder's lines. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            // closing the channel releases it as well
        }
        close(channel);
    }
}
