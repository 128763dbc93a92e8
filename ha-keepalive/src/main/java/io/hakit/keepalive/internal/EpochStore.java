package io.hakit.keepalive.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The node's epoch on local disk, so that a restart never goes backwards: written to a temporary file in the same
 * directory, fsynced, atomically renamed over the old one, and the directory fsynced. The file holds the epoch as
 * decimal text and a newline; anything else is refused with an error naming the file (a node must not guess its
 * epoch).
 */
public final class EpochStore {

    private final Path file;

    public EpochStore(Path file) {
        this.file = file.toAbsolutePath();
    }

    public Path file() {
        return file;
    }

    /** The stored epoch, or 0 when the file does not exist yet. */
    public long load() {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the epoch file " + file, e);
        }
        if (!text.matches("\\d{1,18}")) {
            throw new IllegalStateException("epoch file " + file + " holds '" + (text.length() > 40
                    ? text.substring(0, 40) + "..." : text) + "', not an epoch; fix or remove it (removing it resets "
                    + "the epoch to 0, which is safe only if the peer's epoch is known to be higher)");
        }
        return Long.parseLong(text);
    }

    /** Stores {@code epoch} durably; it must not be lower than the stored one. */
    public void store(long epoch) {
        long current = load();
        if (epoch < current) {
            throw new IllegalArgumentException("epoch " + epoch + " is lower than the stored " + current + " in "
                    + file);
        }
        Path dir = file.getParent();
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap((epoch + "\n").getBytes(StandardCharsets.US_ASCII));
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the directory of " + file + " does not support atomic rename", e);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // some file systems cannot open a directory; the rename is atomic regardless
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist epoch " + epoch + " to " + file, e);
        }
    }
}
