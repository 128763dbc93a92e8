package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.EntryType;
import io.hakit.sync.internal.proto.FileEnd;
import io.hakit.sync.internal.proto.FileStart;
import io.hakit.sync.internal.proto.Manifest;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import io.hakit.testkit.Tmpfs;
import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A sink whose large files go through the {@link FileWriter}: they are handed over (not written on the caller's
 * thread), arrive intact, and every failure leaves nothing: the writer failing mid-file (disk full) fails the file at
 * once and the round reports it; the connection closing while the writer still holds the file's data removes the
 * temp file and renames nothing.
 */
class SinkWriterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MIB = 1 << 20;
    private static final int CHUNK = 256 * 1024;
    private static final long MTIME = 1_600_000_000L * 1_000_000_000L;

    @TempDir
    Path tmp;
    private Tmpfs disk;
    private final List<FileChannel> open = new ArrayList<>();
    private final List<SyncMessage> out = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (FileChannel c : open) {
            c.close();
        }
        if (disk != null) {
            disk.close();
        }
    }

    private Sink sink(Path root, FileWriter writer) throws IOException {
        return new Sink(Map.of("data", root), new Scanner(List.of(), List.of(), 1000), new HashCache(1 << 20),
                SyncRecord.load(tmp.resolve("record")), new Sink.Limits(1L << 30, 1000, 0), "node-b", writer,
                out::add);
    }

    private static SyncMessage manifest(String path, long size) {
        Entry e = Entry.newBuilder().setPath(ByteString.copyFromUtf8(path)).setType(EntryType.ENTRY_TYPE_FILE)
                .setSize(size).setMtimeNanos(MTIME).setMode(0644).setUid(-1).setGid(-1).build();
        return SyncMessage.newBuilder().setManifest(Manifest.newBuilder().setRound(1).setRoot("data").setLast(true)
                .addEntries(e)).build();
    }

    private static SyncMessage fileStart(int id, long size) {
        return SyncMessage.newBuilder().setFileStart(FileStart.newBuilder().setId(id).setSize(size).setMode(0644)
                .setMtimeNanos(MTIME).setUid(-1).setGid(-1)).build();
    }

    /** The FileEnd an honest source sends after {@code content}. */
    private static SyncMessage fileEnd(int id, byte[] content) {
        Digests.Builder d = new Digests.Builder(content.length);
        d.update(ByteBuffer.wrap(content));
        Digests.Result r = d.finish();
        CRC32C crc = new CRC32C();
        crc.update(content);
        FileEnd.Builder b = FileEnd.newBuilder().setId(id).setDigest(ByteString.copyFrom(r.digest()))
                .setCrc32C((int) crc.getValue());
        r.blocks().forEach(x -> b.addBlockDigests(ByteString.copyFrom(x)));
        return SyncMessage.newBuilder().setFileEnd(b).build();
    }

    private static List<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(Scanner.TEMP_PREFIX)).toList();
        }
    }

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    /** A writer stuck in another file until the test reads {@code reader}: what is handed over waits. */
    private FileChannel blockWriter(FileWriter w) throws Exception {
        Path p = tmp.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", p.toString()).inheritIO().start().waitFor()).isZero();
        FileChannel reader = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel writer = FileChannel.open(p, StandardOpenOption.WRITE);
        open.add(reader);
        open.add(writer);
        FileWriter.Job blocker = w.start("fifo", writer, 0, Long.MAX_VALUE);
        for (int i = 0; i < 4; i++) { // 256 KiB: more than the pipe's 64 KiB
            blocker.write((long) i * 65536, Unpooled.wrappedBuffer(new byte[65536]));
        }
        return reader;
    }

    private static void drain(FileChannel reader, long bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        for (long got = 0; got < bytes; ) {
            buf.clear().limit((int) Math.min(buf.capacity(), bytes - got));
            got += reader.read(buf);
        }
    }

    @Test
    void aLargeFileIsHandedToTheWriterAndArrivesIntact() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        FileWriter w = new FileWriter("node-b", 64L << 20, 0, FileWriter.Flow.NONE);
        Sink sink = sink(root, w);
        FileChannel reader = blockWriter(w);
        int size = 4 * MIB + 12345;
        assertThat((long) size).isGreaterThanOrEqualTo(SinkRound.WRITER_MIN);
        byte[] content = random(size);
        sink.onMessage(manifest("big.bin", size));
        Want want = out.get(0).getWant();
        sink.onMessage(fileStart(want.getId(), size));
        for (int off = 0; off < size; off += CHUNK) {
            int n = Math.min(CHUNK, size - off);
            sink.onData(new SyncFrames.Data(want.getId(), off, Unpooled.wrappedBuffer(content, off, n)));
        }
        assertThat(w.queuedBytes()).as("the data waits for the writer, not written on this thread")
                .isGreaterThanOrEqualTo(size);
        drain(reader, 4 * 65536);
        sink.onMessage(fileEnd(want.getId(), content));
        RoundDone done = out.get(out.size() - 1).getRoundDone();
        assertThat(done.getErrorsList()).isEmpty();
        assertThat(done.getFiles()).isEqualTo(1);
        assertThat(Files.readAllBytes(root.resolve("big.bin"))).isEqualTo(content);
        assertThat(tempFiles(root)).isEmpty();
        assertThat(w.queuedBytes()).isZero();
    }

    @Test
    void theConnectionClosingWhileTheWriterHoldsDataLeavesNoFile() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.writeString(root.resolve("big.bin"), "old");
        FileWriter w = new FileWriter("node-b", 64L << 20, 0, FileWriter.Flow.NONE);
        Sink sink = sink(root, w);
        FileChannel reader = blockWriter(w);
        int size = 4 * MIB;
        sink.onMessage(manifest("big.bin", size));
        Want want = out.get(0).getWant();
        sink.onMessage(fileStart(want.getId(), size));
        List<ByteBuf> frames = new ArrayList<>();
        byte[] content = random(size);
        for (int off = 0; off < size / 2; off += CHUNK) { // half the file arrived, none of it written yet
            ByteBuf b = Unpooled.wrappedBuffer(content, off, CHUNK);
            frames.add(b);
            sink.onData(new SyncFrames.Data(want.getId(), off, b));
        }
        assertThat(tempFiles(root)).hasSize(1);
        assertThat(w.queuedBytes()).isGreaterThanOrEqualTo(size / 2);

        sink.abort(); // what the session does when the connection closes
        assertThat(tempFiles(root)).isEmpty();
        drain(reader, 4 * 65536); // the writer goes on: it must drop the file's data, not write it anywhere
        await().atMost(WAIT).until(() -> w.queuedBytes() == 0);
        assertThat(frames).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThat(tempFiles(root)).isEmpty();
        assertThat(Files.readString(root.resolve("big.bin"))).isEqualTo("old");
        try (Stream<Path> s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("big.bin");
        }
    }

    /** The free-space check passed, then something else filled the disk: the writer's failure fails the file. */
    @Test
    void theWriterFailingMidFileFailsTheFileAtOnceAndTheRoundReportsIt() throws Exception {
        disk = Tmpfs.mount(tmp.resolve("b-disk"), "8m");
        Path root = disk.dir();
        Files.writeString(root.resolve("big.bin"), "old");
        FileWriter w = new FileWriter("node-b", 64L << 20, 0, FileWriter.Flow.NONE);
        Sink sink = sink(root, w);
        int size = 4 * MIB;
        byte[] content = random(size);
        sink.onMessage(manifest("big.bin", size));
        Want want = out.get(0).getWant();
        sink.onMessage(fileStart(want.getId(), size));
        assertThat(tempFiles(root)).hasSize(1);
        Path filler = root.resolve("filler");
        fill(filler);

        sink.onData(new SyncFrames.Data(want.getId(), 0, Unpooled.wrappedBuffer(content, 0, CHUNK)));
        await().atMost(WAIT).until(() -> w.queuedBytes() == 0); // the writer tried, and failed
        sink.onData(new SyncFrames.Data(want.getId(), CHUNK, Unpooled.wrappedBuffer(content, CHUNK, CHUNK)));
        assertThat(tempFiles(root)).as("removed as soon as the failure is seen, not at the end").isEmpty();
        for (int off = 2 * CHUNK; off < size; off += CHUNK) {
            sink.onData(new SyncFrames.Data(want.getId(), off, Unpooled.wrappedBuffer(content, off, CHUNK)));
        }
        sink.onMessage(fileEnd(want.getId(), content));
        RoundDone done = out.get(out.size() - 1).getRoundDone();
        assertThat(done.getErrorsList()).singleElement().asString().startsWith("data:big.bin: disk full: ")
                .contains("No space left on device");
        assertThat(done.getFiles()).isZero();
        assertThat(tempFiles(root)).isEmpty();
        Files.delete(filler);
        assertThat(Files.readString(root.resolve("big.bin"))).isEqualTo("old");
        try (Stream<Path> s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("big.bin");
        }
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
