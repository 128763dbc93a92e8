package io.hakit.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
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

    static TreeMap<String, Path> list(Path root) throws IOException {
        TreeMap<String, Path> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(p -> !p.equals(root)).forEach(p -> {
                String rel = root.relativize(p).toString();
                if (!rel.contains(".hakit-conflict-")) {
                    m.put(rel, p);
                }
            });
        }
        return m;
    }
}
