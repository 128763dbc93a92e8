package io.hakit.sync;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Compares two trees byte for byte, with modes, file mtimes and link targets; conflict copies are ignored. */
final class TreeAssert {

    private TreeAssert() {
    }

    /** The differences between the trees, empty when they are equal. */
    static List<String> differences(Path a, Path b) throws IOException {
        TreeMap<String, Path> ma = list(a);
        TreeMap<String, Path> mb = list(b);
        List<String> diffs = new ArrayList<>();
        for (String k : ma.keySet()) {
            if (!mb.containsKey(k)) {
                diffs.add("missing on the replica: " + k);
            }
        }
        for (String k : mb.keySet()) {
            if (!ma.containsKey(k)) {
                diffs.add("only on the replica: " + k);
            }
        }
        for (String k : ma.keySet()) {
            Path pa = ma.get(k);
            Path pb = mb.get(k);
            if (pb == null) {
                continue;
            }
            if (Files.isSymbolicLink(pa)) {
                if (!Files.isSymbolicLink(pb) || !Files.readSymbolicLink(pa).equals(Files.readSymbolicLink(pb))) {
                    diffs.add("link differs: " + k);
                }
                continue;
            }
            String perA = PosixFilePermissions.toString(Files.getPosixFilePermissions(pa, LinkOption.NOFOLLOW_LINKS));
            String perB = PosixFilePermissions.toString(Files.getPosixFilePermissions(pb, LinkOption.NOFOLLOW_LINKS));
            if (!perA.equals(perB)) {
                diffs.add("mode differs: " + k + " " + perA + " vs " + perB);
            }
            if (Files.isRegularFile(pa, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isRegularFile(pb, LinkOption.NOFOLLOW_LINKS) || Files.mismatch(pa, pb) != -1) {
                    diffs.add("content differs: " + k);
                } else if (!Files.getLastModifiedTime(pa).equals(Files.getLastModifiedTime(pb))) {
                    diffs.add("mtime differs: " + k + " " + Files.getLastModifiedTime(pa) + " vs "
                            + Files.getLastModifiedTime(pb));
                }
            } else if (Files.isDirectory(pa, LinkOption.NOFOLLOW_LINKS)
                    && !Files.isDirectory(pb, LinkOption.NOFOLLOW_LINKS)) {
                diffs.add("not a directory on the replica: " + k);
            }
        }
        return diffs;
    }

    /**
     * Everything under {@code dir} (conflict copies and temp files included, links not followed): for each path its
     * type, mode, and for a file its size, mtime and SHA-256, for a link its target. Directory mtimes are left out (a
     * temp file created and removed changes them). Two equal snapshots mean nothing changed, byte for byte.
     */
    static TreeMap<String, String> snapshot(Path dir) throws IOException {
        TreeMap<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    m.put(rel, "link -> " + Files.readSymbolicLink(p));
                    continue;
                }
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    m.put(rel, "dir " + mode);
                } else {
                    byte[] bytes = Files.readAllBytes(p);
                    String sha;
                    try {
                        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
                    } catch (NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                    m.put(rel, "file " + mode + " " + bytes.length + " B " + Files.getLastModifiedTime(p,
                            LinkOption.NOFOLLOW_LINKS) + " " + sha);
                }
            }
        }
        return m;
    }

    /** Every path below {@code root} but conflict copies; a path that vanishes while the tree is walked is left out. */
    static TreeMap<String, Path> list(Path root) throws IOException {
        TreeMap<String, Path> m = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                add(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            private void add(Path p) {
                String rel = root.relativize(p).toString();
                if (!p.equals(root) && !rel.contains(".hakit-conflict-")) {
                    m.put(rel, p);
                }
            }
        });
        return m;
    }
}
