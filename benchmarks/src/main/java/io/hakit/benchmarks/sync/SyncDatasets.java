package io.hakit.benchmarks.sync;

import io.hakit.benchmarks.Runner.BenchmarkFailure;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The data of the sync scenarios, in one temporary directory under /tmp that {@link #close()} removes (also when a
 * scenario fails, and from a shutdown hook on Ctrl-C): a big random file, a tree of small random files, and the
 * changes the anchor makes to them (rewrites of the same size with new content and a new mtime). Also the check
 * that a target equals its source.
 */
public final class SyncDatasets implements AutoCloseable {

    public static final long MIB = 1L << 20;
    /** Room left free on the file system besides what a scenario needs, as the anchor keeps. */
    static final long HEADROOM = 2048 * MIB;

    private final Path root;
    private final Thread cleanup;
    private final SplittableRandom random;

    private SyncDatasets(Path root, long seed) {
        this.root = root;
        this.random = new SplittableRandom(seed);
        this.cleanup = new Thread(() -> deleteTree(root), "sync-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * A new temporary directory under /tmp ({@code java.io.tmpdir}), after checking that its file system has
     * {@code bytesNeeded} plus {@link #HEADROOM} free.
     *
     * @throws BenchmarkFailure if there is not enough room
     */
    public static SyncDatasets create(String scenario, long bytesNeeded, long seed) {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        try {
            FileStore store = Files.getFileStore(base);
            long free = store.getUsableSpace();
            if (free < bytesNeeded + HEADROOM) {
                throw new BenchmarkFailure(scenario + " needs " + bytesNeeded / MIB + " MiB in " + base + " plus "
                        + HEADROOM / MIB + " MiB headroom, but only " + free / MIB + " MiB are free on " + store);
            }
            return new SyncDatasets(Files.createTempDirectory(base, "hakit-" + scenario + "-"), seed);
        } catch (IOException e) {
            throw new BenchmarkFailure("cannot create the data directory under " + base + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /** {@code root/first/more...}, created (with its parents) if missing. */
    public Path dir(String first, String... more) {
        Path d = root.resolve(Path.of(first, more));
        try {
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An empty directory at {@code root/first/more...}: whatever was there is removed first. */
    public Path emptyDir(String first, String... more) {
        deleteTree(root.resolve(Path.of(first, more)));
        return dir(first, more);
    }

    /** Writes {@code size} random bytes to {@code file} (replacing it). */
    public void writeRandomFile(Path file, long size) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] chunk = new byte[(int) Math.min(size, 4 * MIB)];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= chunk.length) {
                fill(chunk);
                out.write(chunk, 0, (int) Math.min(left, chunk.length));
            }
        }
    }

    /** The relative path of file {@code i} of a tree of {@code files} in {@code dirs} directories (the anchor's). */
    public static String treeFile(int i, int files, int dirs) {
        int perDir = files / dirs;
        return String.format("d%d/f%04d", i / perDir, i % perDir);
    }

    /** A tree under {@code dir}: {@code dirs} directories {@code d0..} of {@code files / dirs} random files each. */
    public void writeTree(Path dir, int files, int dirs, int fileSize) throws IOException {
        if (files % dirs != 0) {
            throw new IllegalArgumentException(files + " files do not spread evenly over " + dirs + " directories");
        }
        byte[] content = new byte[fileSize];
        for (int i = 0; i < files; i++) {
            Path f = dir.resolve(treeFile(i, files, dirs));
            if (i % (files / dirs) == 0) {
                Files.createDirectories(f.getParent());
            }
            fill(content);
            Files.write(f, content);
        }
    }

    /**
     * Rewrites {@code n} files of a {@link #writeTree} tree, spread over it as the anchor does (file
     * {@code (k * 997 + round * 31) % files}), with new random content of the same size and a new mtime (at least a
     * second after the old one, so that rsync's quick check of size and mtime sees the change). Returns their paths.
     */
    public List<Path> rewriteTreeFiles(Path dir, int files, int dirs, int n, int round) throws IOException {
        List<Path> changed = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Path f = dir.resolve(treeFile(Math.floorMod(k * 997 + round * 31, files), files, dirs));
            FileTime before = Files.getLastModifiedTime(f);
            byte[] content = new byte[(int) Files.size(f)];
            fill(content);
            Files.write(f, content);
            newMtime(f, before);
            changed.add(f);
        }
        return changed;
    }

    /** Overwrites {@code length} bytes in the middle of {@code file} in place (same size) and gives it a new mtime. */
    public void rewriteMiddle(Path file, long length) throws IOException {
        FileTime before = Files.getLastModifiedTime(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (length > size) {
                throw new IllegalArgumentException(file + " has " + size + " bytes, fewer than " + length);
            }
            byte[] chunk = new byte[(int) Math.min(length, 4 * MIB)];
            long pos = (size - length) / 2;
            for (long left = length; left > 0; left -= chunk.length) {
                fill(chunk);
                ByteBuffer buf = ByteBuffer.wrap(chunk, 0, (int) Math.min(left, chunk.length));
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
            }
        }
        newMtime(file, before);
    }

    /** Sets the mtime to now, or to a second after {@code before} if now is not at least that. */
    private static void newMtime(Path f, FileTime before) throws IOException {
        Instant t = Instant.now();
        Instant min = before.toInstant().plusSeconds(1);
        Files.setLastModifiedTime(f, FileTime.from(t.isBefore(min) ? min : t));
    }

    /** Sleeps into the next wall-clock second plus 20 ms, as the anchor does before its rewrites. */
    public static void awaitFreshSecond() {
        long ms = System.currentTimeMillis();
        RsyncDaemonSubject.sleep(1000 - ms % 1000 + 20);
    }

    private void fill(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.remaining() >= 8) {
            buf.putLong(random.nextLong());
        }
        while (buf.hasRemaining()) {
            buf.put((byte) random.nextInt());
        }
    }

    /**
     * Fails unless {@code dst} equals {@code src}: the same relative paths, each the same type (directory, regular
     * file, symbolic link), files of the same size and content. Modes and times are not compared.
     *
     * @throws BenchmarkFailure naming the first difference
     */
    public static void verifyEqual(String who, Path src, Path dst) {
        String diff = difference(src, dst);
        if (diff != null) {
            throw new BenchmarkFailure(who + ": the target " + dst + " differs from the source " + src + ": " + diff);
        }
    }

    /** The first difference between the trees (see {@link #verifyEqual}), or null if they are equal. */
    public static String difference(Path src, Path dst) {
        try {
            Map<String, Entry> a = list(src);
            Map<String, Entry> b = list(dst);
            for (Map.Entry<String, Entry> e : a.entrySet()) {
                Entry there = b.get(e.getKey());
                if (there == null) {
                    return e.getKey() + " is missing";
                }
                if (there.type != e.getValue().type || there.size != e.getValue().size) {
                    return e.getKey() + " is " + there + " in the target, " + e.getValue() + " in the source";
                }
            }
            for (String k : b.keySet()) {
                if (!a.containsKey(k)) {
                    return k + " is extra";
                }
            }
            for (Map.Entry<String, Entry> e : a.entrySet()) {
                if (e.getValue().type == 'f') {
                    long at = Files.mismatch(src.resolve(e.getKey()), dst.resolve(e.getKey()));
                    if (at >= 0) {
                        return e.getKey() + " differs from byte " + at;
                    }
                } else if (e.getValue().type == 'l') {
                    if (!Files.readSymbolicLink(src.resolve(e.getKey()))
                            .equals(Files.readSymbolicLink(dst.resolve(e.getKey())))) {
                        return e.getKey() + " links elsewhere";
                    }
                }
            }
            return null;
        } catch (IOException | UncheckedIOException e) { // a file replaced while we look: not equal yet
            return "unreadable: " + e;
        }
    }

    private record Entry(char type, long size) {
        @Override
        public String toString() {
            return type == 'd' ? "a directory" : type == 'l' ? "a link" : type == 'f' ? "a file of " + size + " bytes"
                    : "something else";
        }
    }

    private static Map<String, Entry> list(Path dir) throws IOException {
        Map<String, Entry> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(dir)) {
                    continue;
                }
                BasicFileAttributes at = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                char type = at.isDirectory() ? 'd' : at.isSymbolicLink() ? 'l' : at.isRegularFile() ? 'f' : 'o';
                m.put(dir.relativize(p).toString(), new Entry(type, type == 'f' ? at.size() : 0));
            }
        }
        return m;
    }

    /** Removes {@code dir} and everything under it, if it exists; best effort (a failure is printed, not thrown). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not remove " + dir + " completely: " + e);
        }
    }

    /** Removes the whole data directory. */
    @Override
    public void close() {
        deleteTree(root);
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
    }
}
