package io.hakit.api;

import io.hakit.api.internal.Names;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The default {@link BlobStore}: one file per blob under {@code root/<namespace>/}. A blob is written to a
 * temporary file in the same directory, fsynced, then atomically renamed, so a reader never sees a partial blob.
 * Refs are {@code <namespace>/<random>} and are validated before any path is built from them.
 *
 * <p>Thread-safe. Several processes may share the directory (shared storage); refs never collide.
 */
public final class DirectoryBlobStore implements BlobStore {

    private static final Pattern REF = Pattern.compile("[A-Za-z0-9._-]{1,128}/b-[0-9a-f]{32}");
    private static final String TMP_PREFIX = ".tmp-";

    private final Path root;

    /**
     * A store rooted at {@code root} (created on first write).
     *
     * @param root the root directory; made absolute and normalized
     * @throws NullPointerException if {@code root} is null
     */
    public DirectoryBlobStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    /**
     * The root directory.
     *
     * @return the root directory, absolute and normalized
     */
    public Path root() {
        return root;
    }

    @Override
    public String put(String namespace, byte[] data) throws IOException {
        Names.id("namespace", namespace);
        Objects.requireNonNull(data, "data");
        Path dir = root.resolve(namespace);
        Files.createDirectories(dir);
        String name = "b-" + UUID.randomUUID().toString().replace("-", "");
        Path tmp = dir.resolve(TMP_PREFIX + name);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("blob directory " + dir + " does not support atomic rename", e);
            }
            fsyncDirectory(dir);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return namespace + "/" + name;
    }

    @Override
    public byte[] get(String ref) throws IOException {
        return Files.readAllBytes(resolve(ref));
    }

    @Override
    public void delete(String ref) throws IOException {
        Files.deleteIfExists(resolve(ref));
    }

    @Override
    public List<String> list(String namespace) throws IOException {
        Names.id("namespace", namespace);
        Path dir = root.resolve(namespace);
        List<String> refs = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return refs;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String ref = namespace + "/" + p.getFileName().toString();
                if (REF.matcher(ref).matches()) {
                    refs.add(ref);
                }
            }
        }
        return refs;
    }

    /**
     * Deletes the blobs of {@code namespace} (and left-over temporary files of writes that never finished), then its
     * directory if nothing else is in it.
     */
    @Override
    public void deleteNamespace(String namespace) throws IOException {
        Names.id("namespace", namespace);
        Path dir = root.resolve(namespace);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                boolean ours = REF.matcher(namespace + "/" + name).matches() || name.startsWith(TMP_PREFIX + "b-");
                if (ours && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        try {
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // something else lives there (or a blob was written concurrently): keep it
        }
    }

    private Path resolve(String ref) {
        if (ref == null || !REF.matcher(ref).matches()) {
            throw new IllegalArgumentException("not a blob ref of this store: '" + ref + "'");
        }
        return root.resolve(ref);
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory; the rename is still atomic
        }
    }

    @Override
    public String toString() {
        return "DirectoryBlobStore{" + root + "}";
    }
}
