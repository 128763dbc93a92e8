package io.hakit.sync.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Checks every path that comes from the peer before it touches the disk. A relative path is accepted only when it is
 * '/'-separated, non-empty, at most {@value #MAX_PATH_BYTES} bytes, with at most {@value #MAX_DEPTH} segments of at
 * most {@value #MAX_SEGMENT_BYTES} bytes each, no empty, '.' or '..' segment and no NUL (any other byte is a legal
 * name character on Linux: a backslash is just a character, shown escaped in messages); resolving it
 * under a root never passes through a symbolic link (each existing ancestor must be a real directory). Stateless.
 */
public final class PathGuard {

    public static final int MAX_PATH_BYTES = 4096;
    public static final int MAX_SEGMENT_BYTES = 255;
    public static final int MAX_DEPTH = 128;

    private PathGuard() {
    }

    /** A path from the peer that must not be used; the message names the path and the rule it breaks. */
    public static class BadPathException extends Exception {
        private static final long serialVersionUID = 1L;

        public BadPathException(String message) {
            super(message);
        }
    }

    /** A path whose ancestor on this node is a file, not a directory: nothing can exist below it here. */
    public static final class ThroughNonDirectoryException extends BadPathException {
        private static final long serialVersionUID = 1L;

        public ThroughNonDirectoryException(String message) {
            super(message);
        }
    }

    /**
     * Returns {@code rel} if it is an acceptable relative path.
     *
     * @throws BadPathException naming the path (escaped) and what is wrong with it
     */
    public static String check(String rel) throws BadPathException {
        if (rel == null || rel.isEmpty()) {
            throw new BadPathException("empty path");
        }
        if (Names.encode(rel).length > MAX_PATH_BYTES) {
            throw new BadPathException("path longer than " + MAX_PATH_BYTES + " bytes: " + show(rel));
        }
        if (rel.indexOf('\0') >= 0) {
            throw new BadPathException("NUL in path: " + show(rel));
        }
        if (rel.startsWith("/")) {
            throw new BadPathException("absolute path: " + show(rel));
        }
        String[] parts = rel.split("/", -1);
        if (parts.length > MAX_DEPTH) {
            throw new BadPathException("more than " + MAX_DEPTH + " segments: " + show(rel));
        }
        for (String p : parts) {
            if (p.isEmpty()) {
                throw new BadPathException("empty segment in path: " + show(rel));
            }
            if (p.equals(".") || p.equals("..")) {
                throw new BadPathException("'" + p + "' segment in path: " + show(rel));
            }
            if (Names.encode(p).length > MAX_SEGMENT_BYTES) {
                throw new BadPathException("segment longer than " + MAX_SEGMENT_BYTES + " bytes in " + show(rel));
            }
        }
        return rel;
    }

    /**
     * Resolves a checked relative path under {@code root}, refusing it when an existing ancestor (between the root and
     * the last segment) is a symbolic link or not a directory. The last segment itself may be anything (it is what
     * the caller replaces).
     */
    public static Path resolve(Path root, String rel) throws BadPathException, IOException {
        check(rel);
        Path p = root;
        String[] parts = rel.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            p = p.resolve(parts[i]);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                // the rest does not exist yet: nothing below can be a link
                return root.resolve(rel);
            }
            if (a.isSymbolicLink()) {
                throw new BadPathException("path goes through the symbolic link " + root.relativize(p) + ": "
                        + show(rel));
            }
            if (!a.isDirectory()) {
                throw new ThroughNonDirectoryException("path goes through " + root.relativize(p)
                        + ", which is not a directory: " + show(rel));
            }
        }
        return root.resolve(rel);
    }

    /**
     * Whether a symbolic link at {@code rel} with {@code target} points inside the root (lexically, after resolving
     * the target against the link's directory). Absolute targets are outside by definition: the two nodes' roots may
     * live at different places. A '..' after a named segment is refused: the name may itself be a link (to '.', say),
     * and then {@code name/..} climbs above where the lexical count says; leading '..' segments climb the link's own
     * (real) directories and are counted.
     */
    public static boolean linkStaysInside(String rel, String target) {
        if (target == null || target.isEmpty() || target.indexOf('\0') >= 0 || target.startsWith("/")
                || target.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            return false;
        }
        int depth = rel.split("/").length - 1; // segments of the link's own directory below the root
        boolean named = false;
        for (String part : target.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (named || --depth < 0) {
                    return false;
                }
            } else {
                named = true;
                depth++;
            }
        }
        return true;
    }

    /** The path for an error message, quoted: control characters and bytes that are not UTF-8 escaped. */
    public static String show(String rel) {
        return "'" + display(rel) + "'";
    }

    /**
     * A path as messages and listings show it: control characters, backslashes and bytes that are not valid UTF-8
     * ({@link Names}) as {@code \xNN}; a path over 200 characters shows its first 80 and its last 100 (the name).
     */
    public static String display(String rel) {
        if (rel.length() > 200) {
            return display(rel.substring(0, 80)) + "..." + display(rel.substring(rel.length() - 100));
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < rel.length(); i++) {
            char c = rel.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                b.append(String.format("\\x%02x", (int) c));
            } else if (c >= 0xDC80 && c <= 0xDCFF && !(i > 0 && Character.isHighSurrogate(rel.charAt(i - 1)))) {
                b.append(String.format("\\x%02x", c - 0xDC00));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
