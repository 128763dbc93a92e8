package io.hakit.sync.internal;

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
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The standby's file writer: a slow disk (a FIFO nobody reads) pauses the flow once the high-water mark is passed and
 * resumes it when the backlog is down to the low-water mark; memory stays bounded; a failed write is reported and the
 * job's later writes dropped; a cancelled job writes nothing more. Real blocking, no sleeps: the FIFO blocks the
 * writer until the test reads it.
 */
class FileWriterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int CHUNK = 64 * 1024;

    @TempDir
    Path tmp;
    private final List<FileChannel> open = new ArrayList<>();
    private final List<ByteBuf> handed = new ArrayList<>();
    private final AtomicInteger pauses = new AtomicInteger();
    private final AtomicInteger resumes = new AtomicInteger();
    private final FileWriter.Flow flow = new FileWriter.Flow() {
        @Override
        public void pause() {
            pauses.incrementAndGet();
        }

        @Override
        public void resume() {
            resumes.incrementAndGet();
        }
    };

    @AfterEach
    void close() throws IOException {
        for (FileChannel c : open) {
            c.close();
        }
    }

    /** A FIFO: the writer blocks on it once the pipe's buffer is full, until {@code reader} is read. */
    private FileChannel[] fifo(String name) throws Exception {
        Path p = tmp.resolve(name);
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertThat(mk.waitFor()).isZero();
        // read-write first: opening the write end alone would wait for a reader
        FileChannel reader = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel writer = FileChannel.open(p, StandardOpenOption.WRITE);
        open.add(reader);
        open.add(writer);
        return new FileChannel[] {reader, writer};
    }

    private ByteBuf chunk(byte[] bytes) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        handed.add(b);
        return b;
    }

    private static long drain(FileChannel reader, long bytes, CRC32C crc) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        long got = 0;
        while (got < bytes) {
            buf.clear().limit((int) Math.min(CHUNK, bytes - got));
            int n = reader.read(buf);
            assertThat(n).isPositive();
            buf.flip();
            crc.update(buf);
            got += n;
        }
        return got;
    }

    @Test
    void aFullBacklogPausesTheFlowUntilTheDiskCatchesUpAndMemoryStaysBounded() throws Exception {
        long high = 1 << 20;
        long low = 256 * 1024;
        FileWriter w = new FileWriter("test", high, low, flow);
        FileChannel[] pipe = fifo("slow-disk");
        FileWriter.Job job = w.start("slow-disk", pipe[1], 0, Long.MAX_VALUE);
        Random random = new Random(7);
        CRC32C sent = new CRC32C();
        long handedOver = 0;
        // hand over chunks as a connection would, until the writer says stop
        while (pauses.get() == 0) {
            byte[] b = new byte[CHUNK];
            random.nextBytes(b);
            sent.update(b);
            job.write(handedOver, chunk(b));
            handedOver += CHUNK;
            // what the pipe (64 KiB) took, the high-water mark and the chunk that crossed it
            assertThat(handedOver).as("handed over before a pause").isLessThanOrEqualTo(high + (1 << 20));
        }
        assertThat(w.paused()).isTrue();
        assertThat(w.queuedBytes()).isLessThanOrEqualTo(high + CHUNK);
        assertThat(resumes.get()).isZero();

        CRC32C received = new CRC32C();
        // the disk takes some: down to the low-water mark the flow resumes, once
        long read = drain(pipe[0], handedOver - low, received);
        await().atMost(WAIT).until(() -> resumes.get() == 1);
        assertThat(w.paused()).isFalse();
        assertThat(w.queuedBytes()).isLessThanOrEqualTo(low);
        assertThat(pauses.get()).isEqualTo(1);

        read += drain(pipe[0], handedOver - read, received);
        assertThat(job.finish(WAIT)).isEqualTo(sent.getValue()).isEqualTo(received.getValue());
        assertThat(w.queuedBytes()).isZero();
        assertThat(handed).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThat(read).isEqualTo(handedOver);
        w.shutdown();
    }

    @Test
    void aFailedWriteIsReportedByFinishAndTheJobsLaterWritesAreDropped() throws Exception {
        FileWriter w = new FileWriter("test", 1 << 20, 0, flow);
        FileChannel full = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE);
        open.add(full);
        FileWriter.Job job = w.start("/dev/full", full, 0, Long.MAX_VALUE);
        for (int i = 0; i < 8; i++) {
            job.write((long) i * CHUNK, chunk(new byte[CHUNK]));
        }
        assertThatThrownBy(() -> job.finish(WAIT)).isInstanceOf(IOException.class)
                .hasMessageContaining("No space left on device");
        assertThat(job.failure()).hasMessageContaining("No space left on device");
        assertThat(w.queuedBytes()).isZero();
        assertThat(handed).allSatisfy(b -> assertThat(b.refCnt()).isZero());

        // a later job on the same writer is not affected by the failure of an earlier one
        Path ok = tmp.resolve("ok");
        FileChannel file = FileChannel.open(ok, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        open.add(file);
        FileWriter.Job next = w.start("ok", file, 0, Long.MAX_VALUE);
        byte[] b = "hello".getBytes();
        next.write(0, chunk(b));
        CRC32C crc = new CRC32C();
        crc.update(b);
        assertThat(next.finish(WAIT)).isEqualTo(crc.getValue());
        assertThat(Files.readAllBytes(ok)).isEqualTo(b);
        w.shutdown();
    }

    @Test
    void aCancelledJobWritesNothingMoreAndReleasesWhatWasQueued() throws Exception {
        FileWriter w = new FileWriter("test", 64L << 20, 0, FileWriter.Flow.NONE);
        FileChannel[] pipe = fifo("busy-disk");
        FileWriter.Job blocker = w.start("busy-disk", pipe[1], 0, Long.MAX_VALUE);
        int blocked = 4 * CHUNK; // more than a pipe holds: the writer blocks in this job
        for (int off = 0; off < blocked; off += CHUNK) {
            blocker.write(off, chunk(new byte[CHUNK]));
        }
        Path target = tmp.resolve("cancelled");
        FileChannel file = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        open.add(file);
        FileWriter.Job job = w.start("cancelled", file, 0, Long.MAX_VALUE);
        List<ByteBuf> mine = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ByteBuf b = chunk(new byte[CHUNK]);
            mine.add(b);
            job.write((long) i * CHUNK, b);
        }
        assertThat(w.queuedBytes()).as("the writer is stuck in the first job").isGreaterThanOrEqualTo(16L * CHUNK);
        job.cancel();
        drain(pipe[0], blocked, new CRC32C());
        blocker.finish(WAIT);
        await().atMost(WAIT).until(() -> w.queuedBytes() == 0);
        assertThat(mine).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThat(Files.size(target)).isZero();
        w.shutdown();
    }
}
