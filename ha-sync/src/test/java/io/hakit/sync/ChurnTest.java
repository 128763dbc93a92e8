package io.hakit.sync;

import io.hakit.api.alarm.AlarmEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Random churn on the source while the watcher drives the rounds (in the manner of lsyncd's tests/churn-*.lua):
 * creates, rewrites, appends, truncations, deletes, renames of files and directories, mkdir and rmdir, a directory
 * replaced by a file and the reverse, chmod and mtime changes over a tree of about 200 entries, for a few seconds.
 * Then the watch-driven rounds alone must bring the replica to the source's state (content, mode, mtime), and a full
 * round must find nothing left to do.
 *
 * <p>The seed is printed on failure; rerun with {@code -Dchurn.seed=N} (the timing still differs).
 */
class ChurnTest {

    private static final Duration CHURN = Duration.ofSeconds(4);
    private static final Duration SETTLE = Duration.ofSeconds(15);
    private static final int TARGET_ENTRIES = 200;
    private static final String[] FILE_MODES = {"rw-r--r--", "rw-------", "rwxr-xr-x", "rw-r-----", "rw-rw-r--"};
    private static final String[] DIR_MODES = {"rwxr-xr-x", "rwx------", "rwxr-x---"};

    @TempDir
    Path tmp;
    private SyncPair pair;
    private Random random;
    private Path root;
    /** Relative paths of the source's files and directories (the root not included). */
    private final TreeSet<String> files = new TreeSet<>();
    private final TreeSet<String> dirs = new TreeSet<>();
    private int counter;
    private final int[] ops = new int[Op.values().length];

    private enum Op { CREATE, REWRITE, REWRITE_SAME_SIZE, APPEND, TRUNCATE, DELETE, RENAME_FILE, MKDIR, RMDIR,
        RM_TREE, RENAME_DIR, DIR_TO_FILE, FILE_TO_DIR, CHMOD, TOUCH }

    @AfterEach
    void close() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void theWatcherAloneConvergesAfterRandomChurnAndAFullRoundFindsNothingLeft() throws Exception {
        long seed = Long.getLong("churn.seed", System.nanoTime());
        random = new Random(seed);
        String context = "seed " + seed + " (rerun with -Dchurn.seed=" + seed + ")";
        pair = SyncPair.started(tmp, b -> b);
        root = pair.rootA;
        for (int i = 0; i < 20; i++) {
            mkdir();
        }
        while (files.size() + dirs.size() < TARGET_ENTRIES) {
            create();
        }
        RoundResult first = pair.a.syncNow(Duration.ofSeconds(20));
        assertThat(first.ok()).as(context + ": first full round " + first).isTrue();

        long end = System.nanoTime() + CHURN.toNanos();
        int n = 0;
        while (System.nanoTime() - end < 0) {
            step();
            if (++n % 4 == 0) {
                Thread.sleep(1);
            }
        }
        String did = n + " operations " + opsDone();

        long t0 = System.nanoTime();
        long deadline = t0 + SETTLE.toNanos();
        List<String> d;
        while (!(d = differences()).isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                fail(context + ": after " + did + ", the watch-driven rounds did not converge within "
                        + SETTLE.toSeconds() + " s; " + d.size() + " differences: " + d.subList(0,
                        Math.min(20, d.size())) + "; sink status " + pair.b.status() + "; source status "
                        + pair.a.status());
            }
            Thread.sleep(50);
        }
        long settleMs = (System.nanoTime() - t0) / 1_000_000;

        RoundResult full = pair.a.syncNow(Duration.ofSeconds(20));
        assertThat(full.errors()).as(context + ": errors of the final full round").isEmpty();
        assertThat(full.refused()).as(context + ": refused in the final full round").isEmpty();
        assertThat(full.conflicts()).as(context + ": conflicts in the final full round").isEmpty();
        assertThat(full.files()).as(context + ": files the final full round still had to write").isZero();
        assertThat(full.deleted()).as(context + ": paths the final full round still had to delete").isZero();
        assertThat(TreeAssert.differences(pair.rootA, pair.rootB)).as(context).isEmpty();
        try (Stream<Path> s = Files.walk(pair.rootB)) {
            assertThat(s.map(p -> pair.rootB.relativize(p).toString()).filter(p -> p.contains(".hakit-")))
                    .as(context + ": conflict copies or temp files on the replica").isEmpty();
        }
        // the churn is no reason for a round to fail (a failed round reconnects and falls back to a full round)
        assertThat(Stream.concat(pair.alarmsA.history().stream(), pair.alarmsB.history().stream())
                .filter(e -> e.kind() == AlarmEvent.Kind.RAISED).map(Object::toString))
                .as(context + ": SYNC_FAILED raised during the churn").isEmpty();
        System.out.println("ChurnTest: " + did + "; the watcher converged " + settleMs + " ms after the churn");
    }

    private List<String> differences() throws IOException {
        try {
            return TreeAssert.differences(pair.rootA, pair.rootB);
        } catch (NoSuchFileException | UncheckedIOException e) {
            return List.of(e.toString()); // the sink is mid-round
        }
    }

    private String opsDone() {
        StringBuilder b = new StringBuilder("(");
        for (Op o : Op.values()) {
            b.append(b.length() > 1 ? ", " : "").append(o.name().toLowerCase()).append(' ').append(ops[o.ordinal()]);
        }
        return b.append(')').toString();
    }

    // ------------------------------------------------------------------ operations

    private void step() throws IOException {
        int entries = files.size() + dirs.size();
        Op op;
        int r = random.nextInt(100);
        if (r < 12) {
            op = entries < TARGET_ENTRIES ? Op.CREATE : Op.DELETE;
        } else if (r < 22) {
            op = Op.REWRITE;
        } else if (r < 30) {
            op = Op.REWRITE_SAME_SIZE;
        } else if (r < 38) {
            op = Op.APPEND;
        } else if (r < 44) {
            op = Op.TRUNCATE;
        } else if (r < 50) {
            op = entries < TARGET_ENTRIES ? Op.CREATE : Op.DELETE;
        } else if (r < 58) {
            op = Op.RENAME_FILE;
        } else if (r < 62) {
            op = dirs.size() < 25 ? Op.MKDIR : Op.RMDIR;
        } else if (r < 64) {
            op = Op.RM_TREE;
        } else if (r < 68) {
            op = Op.RENAME_DIR;
        } else if (r < 70) {
            op = random.nextBoolean() ? Op.DIR_TO_FILE : Op.FILE_TO_DIR;
        } else if (r < 85) {
            op = Op.CHMOD;
        } else {
            op = Op.TOUCH;
        }
        if (apply(op)) {
            ops[op.ordinal()]++;
        }
    }

    /** Applies one operation; false when there was nothing to apply it to. */
    private boolean apply(Op op) throws IOException {
        switch (op) {
            case CREATE -> create();
            case MKDIR -> mkdir();
            case REWRITE, REWRITE_SAME_SIZE, APPEND, TRUNCATE -> {
                String f = pick(files);
                if (f == null) {
                    return false;
                }
                Path p = root.resolve(f);
                long size = Files.size(p);
                switch (op) {
                    case REWRITE -> Files.write(p, content(randomSize()));
                    case REWRITE_SAME_SIZE -> Files.write(p, content((int) size));
                    case APPEND -> Files.write(p, content(1 + random.nextInt(4096)), StandardOpenOption.APPEND);
                    default -> {
                        try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
                            c.truncate(size == 0 ? 0 : random.nextLong(size));
                        }
                    }
                }
            }
            case DELETE -> {
                String f = pick(files);
                if (f == null) {
                    return false;
                }
                Files.delete(root.resolve(f));
                files.remove(f);
            }
            case RENAME_FILE -> {
                String f = pick(files);
                if (f == null) {
                    return false;
                }
                // half of the renames replace an existing file
                String to = random.nextBoolean() && files.size() > 1 ? pick(files) : newName(pickDir(), "f");
                if (to.equals(f)) {
                    return false;
                }
                Files.move(root.resolve(f), root.resolve(to), StandardCopyOption.REPLACE_EXISTING);
                files.remove(f);
                files.add(to);
            }
            case RMDIR -> {
                String d = pick(dirs.stream().filter(this::empty).toList());
                if (d == null) {
                    return false;
                }
                Files.delete(root.resolve(d));
                dirs.remove(d);
            }
            case RM_TREE, DIR_TO_FILE -> {
                String d = pick(dirs.stream().filter(x -> below(x).size() < 15).toList());
                if (d == null) {
                    return false;
                }
                List<String> gone = below(d);
                gone.add(d);
                gone.sort(Comparator.comparingInt(String::length).reversed());
                for (String g : gone) {
                    Files.delete(root.resolve(g));
                    files.remove(g);
                    dirs.remove(g);
                }
                if (op == Op.DIR_TO_FILE) { // a file takes the name: the paths below it stop being directories
                    Files.write(root.resolve(d), content(randomSize()));
                    files.add(d);
                }
            }
            case FILE_TO_DIR -> {
                String f = pick(files);
                if (f == null) {
                    return false;
                }
                Files.delete(root.resolve(f));
                files.remove(f);
                Files.createDirectory(root.resolve(f));
                dirs.add(f);
                String in = f + "/f" + (counter++);
                Files.write(root.resolve(in), content(randomSize()));
                files.add(in);
            }
            case RENAME_DIR -> {
                String d = pick(dirs);
                if (d == null) {
                    return false;
                }
                String parent = pickDir();
                if (parent.equals(d) || parent.startsWith(d + "/")) {
                    return false;
                }
                String to = newName(parent, "d");
                List<String> moved = below(d);
                Files.move(root.resolve(d), root.resolve(to));
                dirs.remove(d);
                dirs.add(to);
                for (String m : moved) {
                    String now = to + m.substring(d.length());
                    if (files.remove(m)) {
                        files.add(now);
                    } else if (dirs.remove(m)) {
                        dirs.add(now);
                    }
                }
            }
            case CHMOD -> {
                boolean file = random.nextInt(4) > 0 || dirs.isEmpty();
                String e = file ? pick(files) : pick(dirs);
                if (e == null) {
                    return false;
                }
                String[] modes = file ? FILE_MODES : DIR_MODES;
                Files.setPosixFilePermissions(root.resolve(e),
                        PosixFilePermissions.fromString(modes[random.nextInt(modes.length)]));
            }
            case TOUCH -> {
                String f = pick(files);
                if (f == null) {
                    return false;
                }
                // a time in the past few years, to the nanosecond
                long nanos = TimeUnit.DAYS.toNanos(18_000) + random.nextLong(TimeUnit.DAYS.toNanos(1000));
                Files.setLastModifiedTime(root.resolve(f), FileTime.from(nanos, TimeUnit.NANOSECONDS));
            }
            default -> throw new IllegalStateException(op.name());
        }
        return true;
    }

    private void create() throws IOException {
        String f = newName(pickDir(), "f");
        Files.write(root.resolve(f), content(randomSize()));
        files.add(f);
    }

    private void mkdir() throws IOException {
        String d = newName(pickDir(), "d");
        Files.createDirectory(root.resolve(d));
        dirs.add(d);
    }

    private int randomSize() {
        int r = random.nextInt(100);
        if (r < 5) {
            return 0;
        }
        if (r < 90) {
            return random.nextInt(8192);
        }
        return 256 * 1024 + random.nextInt(256 * 1024); // several blocks: the delta path
    }

    private byte[] content(int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    private String newName(String dir, String prefix) {
        String name = prefix + (counter++);
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    /** A directory for a new entry: the root or one of the directories. */
    private String pickDir() {
        return random.nextInt(dirs.size() + 1) == 0 ? "" : pick(dirs);
    }

    private String pick(java.util.Collection<String> from) {
        if (from.isEmpty()) {
            return null;
        }
        int i = random.nextInt(from.size());
        for (String s : from) {
            if (i-- == 0) {
                return s;
            }
        }
        throw new IllegalStateException();
    }

    private boolean empty(String dir) {
        return below(dir).isEmpty();
    }

    private List<String> below(String dir) {
        List<String> l = new ArrayList<>();
        String prefix = dir + "/";
        files.tailSet(prefix).stream().takeWhile(s -> s.startsWith(prefix)).forEach(l::add);
        dirs.tailSet(prefix).stream().takeWhile(s -> s.startsWith(prefix)).forEach(l::add);
        return l;
    }
}
