package io.hakit.sync;

import io.hakit.api.alarm.Alarm;
import io.hakit.api.alarm.AlarmType;
import io.hakit.sync.internal.Digests;
import io.hakit.sync.internal.HashCache;
import io.hakit.sync.internal.Scanner;
import io.hakit.sync.internal.Sink;
import io.hakit.sync.internal.SyncFrames;
import io.hakit.sync.internal.SyncRecord;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import io.hakit.testkit.Tmpfs;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.hakit.sync.CraftedSource.file;
import static io.hakit.sync.CraftedSource.fileEnd;
import static io.hakit.sync.CraftedSource.fileStart;
import static io.hakit.sync.CraftedSource.manifest;
import static org.assertj.core.api.Assertions.assertThat;

/** The standby's root is a small tmpfs: files that do not fit (or would eat the reserve) fail the round cleanly. */
class DiskFullTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;
    private Tmpfs disk;
    private SyncPair pair;

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (pair != null) {
                pair.close();
            }
        } finally {
            if (disk != null) {
                disk.close();
            }
        }
    }

    private void start(long reserve) throws Exception {
        disk = Tmpfs.mount(tmp.resolve("b-disk"), "8m");
        pair = SyncPair.started(tmp, tmp.resolve("a/data"), disk.dir(), b -> b.diskReserve(reserve));
    }

    /** Puts {@code size} random bytes at {@code target} in one rename (one change for the watcher). */
    private void writeRandom(Path target, int size) throws IOException {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        Path t = Files.write(tmp.resolve("staging"), b);
        Files.move(t, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private List<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(Scanner.TEMP_PREFIX)).toList();
        }
    }

    private String alarmA() {
        return pair.alarmsA.get(AlarmType.SYNC_FAILED, "sync:node-a").map(Alarm::detail).orElse(null);
    }

    @Test
    void aFileLargerThanTheDiskFailsTheRoundUntilItIsGone() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a/data"));
        Files.writeString(a.resolve("keep.txt"), "keep");
        Files.writeString(a.resolve("big.bin"), "v1");
        start(0);
        assertThat(pair.a.syncNow(WAIT).errors()).isEmpty();
        assertThat(TreeAssert.differences(a, disk.dir())).isEmpty();
        TreeMap<String, String> before = TreeAssert.snapshot(disk.dir());

        writeRandom(a.resolve("big.bin"), 20 * MIB);
        RoundResult r = pair.a.syncNow(WAIT);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().asString().startsWith("data:big.bin: disk full: 20971520 bytes needed")
                .contains(disk.dir().toString());
        assertThat(alarmA()).contains("disk full").contains("big.bin");
        assertThat(pair.alarmsB.get(AlarmType.SYNC_FAILED, "sync:node-b")).hasValueSatisfying(
                x -> assertThat(x.detail()).contains("disk full"));
        assertThat(tempFiles(disk.dir())).isEmpty();
        assertThat(TreeAssert.snapshot(disk.dir())).isEqualTo(before); // old big.bin and keep.txt as they were

        Files.delete(a.resolve("big.bin"));
        r = pair.a.syncNow(WAIT);
        assertThat(r.errors()).isEmpty();
        assertThat(r.refused()).isEmpty();
        assertThat(alarmA()).isNull();
        assertThat(pair.alarmsB.isActive(AlarmType.SYNC_FAILED, "sync:node-b")).isFalse();
        assertThat(TreeAssert.differences(a, disk.dir())).isEmpty();
    }

    @Test
    void aFileThatFitsButWouldEatTheReserveIsRefused() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a/data"));
        writeRandom(a.resolve("big-5m.bin"), 5 * MIB);
        writeRandom(a.resolve("small-1m.bin"), MIB);
        start(4L * MIB);
        // 8 MiB, or 7 once the first round wrote small-1m.bin: 5 MiB fit, 5 MiB plus the 4 MiB reserve do not
        RoundResult r = pair.a.syncNow(WAIT);
        assertThat(r.errors()).hasSize(1);
        Matcher m = Pattern.compile("data:big-5m.bin: disk full: 5242880 bytes needed plus a reserve of 4194304, "
                + "only (\\d+) free on .*").matcher(r.errors().get(0));
        assertThat(m.matches()).as(r.errors().get(0)).isTrue();
        assertThat(Long.parseLong(m.group(1))).isBetween(5L * MIB, 9L * MIB - 1);
        assertThat(alarmA()).contains("disk full");
        assertThat(disk.dir().resolve("big-5m.bin")).doesNotExist();
        assertThat(Files.mismatch(a.resolve("small-1m.bin"), disk.dir().resolve("small-1m.bin"))).isEqualTo(-1);
        assertThat(tempFiles(disk.dir())).isEmpty();

        Files.delete(a.resolve("big-5m.bin"));
        assertThat(pair.a.syncNow(WAIT).ok()).isTrue();
        assertThat(alarmA()).isNull();
    }

    /** The free-space check passed, then something else filled the disk while the file arrived. */
    @Test
    void aWriteThatRunsOutOfSpaceMidFileLeavesNothingBehind() throws Exception {
        disk = Tmpfs.mount(tmp.resolve("b-disk"), "8m");
        Path root = disk.dir();
        Files.writeString(root.resolve("big.bin"), "old");
        TreeMap<String, String> before = TreeAssert.snapshot(root);
        List<SyncMessage> out = new ArrayList<>();
        Sink sink = new Sink(Map.of("data", root), new Scanner(List.of(), List.of(), 1000), new HashCache(1 << 20),
                SyncRecord.load(tmp.resolve("record")), new Sink.Limits(1L << 30, 1000, 0), "node-b", out::add);

        int size = 4 * MIB;
        sink.onMessage(manifest(1, true, file("big.bin", size)));
        Want w = out.get(0).getWant();
        sink.onMessage(fileStart(w.getId(), size));
        assertThat(tempFiles(root)).hasSize(1);
        Path filler = root.resolve("filler");
        fill(filler);

        byte[] chunk = new byte[256 * 1024];
        Digests.Builder d = new Digests.Builder(size);
        for (int off = 0; off < size; off += chunk.length) {
            sink.onData(new SyncFrames.Data(w.getId(), off, Unpooled.wrappedBuffer(chunk)));
            d.update(ByteBuffer.wrap(chunk));
        }
        sink.onMessage(fileEnd(w.getId(), d.finish().digest()));
        RoundDone done = out.get(out.size() - 1).getRoundDone();
        assertThat(done.getErrorsList()).singleElement().asString().startsWith("data:big.bin: disk full: ")
                .contains("No space left on device");
        assertThat(done.getFiles()).isZero();
        assertThat(tempFiles(root)).isEmpty();
        Files.delete(filler);
        assertThat(TreeAssert.snapshot(root)).isEqualTo(before);
    }

    private static void fill(Path filler) throws IOException {
        ByteBuffer mib = ByteBuffer.allocate(MIB);
        try (FileChannel c = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 64; i++) { // bounded: the disk has 8 MiB
                mib.clear();
                while (mib.hasRemaining()) {
                    c.write(mib);
                }
            }
        } catch (IOException full) {
            assertThat(full).hasMessageContaining("No space left on device");
            return;
        }
        throw new AssertionError("64 MiB fit on an 8 MiB tmpfs");
    }
}
