package io.hakit.sync;

import io.hakit.sync.internal.PathGuard;
import io.hakit.sync.internal.Posix;
import io.hakit.sync.internal.SafeDir;
import io.hakit.sync.internal.Scanner;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A conflict copy found in a root: a file this node had changed and not its peer, kept by the synchronizer as
 * {@code <name>.hakit-conflict-<yyyyMMdd-HHmmss>-<node>-<n>} next to the file the peer's version replaced. Immutable.
 *
 * @param root         the root's name
 * @param copy         the copy's path in the root
 * @param original     the path whose version it was
 * @param copySize     the copy's size in bytes
 * @param copyMtime    the copy's mtime (the time of this node's own last change to it)
 * @param currentSize  the file now at {@code original} (the peer's version), or -1 when there is none
 * @param currentMtime its mtime, or null
 * @param node         the node that kept the copy (from its name)
 * @param madeAt       when it was kept (local time of that node, from its name), or null when the name does not say
 */
public record ConflictCopy(String root, String copy, String original, long copySize, Instant copyMtime,
                           long currentSize, Instant currentMtime, String node, LocalDateTime madeAt) {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /**
     * Every conflict copy in the roots of {@code config}, walking them without following links (read only: this
     * may run while the agent runs). Blocks the caller for the walk: one {@code stat} per path in every root.
     * A directory replaced while it is walked is skipped, not reported.
     *
     * @param config the settings whose {@link SyncConfig#roots()} are searched
     * @return the copies found, root by root in the configuration's order; empty when there are none
     * @throws IOException when a root cannot be opened (missing, not a directory, no permission) or listed
     */
    public static List<ConflictCopy> find(SyncConfig config) throws IOException {
        List<ConflictCopy> out = new ArrayList<>();
        for (Map.Entry<String, java.nio.file.Path> r : config.roots().entrySet()) {
            try (SafeDir d = SafeDir.openRoot(r.getValue())) {
                walk(r.getKey(), d, "", out);
            }
        }
        return out;
    }

    private static void walk(String root, SafeDir dir, String rel, List<ConflictCopy> out) throws IOException {
        for (String name : dir.list()) {
            String path = rel.isEmpty() ? name : rel + "/" + name;
            Posix.Stat s = dir.statOrNull(name);
            if (s == null) {
                continue;
            }
            int at = name.indexOf(Scanner.CONFLICT_INFIX);
            if (at > 0 && !s.isDirectory()) {
                out.add(of(root, rel, name, at, s, dir));
            } else if (s.isDirectory() && !name.startsWith(Scanner.TEMP_PREFIX)) {
                try (SafeDir sub = dir.openDir(name)) {
                    walk(root, sub, path, out);
                } catch (NoSuchFileException | NotDirectoryException | SafeDir.LinkException gone) {
                    // replaced meanwhile
                }
            }
        }
    }

    private static ConflictCopy of(String root, String rel, String name, int at, Posix.Stat s, SafeDir dir)
            throws IOException {
        String base = name.substring(0, at);
        String tail = name.substring(at + Scanner.CONFLICT_INFIX.length()); // <stamp>-<node>-<n>
        LocalDateTime made = null;
        String node = "?";
        int last = tail.lastIndexOf('-');
        if (tail.length() > 16 && last > 16) {
            try {
                made = LocalDateTime.parse(tail.substring(0, 15), STAMP);
                node = tail.substring(16, last);
            } catch (DateTimeParseException e) {
                node = "?";
            }
        }
        Posix.Stat now = dir.statOrNull(base);
        String prefix = rel.isEmpty() ? "" : rel + "/";
        return new ConflictCopy(root, prefix + name, prefix + base, s.size(), instant(s.mtimeNanos()),
                now == null ? -1 : now.size(), now == null ? null : instant(now.mtimeNanos()), node, made);
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    /**
     * The copy for messages and listings.
     *
     * @return {@code root:path} of the copy, with unusual bytes escaped
     */
    public String shown() {
        return root + ":" + PathGuard.display(copy);
    }

    /**
     * The original for messages and listings.
     *
     * @return {@code root:path} of the file whose version the copy keeps, with unusual bytes escaped
     */
    public String originalShown() {
        return root + ":" + PathGuard.display(original);
    }

    /**
     * The time the copy was made, for messages and listings.
     *
     * @return the time in its name read in this JVM's default zone, as an ISO-8601 date-time with offset; "?" when
     *     the name does not say
     */
    public String madeAtShown() {
        return madeAt == null ? "?" : madeAt.atZone(ZoneId.systemDefault()).toOffsetDateTime().toString();
    }
}
