package io.hakit.sync.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the standby does to its roots, every operation through {@link SafeDir}: each path is walked from its root one
 * directory at a time, each opened without following a link, and the operation names one entry of the last one. A
 * path that goes through a symbolic link is refused ({@link PathGuard.BadPathException}), never followed, whether the
 * link was there from the start or swapped in a moment ago; a path through a file does not exist here.
 *
 * <p>What remains: a directory that a local user <em>moves</em> out of the root (into a place that user can write)
 * while an operation holds it open receives that one operation there (the walk is repeated for every operation, so
 * the window is one operation long, not a round); the JDK offers nothing narrower and the file that lands there is
 * this node's own copy, never a file of the user's choice. Checks that change nothing ({@link #peek}: is this file
 * already as the source has it?) read through parent directories held open for one manifest message; a directory
 * moved meanwhile can only make such a check fail, which sends the entry down the walking path.
 *
 * <p>A local file that differs from what this node last agreed on with its peer ({@link SyncRecord}) is never
 * overwritten or deleted: it is renamed to a conflict copy next to it ({@link #preserveOrDelete}). Not thread-safe;
 * one per round, closed at its end.
 */
final class Applier implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** What the applier tells the round: deletes and conflict copies it made. */
    interface Report {
        void deleted();

        void conflict(String root, String path, String copy);
    }

    /** A path resolved to its parent directory (held open) and its last name. */
    record Place(SafeDir dir, String name) implements Closeable {
        @Override
        public void close() {
            dir.close();
        }
    }

    private final Map<String, Path> roots;
    private final Scanner scanner;
    private final HashCache cache;
    private final SyncRecord record;
    private final String nodeId;
    private final long maxFileSize;
    private final Report report;
    private final Map<String, SafeDir> open = new HashMap<>();
    /** Parent directories held for {@link #peek}: root + NUL + directory path, at most {@link #PEEK_DIRS}. */
    private final Map<String, SafeDir> peeks = new HashMap<>();
    private static final int PEEK_DIRS = 16;

    Applier(Map<String, Path> roots, Scanner scanner, HashCache cache, SyncRecord record, String nodeId,
            long maxFileSize, Report report) {
        this.roots = roots;
        this.scanner = scanner;
        this.cache = cache;
        this.record = record;
        this.nodeId = nodeId;
        this.maxFileSize = maxFileSize;
        this.report = report;
    }

    /** The root directory, opened once per applier (the configured path may itself be a link: the operator's). */
    SafeDir root(String root) throws IOException {
        SafeDir d = open.get(root);
        if (d == null) {
            d = SafeDir.openRoot(roots.get(root));
            open.put(root, d);
        }
        return d;
    }

    /**
     * Opens the parent of {@code rel} by walking from the root without following links; {@code create} makes missing
     * directories (mode 0755 until the manifest's metadata is applied).
     *
     * @throws PathGuard.ThroughNonDirectoryException when an ancestor is not a directory (nothing exists below)
     * @throws PathGuard.BadPathException             when an ancestor is a symbolic link
     * @throws NoSuchFileException                    when an ancestor is missing and {@code create} is false
     */
    Place place(String root, String rel, boolean create) throws IOException, PathGuard.BadPathException {
        String[] parts = rel.split("/");
        SafeDir dir = root(root).reopen();
        try {
            StringBuilder at = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                at.append(i == 0 ? "" : "/").append(parts[i]);
                SafeDir next;
                try {
                    next = dir.openDir(parts[i]);
                } catch (NoSuchFileException missing) {
                    if (!create) {
                        throw missing;
                    }
                    try {
                        dir.mkdir(parts[i], 0755);
                    } catch (FileAlreadyExistsException raced) {
                        // made meanwhile: opened below like any other
                    }
                    next = dir.openDir(parts[i]);
                } catch (SafeDir.LinkException link) {
                    throw new PathGuard.BadPathException("path goes through the symbolic link "
                            + PathGuard.display(at.toString()) + ": " + PathGuard.show(rel));
                } catch (NotDirectoryException file) {
                    throw new PathGuard.ThroughNonDirectoryException("path goes through "
                            + PathGuard.display(at.toString()) + ", which is not a directory: " + PathGuard.show(rel));
                }
                dir.close();
                dir = next;
            }
            return new Place(dir, parts[parts.length - 1]);
        } catch (IOException | PathGuard.BadPathException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /**
     * The local entry at {@code rel} for a check that changes nothing (a file found unchanged needs no more): like
     * {@link #local(String, String)}, but the parent directory comes from a small cache of directories walked to
     * before, so that a manifest of many files in few directories costs one {@code statx} per file instead of a walk.
     * Null when it (or an ancestor) does not exist or is not a directory, and for a symbolic link. Never use what it
     * returns to decide a change: walk with {@link #place} for that. A held directory that is moved meanwhile is still
     * read from where it went, which can make an unchanged file look missing or different (the caller then takes the
     * walking path) and never makes a read follow a link. Each of this applier's changes and {@link #forgetPeeks}
     * empty the cache.
     */
    FileEntry peek(String root, String rel) throws IOException, PathGuard.BadPathException {
        int slash = rel.lastIndexOf('/');
        String key = root + '\0' + (slash < 0 ? "" : rel.substring(0, slash));
        SafeDir dir = peeks.get(key);
        String name = rel.substring(slash + 1);
        if (dir == null) {
            Place p;
            try {
                p = place(root, rel, false);
            } catch (NoSuchFileException | PathGuard.ThroughNonDirectoryException gone) {
                return null;
            }
            if (peeks.size() >= PEEK_DIRS) {
                forgetPeeks();
            }
            dir = p.dir;
            peeks.put(key, dir);
        }
        Posix.Stat s = dir.statOrNull(name);
        return s == null || s.isSymlink() ? null : FileEntry.of(rel, s, null);
    }

    /** Closes the directories {@link #peek} holds (after each manifest message, and before each change). */
    void forgetPeeks() {
        if (!peeks.isEmpty()) {
            peeks.values().forEach(SafeDir::close);
            peeks.clear();
        }
    }

    /** The local entry at {@code rel}, or null when it (or an ancestor) does not exist or is not a directory. */
    FileEntry local(String root, String rel) throws IOException, PathGuard.BadPathException {
        try (Place p = place(root, rel, false)) {
            return local(p, rel);
        } catch (NoSuchFileException | PathGuard.ThroughNonDirectoryException gone) {
            return null;
        }
    }

    static FileEntry local(Place p, String rel) throws IOException {
        Posix.Stat s = p.dir.statOrNull(p.name);
        if (s == null) {
            return null;
        }
        return FileEntry.of(rel, s, s.isSymlink() ? p.dir.readlink(p.name) : null);
    }

    /** The digest of a local regular file: cached for its identity, else read now (and cached). */
    byte[] digest(String root, Place p, FileEntry local, boolean reread) throws IOException {
        if (!reread) {
            byte[] d = cache.digest(root, local);
            if (d != null) {
                return d;
            }
        }
        return read(root, p, local, Digests.blockSize(local.size())).digestNoCopy();
    }

    /** The block digests of a local regular file cut in blocks of {@code blockSize} (to offer for a delta). */
    List<byte[]> blocks(String root, Place p, FileEntry local, int blockSize, boolean reread) throws IOException {
        if (!reread && Digests.blockSize(local.size()) == blockSize) {
            List<byte[]> b = cache.blocks(root, local);
            if (b != null) {
                return b;
            }
        }
        return read(root, p, local, blockSize).blocks();
    }

    /** Reads and digests a local file; caches the result when the file did not change meanwhile. */
    private Digests.Result read(String root, Place p, FileEntry local, int blockSize) throws IOException {
        long t = HashCache.now();
        Digests.Result r;
        try (FileChannel ch = p.dir.openRead(p.name)) {
            r = Digests.of(ch, local.size(), blockSize);
        }
        FileEntry again = local(p, local.path());
        if (again != null && again.sameIdentity(local) && Digests.blockSize(local.size()) == blockSize) {
            cache.put(root, local, r, t);
        }
        return r;
    }

    /** Creates the directory {@code rel} (and missing ancestors). */
    void mkdirs(String root, String rel) throws IOException, PathGuard.BadPathException {
        forgetPeeks();
        try (Place p = place(root, rel, true)) {
            try {
                p.dir.mkdir(p.name, 0755);
            } catch (FileAlreadyExistsException there) {
                Posix.Stat s = p.dir.stat(p.name);
                if (!s.isDirectory()) {
                    throw there;
                }
            }
        }
    }

    /** Puts a symbolic link at {@code rel}: created under a temp name, renamed over whatever is there. */
    void symlink(String root, String rel, String target) throws IOException, PathGuard.BadPathException {
        forgetPeeks();
        try (Place p = place(root, rel, true)) {
            String tmp = tempName();
            p.dir.symlink(tmp, target);
            try {
                p.dir.rename(tmp, p.dir, p.name);
            } catch (IOException e) {
                quietly(() -> p.dir.unlink(tmp));
                throw e;
            }
        }
    }

    /**
     * Sets mode, owner ({@code uid >= 0}) and mtime of {@code rel} itself (a link's own owner and mtime; a link has no
     * mode).
     */
    void metadata(String root, String rel, boolean link, int mode, int uid, int gid, long mtimeNanos)
            throws IOException, PathGuard.BadPathException {
        forgetPeeks();
        try (Place p = place(root, rel, false)) {
            if (uid >= 0) {
                p.dir.chown(p.name, uid, gid);
            }
            if (!link) {
                p.dir.chmod(p.name, mode); // after chown, which may clear set-id bits
            }
            p.dir.mtime(p.name, mtimeNanos);
        }
    }

    static String tempName() {
        return Scanner.TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    // ------------------------------------------------------------------ deletes and conflicts

    /**
     * Gets {@code local} (at {@code p}) out of the way: deletes it when it is exactly what this node last agreed on
     * with its peer (or has the incoming content, or is a link; a directory goes with {@link #removeTree} when
     * nothing in it was changed here), else renames it to a conflict copy next to it and reports that.
     *
     * @param incomingDigest the digest of what replaces it, or null for a delete
     * @param base           the digest the source recorded as agreed for this path, or null
     */
    void preserveOrDelete(String root, Place p, FileEntry local, byte[] incomingDigest, byte[] base)
            throws IOException {
        forgetPeeks();
        if (local.isDirectory() && removeTree(root, p.dir, p.name, local.path())) {
            return; // a directory where a file or link must go, and nothing in it was changed here
        }
        boolean safe;
        if (local.isSymlink()) {
            safe = true;
        } else if (local.isFile()) {
            safe = agreed(root, p, local, incomingDigest, base);
        } else {
            safe = false; // a directory that holds what is not to be deleted (see removeTree)
        }
        if (safe) {
            if (incomingDigest == null) { // a delete, not a replacement
                try {
                    p.dir.unlink(p.name);
                    report.deleted();
                } catch (NoSuchFileException gone) {
                    // already
                }
            }
            record.remove(root, local.path());
            cache.remove(root, local.path());
            return;
        }
        String copy = conflictName(p.name);
        p.dir.renameNoReplace(p.name, copy);
        record.remove(root, local.path());
        cache.remove(root, local.path());
        int slash = local.path().lastIndexOf('/');
        String copyRel = slash < 0 ? copy : local.path().substring(0, slash + 1) + copy;
        report.conflict(root, local.path(), copyRel);
    }

    /**
     * Whether a local file may go without a trace: it is the copy recorded when both sides last agreed (same
     * identity, or the same content read now), it has the content the source recorded as agreed ({@code base}: this
     * node may have crashed before saving its own record), or it already holds the incoming content.
     */
    private boolean agreed(String root, Place p, FileEntry local, byte[] incomingDigest, byte[] base)
            throws IOException {
        SyncRecord.Agreed a = record.get(root, local.path());
        if (a != null && a.sameIdentity(local)) {
            return true;
        }
        if (a != null && a.inode() == 0 && a.digest() == null) {
            return a.size() == local.size() && a.mtimeNanos() == local.mtimeNanos(); // recorded by version 1
        }
        if ((a == null || a.digest() == null) && incomingDigest == null && base == null) {
            return false; // nothing to compare its content with: keep it
        }
        if (local.size() > maxFileSize) {
            return false;
        }
        byte[] d = digest(root, p, local, false);
        return (a != null && Arrays.equals(d, a.digest())) || Arrays.equals(d, incomingDigest)
                || Arrays.equals(d, base);
    }

    /** {@code name.hakit-conflict-<time>-<node>-<n>}, cut so that it stays within 255 bytes. */
    String conflictName(String name) {
        String suffix = Scanner.CONFLICT_INFIX + LocalDateTime.now().format(STAMP) + "-" + nodeId + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000));
        byte[] base = Names.encode(name);
        int room = PathGuard.MAX_SEGMENT_BYTES - Names.encode(suffix).length;
        if (base.length > room) {
            base = Arrays.copyOf(base, Math.max(1, room));
            return Names.decode(base) + suffix;
        }
        return name + suffix;
    }

    /**
     * Removes the directory {@code name} in {@code parent} (at {@code rel}) with what it holds: each file as a delete
     * would (one changed here is kept as a conflict copy), then the directories, deepest first, when empty. What the
     * scanner does not list (conflict copies, excluded files) stays, and so do the directories that hold it. Returns
     * whether the directory is gone.
     */
    boolean removeTree(String root, SafeDir parent, String name, String rel) throws IOException {
        forgetPeeks();
        SafeDir dir;
        try {
            dir = parent.openDir(name);
        } catch (NoSuchFileException gone) {
            return true;
        } catch (SafeDir.LinkException | NotDirectoryException replaced) {
            return false; // no longer a directory: the caller's next look decides
        }
        try (dir) {
            for (String child : dir.list()) {
                String childRel = rel + "/" + child;
                if (Scanner.isInternal(childRel)) {
                    continue;
                }
                Posix.Stat s = dir.statOrNull(child);
                if (s == null) {
                    continue;
                }
                FileEntry e = FileEntry.of(childRel, s, s.isSymlink() ? dir.readlink(child) : null);
                if (e.type() == io.hakit.sync.internal.proto.EntryType.ENTRY_TYPE_UNSPECIFIED
                        || !scanner.keeps(childRel, e.isDirectory())) {
                    continue; // special or excluded: not ours
                }
                if (e.isDirectory()) {
                    removeTree(root, dir, child, childRel);
                } else {
                    preserveOrDelete(root, new Place(dir, child), e, null, null);
                }
            }
        }
        try {
            parent.rmdir(name);
            report.deleted();
            return true;
        } catch (DirectoryNotEmptyException kept) {
            LOG.debug("{}:{} kept: not empty (conflict copies or excluded files)", root, PathGuard.display(rel));
            return false;
        } catch (NoSuchFileException gone) {
            return true;
        }
    }

    /** What a walk of a root does with each entry the full manifest did not list. */
    private interface Unlisted {
        void found(SafeDir dir, String name, String rel, FileEntry local) throws IOException;
    }

    /**
     * Removes what a full manifest of {@code root} did not list (each file as a delete would: one changed here is
     * kept as a conflict copy); errors are added to {@code errors}.
     */
    void deleteUnlisted(String root, Set<String> keep, Set<String> keepDirs, List<String> errors) throws IOException {
        forgetPeeks();
        walkUnlisted(root, root(root).reopen(), "", keep, keepDirs, errors, (dir, name, rel, e) -> {
            try {
                if (e.isDirectory()) {
                    if (!removeTree(root, dir, name, rel)) {
                        LOG.debug("{}:{} kept: holds what is not to be deleted", root, PathGuard.display(rel));
                    }
                } else {
                    preserveOrDelete(root, new Place(dir, name), e, null, null);
                }
            } catch (IOException io) {
                errors.add(root + ":" + PathGuard.display(rel) + ": " + Sink.describe(io));
            }
        });
    }

    /** Lists what a verification round finds only here: entries of {@code root} the full manifest did not list. */
    void unlisted(String root, Set<String> keep, Set<String> keepDirs, List<String> out) throws IOException {
        walkUnlisted(root, root(root).reopen(), "", keep, keepDirs, out, (dir, name, rel, e) ->
                out.add(root + ":" + PathGuard.display(rel) + ": only on the standby (" + (e.isDirectory()
                        ? "directory" : e.isSymlink() ? "link" : "file") + ")"));
    }

    /**
     * Walks {@code dir} (closing it), reading names only and descending, without following links, into the
     * directories the manifest listed; each unlisted entry of ours (not internal, special or excluded) goes to
     * {@code action}. A link where the manifest has a directory is reported in {@code problems}, never followed.
     */
    private void walkUnlisted(String root, SafeDir dir, String dirRel, Set<String> keep, Set<String> keepDirs,
                              List<String> problems, Unlisted action) throws IOException {
        try (dir) {
            for (String name : dir.list()) {
                if (Scanner.isInternalName(name)) {
                    continue; // (the directories above were listed by the source: not internal)
                }
                String rel = dirRel.isEmpty() ? name : dirRel + "/" + name;
                if (keep.contains(rel)) {
                    if (keepDirs.contains(rel)) {
                        SafeDir sub;
                        try {
                            sub = dir.openDir(name);
                        } catch (NoSuchFileException | NotDirectoryException gone) {
                            continue; // replaced meanwhile: the entry's own handling or the next round sees it
                        } catch (SafeDir.LinkException link) {
                            problems.add(root + ":" + PathGuard.display(rel) + " is a symbolic link here where the "
                                    + "source has a directory (swapped during the round?): not followed");
                            continue;
                        }
                        walkUnlisted(root, sub, rel, keep, keepDirs, problems, action);
                    }
                    continue;
                }
                Posix.Stat s = dir.statOrNull(name);
                if (s == null) {
                    continue;
                }
                FileEntry e = FileEntry.of(rel, s, s.isSymlink() ? dir.readlink(name) : null);
                if (e.type() == io.hakit.sync.internal.proto.EntryType.ENTRY_TYPE_UNSPECIFIED
                        || !scanner.keeps(rel, e.isDirectory())) {
                    continue; // special or excluded: not ours
                }
                action.found(dir, name, rel, e);
            }
        }
    }

    // ------------------------------------------------------------------ start-up cleaning

    /**
     * Removes what a crash can leave in a root: when {@code temps}, this library's temp files (safe on any node: only
     * this library makes them, and only while it runs: call it before the synchronizer takes connections) and, when
     * {@code standby}, zero-size files with no permission bits (the junk an interrupted copy leaves on a standby; on
     * the active such a file is the user's). Never follows a link. Appends what it removed to {@code removed} and the
     * conflict copies it saw to {@code conflicts}.
     */
    static void clean(String rootName, Path root, boolean temps, boolean standby, List<String> removed,
                      List<String> conflicts) throws IOException {
        try (SafeDir d = SafeDir.openRoot(root)) {
            clean(rootName, d, "", temps, standby, removed, conflicts);
        }
    }

    private static void clean(String rootName, SafeDir dir, String dirRel, boolean temps, boolean standby,
                              List<String> removed, List<String> conflicts) throws IOException {
        for (String name : dir.list()) {
            String rel = dirRel.isEmpty() ? name : dirRel + "/" + name;
            Posix.Stat s = dir.statOrNull(name);
            if (s == null) {
                continue;
            }
            if (name.startsWith(Scanner.TEMP_PREFIX) && !s.isDirectory()) {
                if (!temps) {
                    continue; // a round may be writing it right now
                }
                quietly(() -> dir.unlink(name));
                removed.add(rootName + ":" + PathGuard.display(rel) + " (temp file of an interrupted transfer)");
            } else if (name.contains(Scanner.CONFLICT_INFIX)) {
                conflicts.add(rootName + ":" + rel);
            } else if (standby && s.isFile() && s.size() == 0 && (s.mode() & 0777) == 0) {
                quietly(() -> dir.unlink(name));
                removed.add(rootName + ":" + PathGuard.display(rel) + " (zero-size file without permissions)");
            } else if (s.isDirectory()) {
                try (SafeDir sub = dir.openDir(name)) {
                    clean(rootName, sub, rel, temps, standby, removed, conflicts);
                } catch (NoSuchFileException | NotDirectoryException | SafeDir.LinkException gone) {
                    // replaced meanwhile: not ours to walk
                }
            }
        }
    }

    private interface Op {
        void run() throws IOException;
    }

    static void quietly(Op op) {
        try {
            op.run();
        } catch (IOException e) {
            LOG.warn("{}", e.getMessage());
        }
    }

    @Override
    public void close() {
        forgetPeeks();
        open.values().forEach(SafeDir::close);
        open.clear();
    }

    /** For messages: where a root is. */
    Path rootPath(String root) {
        return roots.get(root);
    }

    List<String> rootNames() {
        return new ArrayList<>(roots.keySet());
    }
}
