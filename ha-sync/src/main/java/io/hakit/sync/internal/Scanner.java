package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.EntryType;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Walks a root without following links and describes each path it keeps as a {@link FileEntry}, parents before
 * children. Skips this library's own temp files and conflict copies, what the filter excludes, and special files;
 * symbolic links pointing outside the root are reported and skipped. Digests come from the {@link HashCache} (and are
 * computed only when asked). Stateless apart from the cache; safe to use from one thread per root at a time.
 */
public final class Scanner {

    /** Prefix of the temp files a sink writes before renaming them into place. */
    public static final String TEMP_PREFIX = ".hakit-tmp-";
    /** Infix of conflict copies: {@code name.hakit-conflict-<time>-<node>}. */
    public static final String CONFLICT_INFIX = ".hakit-conflict-";
    static final String ATTRS = "unix:mode,ino,uid,gid,size,lastModifiedTime,ctime,nlink,isDirectory,"
            + "isRegularFile,isSymbolicLink";

    private final List<PathMatcher> includes = new ArrayList<>();
    private final List<PathMatcher> excludes = new ArrayList<>();
    private final int maxEntries;
    /** Files with more than one hard link seen by the last {@link #scan} (each is copied as a file of its own). */
    private int hardLinked;

    /**
     * @param includes   globs (relative paths) of files to keep; empty keeps every file
     * @param excludes   globs of files and directories to leave out (a directory left out hides its subtree)
     * @param maxEntries the most entries a root may have; more fails the scan
     */
    public Scanner(List<String> includes, List<String> excludes, int maxEntries) {
        includes.forEach(g -> this.includes.add(FileSystems.getDefault().getPathMatcher("glob:" + g)));
        excludes.forEach(g -> this.excludes.add(FileSystems.getDefault().getPathMatcher("glob:" + g)));
        this.maxEntries = maxEntries;
    }

