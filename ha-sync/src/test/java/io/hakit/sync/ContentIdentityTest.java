package io.hakit.sync;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A replaced file is always seen, whatever its size and mtime say: rename-over, a rewrite with the mtime put back
 * ({@code touch -r}), a hard link replaced ({@code ln -f}), a directory replaced by a file of its name. Each case keeps
 * size and mtime (old enough that no "recent file" rule helps), for small files and for one larger than what is
 * digested at the scan. The standby converges within one full round, and (watch on) without one; {@code verify}
 * finds nothing after, and finds a difference made on purpose on the standby.
 */
class ContentIdentityTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final FileTime OLD = FileTime.from(Instant.parse("2020-05-06T07:08:09.123456789Z"));

    @TempDir
    Path tmp;
    private SyncPair pair;

    @AfterEach
    void close() {
        if (pair != null) {
            pair.close();
        }
    }

    private static byte[] content(char c, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) c);
        for (int i = 0; i < size; i += 4096) {
            b[i] = (byte) (i / 4096); // not one repeated block: a delta must find the right ones
        }
        return b;
    }

    private static Path write(Path p, byte[] content) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        Files.setLastModifiedTime(p, OLD);
        return p;
    }

    private RoundResult full() throws Exception {
        RoundResult r = pair.a.syncNow(WAIT);
        assertThat(r.clean()).as("round %s", r).isTrue();
        return r;
    }

    private void assertSame() throws Exception {
        assertThat(TreeAssert.differences(pair.rootA, pair.rootB)).isEmpty();
        assertThat(pair.a.verify(WAIT).differences()).isEmpty();
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {100, 5 << 20})
    void aFileRenamedOverAnotherOfTheSameSizeAndMtime(int size) throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        write(pair.rootA.resolve("a.dat"), content('a', size));
        write(pair.rootA.resolve("b.dat"), content('b', size));
        full();
        assertSame();
        Files.move(pair.rootA.resolve("b.dat"), pair.rootA.resolve("a.dat"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.getLastModifiedTime(pair.rootA.resolve("a.dat"))).isEqualTo(OLD);
        RoundResult r = full();
        assertThat(r.files()).isEqualTo(1);
        assertThat(r.deleted()).isEqualTo(1);
        assertThat(r.conflicts()).isEmpty();
        assertSame();
        assertThat(Files.readAllBytes(pair.rootB.resolve("a.dat"))).isEqualTo(content('b', size));
    }

    /**
     * A large file sent just after it was written (its ctime too recent to trust its identity) is not sent again once
     * it has been quiet: the next round reads its digest at the scan, and the standby, which holds that content,
     * writes nothing (it used to copy every block into a new file, fsync and rename it).
     */
    @Test
    void aLargeFileSentWhileItsChangeWasRecentIsNotWrittenAgainOnceQuiet() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        Path f = pair.rootA.resolve("big.dat");
        int size = 6 << 20; // above what the scan digests while a file's change is recent
        Files.write(f, content('r', size));
        RoundResult first = full();
        assertThat(first.files()).isEqualTo(1);
        long ctime = ((FileTime) Files.getAttribute(f, "unix:ctime")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        await().atMost(WAIT).until(() -> !io.hakit.sync.internal.HashCache.racy(ctime,
                io.hakit.sync.internal.HashCache.now()));
        long inode = (Long) Files.getAttribute(pair.rootB.resolve("big.dat"), "unix:ino");

        RoundResult second = full();
        assertThat(second.files()).as("files the standby wrote again").isZero();
        assertThat(second.bytesSent()).isZero();
        assertThat((Long) Files.getAttribute(pair.rootB.resolve("big.dat"), "unix:ino")).as("the same file")
                .isEqualTo(inode);
        assertSame();
    }

    @Test
    void aRewriteWithTheMtimePutBack() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        Path f = write(pair.rootA.resolve("conf/app.conf"), content('1', 4000));
        full();
        Files.write(f, content('2', 4000));
        Files.setLastModifiedTime(f, OLD); // touch -r
        full();
        assertSame();
        assertThat(Files.readAllBytes(pair.rootB.resolve("conf/app.conf"))).isEqualTo(content('2', 4000));
    }

    @Test
    void aHardLinkReplaced() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        Path x = write(pair.rootA.resolve("x"), content('x', 300));
        Path y = write(pair.rootA.resolve("y"), content('y', 300));
        full();
        Files.delete(x);
        Files.createLink(x, y); // ln -f y x: x is now y's inode, same size and mtime as before
        full();
        assertSame();
        assertThat(Files.readAllBytes(pair.rootB.resolve("x"))).isEqualTo(content('y', 300));
        assertThat(Files.readAllBytes(pair.rootB.resolve("y"))).isEqualTo(content('y', 300));
    }

    @Test
    void aDirectoryReplacedByAFileOfItsName() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        write(pair.rootA.resolve("d/inner.txt"), content('i', 10));
        full();
        Files.delete(pair.rootA.resolve("d/inner.txt"));
        Files.delete(pair.rootA.resolve("d"));
        write(pair.rootA.resolve("d"), content('f', 10));
        full();
        assertSame();
        assertThat(pair.rootB.resolve("d")).isRegularFile();
    }

    @Test
    void theWatchAloneSeesEachReplacement() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        write(pair.rootA.resolve("a.dat"), content('a', 2000));
        write(pair.rootA.resolve("b.dat"), content('b', 2000));
        Path x = write(pair.rootA.resolve("x"), content('x', 2000));
        Path y = write(pair.rootA.resolve("y"), content('y', 2000));
        full();
        Files.move(pair.rootA.resolve("b.dat"), pair.rootA.resolve("a.dat"), StandardCopyOption.REPLACE_EXISTING);
        Files.delete(x);
        Files.createLink(x, y);
        Files.write(y, content('z', 2000)); // x and y are one inode: both change
        Files.setLastModifiedTime(y, OLD);
        await().atMost(WAIT).until(() -> TreeAssert.differences(pair.rootA, pair.rootB).isEmpty());
        assertSame();
    }

    @Test
    void verifyFindsWhatWasChangedOnTheStandbyBehindTheSynchronizersBack() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        write(pair.rootA.resolve("data.bin"), content('d', 10_000));
        write(pair.rootA.resolve("keep.txt"), content('k', 10));
        full();
        assertSame();
        // someone rewrites the standby's copy, same size, mtime put back: no round notices a change on the active
        Path broken = pair.rootB.resolve("data.bin");
        Files.write(broken, content('X', 10_000));
        Files.setLastModifiedTime(broken, OLD);
        Files.writeString(pair.rootB.resolve("stray.txt"), "only here");
        RoundResult v = pair.a.verify(WAIT);
        assertThat(v.differences()).hasSize(2);
        assertThat(v.differences()).anySatisfy(d -> assertThat(d).startsWith("data:data.bin: content differs"));
        assertThat(v.differences()).anySatisfy(d -> assertThat(d).isEqualTo("data:stray.txt: only on the standby "
                + "(file)"));
        assertThat(Files.readAllBytes(broken)).isEqualTo(content('X', 10_000)); // verification changes nothing
        // a full round repairs it, keeping the standby's own versions (and its own file) as conflict copies
        RoundResult r = full();
        assertThat(r.conflicts()).hasSize(2).anySatisfy(c -> assertThat(c).contains("data:data.bin was changed"))
                .anySatisfy(c -> assertThat(c).contains("data:stray.txt was changed"));
        assertThat(Files.readAllBytes(broken)).isEqualTo(content('d', 10_000));
        try (Stream<Path> s = Files.list(pair.rootB)) {
            assertThat(s.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("data.bin.hakit-conflict-"));
        }
        assertThat(pair.a.verify(WAIT).differences()).isEmpty();
    }
}
