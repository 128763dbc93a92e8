package io.hakit.sync.internal;

import io.hakit.api.Ticker;
import io.hakit.keepalive.support.RepeatFilter;
import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.EntryType;
import io.hakit.sync.internal.proto.FileEnd;
import io.hakit.sync.internal.proto.FileStart;
import io.hakit.sync.internal.proto.Hello;
import io.hakit.sync.internal.proto.Manifest;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The standby's connection stops reading (autoRead off) while its file writer holds more than the high-water mark,
 * and reads again once the writer has caught up: a slow disk makes TCP push back on the source instead of the
 * standby buffering without bound. The writer is held up for real (a FIFO nobody reads yet), no sleeps.
 */
class SinkSessionBackpressureTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int FRAME = 256 * 1024;
    private static final long HIGH = 2L << 20;
    private static final long LOW = 512 * 1024;
    private static final long MTIME = 1_600_000_000L * 1_000_000_000L;

    @TempDir
    Path tmp;
    private final List<FileChannel> open = new ArrayList<>();
    private final BlockingQueue<Runnable> resumes = new LinkedBlockingQueue<>();
    private EmbeddedChannel ch;

    /** Runs the resumes the writer asked for, then the channel's tasks; whether the channel reads again. */
    private boolean readsAgain() {
        for (Runnable r; (r = resumes.poll()) != null; ) {
            r.run();
        }
        ch.runPendingTasks();
        return ch.config().isAutoRead();
    }

    @AfterEach
    void close() throws IOException {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        for (FileChannel c : open) {
            c.close();
        }
    }

    private SyncMessage readOutbound() {
        ByteBuf b = ch.readOutbound();
        assertThat(b).as("an answer from the sink").isNotNull();
        try {
            b.skipBytes(5); // length, kind
            return SyncMessage.parseFrom(b.nioBuffer());
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            b.release();
        }
    }

    @Test
    void aWriterBehindTheDiskStopsTheConnectionReadingUntilItCatchesUp() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        SyncRecord record = SyncRecord.load(tmp.resolve("record"));
        SinkSession.Rules rules = new SinkSession.Rules(2, "c", "node-b", "node-a", Map.of("data", root),
                tmp.resolve("state"));
        List<FileWriter> writers = new ArrayList<>();
        SinkSession session = new SinkSession(rules, new Scanner(List.of(), List.of(), 1000), new HashCache(1 << 20),
                record, new Sink.Limits(1L << 30, 1000, 0), new Host(), flow -> {
                    // the session's resume is called on the test's thread: an EmbeddedChannel's executor is not
                    // thread-safe, a real event loop is
                    FileWriter w = new FileWriter("node-b", HIGH, LOW, new FileWriter.Flow() {
                        @Override
                        public void pause() {
                            flow.pause();
                        }

                        @Override
                        public void resume() {
                            resumes.add(flow::resume);
                        }
                    });
                    writers.add(w);
                    return w;
                });
        ch = new EmbeddedChannel(session);
        ch.writeInbound(SyncMessage.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(2).setClusterId("c")
                .setNodeId("node-a").setEpoch(1).addRoots("data")).build());
        assertThat(readOutbound().hasHello()).isTrue();
        FileWriter writer = writers.get(0);
        FileChannel disk = blockWriter(writer);

        int size = 16 << 20;
        byte[] content = new byte[size];
        new Random(3).nextBytes(content);
        Entry e = Entry.newBuilder().setPath(ByteString.copyFromUtf8("big.bin")).setType(EntryType.ENTRY_TYPE_FILE)
                .setSize(size).setMtimeNanos(MTIME).setMode(0644).setUid(-1).setGid(-1).build();
        ch.writeInbound(SyncMessage.newBuilder().setManifest(Manifest.newBuilder().setRound(1).setRoot("data")
                .setLast(true).addEntries(e)).build());
        Want want = readOutbound().getWant();
        assertThat(readOutbound().hasWantsDone()).isTrue();
        ch.writeInbound(SyncMessage.newBuilder().setFileStart(FileStart.newBuilder().setId(want.getId())
                .setSize(size).setMode(0644).setMtimeNanos(MTIME).setUid(-1).setGid(-1)).build());

        int off = 0;
        while (ch.config().isAutoRead()) { // as a connection reads: one frame per read while it may
            assertThat(off).as("frames taken before the connection stopped reading").isLessThan(size);
            ch.writeInbound(new SyncFrames.Data(want.getId(), off, Unpooled.wrappedBuffer(content, off, FRAME)));
            off += FRAME;
        }
        assertThat(writer.queuedBytes()).as("bounded: the high-water mark and the frame that crossed it")
                .isGreaterThan(HIGH).isLessThanOrEqualTo(HIGH + FRAME);
        assertThat((long) off).isLessThanOrEqualTo(HIGH + FRAME);

        drain(disk, 4 * 65536); // the disk moves again
        await().atMost(WAIT).until(this::readsAgain);
        assertThat(writer.queuedBytes()).isLessThanOrEqualTo(LOW);

        while (off < size) {
            if (!ch.config().isAutoRead()) { // paused again: wait for the writer, as the socket would
                await().atMost(WAIT).until(this::readsAgain);
            }
            ch.writeInbound(new SyncFrames.Data(want.getId(), off, Unpooled.wrappedBuffer(content, off, FRAME)));
            off += FRAME;
            assertThat(writer.queuedBytes()).isLessThanOrEqualTo(HIGH + FRAME);
        }
        CRC32C crc = new CRC32C();
        crc.update(content);
        Digests.Builder d = new Digests.Builder(size);
        d.update(ByteBuffer.wrap(content));
        Digests.Result r = d.finish();
        FileEnd.Builder end = FileEnd.newBuilder().setId(want.getId()).setDigest(ByteString.copyFrom(r.digest()))
                .setCrc32C((int) crc.getValue());
        r.blocks().forEach(x -> end.addBlockDigests(ByteString.copyFrom(x)));
        ch.writeInbound(SyncMessage.newBuilder().setFileEnd(end).build());
        RoundDone done = readOutbound().getRoundDone();
        assertThat(done.getErrorsList()).isEmpty();
        assertThat(done.getFiles()).isEqualTo(1);
        assertThat(Files.readAllBytes(root.resolve("big.bin"))).isEqualTo(content);
    }

    /** A writer stuck in another file until the test reads the FIFO this returns. */
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

    private static final class Host implements SinkSession.Host {
        private final RepeatFilter filter = new RepeatFilter(Duration.ofMinutes(1).toNanos(), Ticker.system());

        @Override
        public boolean active() {
            return false;
        }

        @Override
        public void admitted(ChannelHandlerContext ctx, String peer, long epoch) {
        }

        @Override
        public void closed(ChannelHandlerContext ctx) {
        }

        @Override
        public void roundApplied(RoundDone done, long sourceEpoch) {
        }

        @Override
        public void brokeProtocol(String why) {
            throw new AssertionError("the sink says the source broke the protocol: " + why);
        }

        @Override
        public RepeatFilter connectionProblems() {
            return filter;
        }
    }
}