    /**
     * Whether a relative path is one this library never synchronizes: a temp file or conflict copy, or anything below
     * one (a directory of that name is never scanned, and cleanLeftovers deletes temp names at start-up).
     */
    public static boolean isInternal(String name) {
        for (String part : name.split("/")) {
            if (isInternalName(part)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #isInternal} for one name of a directory whose path is known not to be internal. */
    static boolean isInternalName(String name) {
        return name.startsWith(TEMP_PREFIX) || name.contains(CONFLICT_INFIX);
    }

    /** Whether the filter keeps this relative path (of the given type). */
    public boolean keeps(String rel, boolean directory) {
        if (isInternal(rel)) {
            return false;
        }
        if (excludes.isEmpty() && (directory || includes.isEmpty())) {
            return true;
        }
        Path p = Path.of(Names.hasEscapes(rel) ? rel.replaceAll("[\uDC80-\uDCFF]", "\uFFFD") : rel);
        for (PathMatcher m : excludes) {
            if (m.matches(p) || m.matches(p.getFileName())) {
                return false;
            }
        }
        if (directory || includes.isEmpty()) {
            return true;
        }
        for (PathMatcher m : includes) {
            if (m.matches(p) || m.matches(p.getFileName())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Scans a whole root.
     *
     * @param digestAll digest every file not in the cache (a verifying round); otherwise digests stay unknown
     * @param refused   told about each path skipped for a reason an operator should see
     */
    public List<FileEntry> scan(Path root, String rootName, HashCache cache, boolean digestAll,
                                Consumer<String> refused) throws IOException {
        List<FileEntry> out = new ArrayList<>();
        hardLinked = 0;
        walk(root, "", rootName, cache, digestAll, refused, out);
        return out;
    }

    /**
     * How many files of the last {@link #scan} have more than one hard link: each is synchronized as a file of its
     * own (the standby gets separate copies, not links), as rsync does without {@code -H}.
     */
    public int hardLinked() {
        return hardLinked;
    }

    /** Scans a subtree (a directory that appeared) below {@code rel}, {@code rel} itself not included. */
    public void scanBelow(Path root, String rel, String rootName, HashCache cache, Consumer<String> refused,
                          List<FileEntry> out) throws IOException {
        walk(root, rel, rootName, cache, false, refused, out);
    }

    private void walk(Path root, String dirRel, String rootName, HashCache cache, boolean digestAll,
                      Consumer<String> refused, List<FileEntry> out) throws IOException {
        Path dir = dirRel.isEmpty() ? root : Names.resolve(root, dirRel);
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path child : ds) {
                names.add(Names.name(child));
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return; // vanished (or replaced) while we walked: the next round sees it gone
        }
        names.sort(null);
        int[] links = new int[1];
        for (String name : names) {
            String rel = dirRel.isEmpty() ? name : dirRel + "/" + name;
            if (Names.encode(rel).length > PathGuard.MAX_PATH_BYTES) {
                refused.accept("path " + PathGuard.show(rel) + " is longer than " + PathGuard.MAX_PATH_BYTES
                        + " bytes: not synchronized");
                continue;
            }
            FileEntry e;
            try {
                e = stat(root, rel, refused, links);
            } catch (NoSuchFileException gone) {
                continue;
            } catch (FileSystemException tooLong) {
                if (tooLong.getReason() == null || !tooLong.getReason().contains("File name too long")) {
                    throw tooLong;
                }
                refused.accept("path " + PathGuard.show(rel) + " under " + root + " is longer than the system allows "
                        + "(PATH_MAX, 4096 bytes from /): not synchronized");
                continue;
            }
            if (e == null || !keeps(rel, e.isDirectory())) {
                continue;
            }
            if (out.size() >= maxEntries) {
                throw new IOException("root " + rootName + " has more than " + maxEntries
                        + " entries (sync.max-entries)");
            }
            if (e.isFile()) {
                if (links[0] > 1) {
                    hardLinked++;
                }
                byte[] d = cache.digest(rootName, e);
                if (d == null && digestAll) {
                    long t = HashCache.now();
                    Digests.Result r = Digests.of(Names.resolve(root, rel), e.size());
                    FileEntry again = stat(root, rel, refused);
                    if (again != null && again.sameIdentity(e)) {
                        cache.put(rootName, e, r, t);
                        d = r.digestNoCopy();
                    }
                }
                e = d == null ? e : e.withDigest(d);
            }
            out.add(e);
            if (e.isDirectory()) {
                walk(root, rel, rootName, cache, digestAll, refused, out);
            }
        }
    }

    /**
     * Describes one path without following links: null for a special file or a link that leaves the root (reported).
     *
     * @throws NoSuchFileException when it does not exist (also when a parent is no longer a directory)
     */
    public static FileEntry stat(Path root, String rel, Consumer<String> refused) throws IOException {
        return stat(root, rel, refused, new int[1]);
    }

    /** {@link #stat(Path, String, Consumer)}, putting the number of hard links into {@code links[0]}. */
    static FileEntry stat(Path root, String rel, Consumer<String> refused, int[] links) throws IOException {
        Path p = Names.resolve(root, rel);
        Map<String, Object> a;
        try {
            a = Files.readAttributes(p, ATTRS, LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
            if (e instanceof NoSuchFileException || e.getClass() != FileSystemException.class
                    || p.getParent() == null || Files.isDirectory(p.getParent(), LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            // ENOTDIR: a parent was replaced by a file (or a link) meanwhile, so the path does not exist
            NoSuchFileException gone = new NoSuchFileException(p.toString(), null, e.getReason());
            gone.initCause(e);
            throw gone;
        }
        int mode = (Integer) a.get("mode") & 07777;
        links[0] = (Integer) a.get("nlink");
        long ino = (Long) a.get("ino");
        int uid = (Integer) a.get("uid");
        int gid = (Integer) a.get("gid");
        long mtime = ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS);
        long ctime = ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS);
        if ((Boolean) a.get("isDirectory")) {
            return new FileEntry(rel, EntryType.ENTRY_TYPE_DIRECTORY, 0, mtime, mode, null, "", uid, gid, ino, ctime);
        }
        if ((Boolean) a.get("isRegularFile")) {
            return new FileEntry(rel, EntryType.ENTRY_TYPE_FILE, (Long) a.get("size"), mtime, mode, null, "", uid,
                    gid, ino, ctime);
        }
        if ((Boolean) a.get("isSymbolicLink")) {
            String target = Names.readLink(root, rel, p);
            if (!PathGuard.linkStaysInside(rel, target)) {
                refused.accept("symbolic link " + PathGuard.show(rel) + " -> " + PathGuard.show(target)
                        + " leaves the root: not synchronized");
                return null;
            }
            return new FileEntry(rel, EntryType.ENTRY_TYPE_SYMLINK, 0, mtime, mode, null, target, uid, gid, ino,
                    ctime);
        }
        refused.accept("special file " + PathGuard.show(rel) + " (not a file, directory or link): not synchronized");
        return null;
    }
}
