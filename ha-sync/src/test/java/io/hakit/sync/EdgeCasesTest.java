package io.hakit.sync;

import io.hakit.sync.internal.Names;
import io.hakit.sync.internal.SafeDir;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * What each unusual file does, made visible and tested: names that are not UTF-8, sparse files, hard links, files of
 * mode 000, names of 255 bytes, paths near and beyond PATH_MAX, and a file that never stops changing.
 */
class EdgeCasesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    private SyncPair pair;

    @AfterEach
    void close() {
        if (pair != null) {
            pair.close();
        }
    }

    private RoundResult full() throws Exception {
        return pair.a.syncNow(WAIT);
    }

    @Test
    void namesThatAreNotUtf8ArriveAsTheSameBytes() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        String file = Names.decode(new byte[] {'b', 'a', 'd', (byte) 0xff, 'n', 'a', 'm', 'e'});
        String dir = Names.decode(new byte[] {'d', (byte) 0xe9, 'j', (byte) 0xe0});
        String link = Names.decode(new byte[] {'l', (byte) 0x80});
        Files.writeString(Names.resolve(pair.rootA, file), "latin-1 named");
        Files.createDirectories(Names.resolve(pair.rootA, dir));
        Files.writeString(Names.resolve(pair.rootA, dir + "/" + file), "inside");
        try (SafeDir a = SafeDir.openRoot(pair.rootA)) {
            a.symlink(link, file); // a link whose target is not UTF-8 either
        }
        Files.writeString(pair.rootA.resolve("naïve 名前.txt"), "utf-8 named");
        Files.writeString(pair.rootA.resolve("back\\slash"), "a backslash is a name character on Linux");
        RoundResult r = full();
        assertThat(r.clean()).as("%s", r).isTrue();
        try (SafeDir b = SafeDir.openRoot(pair.rootB)) {
            assertThat(b.list()).containsExactlyInAnyOrder(file, dir, link, "naïve 名前.txt", "back\\slash");
            assertThat(b.readlink(link)).isEqualTo(file);
            try (SafeDir d = b.openDir(dir)) {
                assertThat(d.list()).containsExactly(file);
            }
        }
        assertThat(Files.readString(Names.resolve(pair.rootB, dir + "/" + file))).isEqualTo("inside");
        assertThat(pair.a.verify(WAIT).differences()).isEmpty();
    }

    @Test
    void aSparseFileArrivesSparseAndItsHolesAreNotSent() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        Path f = pair.rootA.resolve("disk.img");
        long size = 64L << 20;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
            raf.seek(32L << 20);
            raf.write("data in the middle".getBytes(StandardCharsets.US_ASCII));
            raf.seek(size - 5);
            raf.write("tail!".getBytes(StandardCharsets.US_ASCII));
        }
        assumeThat(allocated(f)).as("the temp file system keeps holes").isLessThan(1L << 20);
        RoundResult r = full();
        assertThat(r.clean()).isTrue();
        assertThat(r.bytesSent()).as("data sent for a 64 MiB file with 2 small extents").isLessThan(2L << 20);
        Path copy = pair.rootB.resolve("disk.img");
        assertThat(Files.size(copy)).isEqualTo(size);
        assertThat(Files.mismatch(f, copy)).isEqualTo(-1);
        assertThat(allocated(copy)).as("bytes allocated on the standby").isLessThan(1L << 20);
        // a hole at the very end too
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size + (16L << 20));
        }
        assertThat(full().clean()).isTrue();
        assertThat(Files.size(copy)).isEqualTo(size + (16L << 20));
        assertThat(Files.mismatch(f, copy)).isEqualTo(-1);
        assertThat(allocated(copy)).isLessThan(1L << 20);
    }

    private static long allocated(Path p) throws IOException {
        try (SafeDir d = SafeDir.openRoot(p.getParent())) {
            return d.stat(p.getFileName().toString()).allocated();
        }
    }

    @Test
    void hardLinkedFilesArriveAsSeparateCopies() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        Path x = pair.rootA.resolve("x");
        Files.writeString(x, "shared inode");
        Files.createLink(pair.rootA.resolve("y"), x);
        assertThat(full().clean()).isTrue();
        Path bx = pair.rootB.resolve("x");
        Path by = pair.rootB.resolve("y");
        assertThat(bx).hasContent("shared inode");
        assertThat(by).hasContent("shared inode");
        assertThat(Files.getAttribute(bx, "unix:ino")).isNotEqualTo(Files.getAttribute(by, "unix:ino"));
        assertThat(Files.getAttribute(bx, "unix:nlink")).isEqualTo(1);
        assertThat(pair.a.verify(WAIT).differences()).isEmpty();
    }

    @Test
    void aFileOfMode000ArrivesWithMode000() throws Exception {
        assumeThat(System.getProperty("user.name")).as("reading a mode-000 file needs root").isEqualTo("root");
        pair = SyncPair.started(tmp, b -> b.watch(false));
        Path f = pair.rootA.resolve("locked.key");
        Files.writeString(f, "key material");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assertThat(full().clean()).isTrue();
        Path copy = pair.rootB.resolve("locked.key");
        assertThat(Files.getPosixFilePermissions(copy, LinkOption.NOFOLLOW_LINKS)).isEmpty();
        assertThat(Files.readString(copy)).isEqualTo("key material");
    }

    @Test
    void longNamesAndDeepPathsArriveAndPathsBeyondWhatTheSystemAllowsAreReported() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        String longName = "n".repeat(255);
        Files.writeString(pair.rootA.resolve(longName), "255 bytes of name");
        // a relative path of ~3,800 bytes (16 levels of 240-byte names), within PATH_MAX from / on both nodes
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            parts.add(String.valueOf((char) ('a' + i)).repeat(240));
        }
        Path deep = pair.rootA.resolve(String.join("/", parts));
        Files.createDirectories(deep);
        Files.writeString(deep.resolve("leaf.txt"), "deep");
        // and one that is longer than PATH_MAX once the root is in front of it: made relative to its parent
        try (SafeDir d = SafeDir.openRoot(deep)) {
            d.mkdir("z".repeat(250), 0755);
            try (SafeDir z = d.openDir("z".repeat(250))) {
                z.mkdir("y".repeat(250), 0755);
                try (SafeDir y = z.openDir("y".repeat(250))) {
                    y.create("too-deep.txt").close();
                }
            }
        }
        RoundResult r;
        try {
            r = full();
        } finally { // @TempDir cannot delete what is beyond PATH_MAX: take it down relative to its parent
            try (SafeDir d = SafeDir.openRoot(deep); SafeDir z = d.openDir("z".repeat(250));
                 SafeDir y = z.openDir("y".repeat(250))) {
                y.unlink("too-deep.txt");
                z.rmdir("y".repeat(250));
            }
        }
        assertThat(r.clean()).as("%s", r).isTrue();
        assertThat(Files.readString(pair.rootB.resolve(longName))).isEqualTo("255 bytes of name");
        assertThat(Files.readString(pair.rootB.resolve(String.join("/", parts)).resolve("leaf.txt")))
                .isEqualTo("deep");
        assertThat(pair.a.status().skippedOnSource()).anySatisfy(s -> assertThat(s).contains("yyyy' is")
                .contains("longer than"));
        // a conflict copy of a 255-byte name stays within 255 bytes
        Files.writeString(pair.rootB.resolve(longName), "changed on the standby");
        Files.writeString(pair.rootA.resolve(longName), "changed on the active");
        r = full();
        assertThat(r.conflicts()).hasSize(1);
        try (SafeDir b = SafeDir.openRoot(pair.rootB)) {
            assertThat(b.list()).anySatisfy(n -> assertThat(n).contains(".hakit-conflict-")
                    .satisfies(x -> assertThat(Names.encode(x).length).isLessThanOrEqualTo(255)));
        }
    }

    @Test
    void aFileThatNeverStopsChangingIsSentFromASnapshotAndIsPendingUntilThen() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false).bandwidthLimit(8L << 20));
        pair.a.syncNow(WAIT);
        Path f = pair.rootA.resolve("busy.log");
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 'x');
        try (var out = Files.newOutputStream(f)) {
            for (int i = 0; i < 12 * 16; i++) { // 12 MiB: 1.5 s at the 8 MiB/s limit
                out.write(chunk);
            }
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread appender = new Thread(() -> {
            int n = 0;
            while (!stop.get()) {
                try (var out = Files.newOutputStream(f, java.nio.file.StandardOpenOption.APPEND)) {
                    out.write(("line " + n++ + "\n").getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        appender.start();
        try {
            List<RoundResult> rounds = new ArrayList<>();
            List<Boolean> gate = new ArrayList<>();
            while (rounds.size() < 6 && (rounds.isEmpty() || !rounds.get(rounds.size() - 1).clean())) {
                rounds.add(full());
                gate.add(pair.b.holdsActiveFiles());
            }
            // a standby that misses a file of the active's does not count as holding its files (no failback)
            assertThat(gate.get(0)).isFalse();
            assertThat(gate.get(gate.size() - 1)).isTrue();
            RoundResult first = rounds.get(0);
            assertThat(first.clean()).isFalse();
            assertThat(first.pending()).singleElement().asString().contains("busy.log").contains("changed while");
            if (rounds.size() == 1) {
                throw new AssertionError("the first round was clean: " + rounds);
            }
            RoundResult last = rounds.get(rounds.size() - 1);
            assertThat(last.clean()).as("rounds %s", rounds).isTrue();
            // two direct attempts, then a snapshot (a copy caught by an append is taken again: one more round at most)
            assertThat(rounds.size()).as("rounds %s", rounds).isLessThanOrEqualTo(4);
        } finally {
            stop.set(true);
            appender.join(5000);
        }
        // what arrived is one consistent version: a prefix of the file as it is now
        byte[] now = Files.readAllBytes(f);
        byte[] copy = Files.readAllBytes(pair.rootB.resolve("busy.log"));
        assertThat(copy.length).isGreaterThanOrEqualTo(12 << 20).isLessThanOrEqualTo(now.length);
        assertThat(Arrays.equals(copy, 0, copy.length, now, 0, copy.length)).isTrue();
    }

    /**
     * An application streams into a large file for a while (the watch on): attempts caught by its writes leave the
     * file pending, never failed, and the snapshot copies stop while it is being written; once it is quiet it
     * arrives whole. Before, every round from the third on copied the whole growing file locally three times, failed
     * it and raised SYNC_FAILED, over and over until the writer stopped.
     */
    @Test
    void aLargeFileBeingWrittenIsPendingNotFailedAndArrivesOnceQuiet() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        pair.a.syncNow(WAIT);
        Path f = pair.rootA.resolve("stream.bin");
        byte[] chunk = new byte[256 * 1024];
        new java.util.Random(3).nextBytes(chunk);
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        try (var out = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            for (int i = 0; System.nanoTime() < until && i < 1024; i++) { // about 1.5 s, at most 256 MiB
                chunk[0] = (byte) i;
                var b = java.nio.ByteBuffer.wrap(chunk);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                Thread.sleep(2);
            }
        }
        byte[] written = Files.readAllBytes(f);
        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> assertThat(
                Files.exists(pair.rootB.resolve("stream.bin"))
                        && Arrays.equals(Files.readAllBytes(pair.rootB.resolve("stream.bin")), written)).isTrue());
        assertThat(pair.alarmsA.history()).as("alarms of the active").noneMatch(e -> e.type()
                == io.hakit.api.alarm.AlarmType.SYNC_FAILED);
        assertThat(pair.alarmsB.history()).as("alarms of the standby").noneMatch(e -> e.type()
                == io.hakit.api.alarm.AlarmType.SYNC_FAILED);
    }
}
