package io.hakit.sync.internal;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Writes the data of large whole-file transfers on a thread of its own ("hakit-sync-writer-&lt;node&gt;"), so that the
 * standby's event loop (socket reads and TLS) and the CRC32C and file writes run on two cores at once. One writer per
 * connection; its thread ends when idle for a few seconds.
 *
 * <p><b>Memory is bounded.</b> The bytes handed over and not yet written are counted; when they exceed the high-water
 * mark the {@link Flow} is paused (the connection stops reading from its socket, so TCP pushes back on the source)
 * until the writer has brought them down to the low-water mark. What is handed over while paused is bounded by what
 * the connection had already read: one read batch.
 *
 * <p><b>Errors are kept, not swallowed.</b> The first failure of a {@link Job} (a write, or the CRC) is remembered; the
 * job's later writes are dropped (their buffers released) and {@link Job#finish} throws it. A cancelled job drops its
 * queued writes and closes nothing itself: its owner closes the file and removes it.
 *
 * <p><b>Threading:</b> {@link Job#write}, {@link Job#finish} and {@link Job#cancel} are called by one thread, the
 * connection's event loop; {@link Flow#pause} runs on that thread, {@link Flow#resume} on the writer's or on that
 * one.
 */
final class FileWriter {

    /** What feeds the writer: the connection, whose reading stops while paused. */
    interface Flow {
        /** Nothing to pause: the caller bounds what it hands over itself (tests that drive a sink directly). */
        Flow NONE = new Flow() {
            @Override
            public void pause() {
            }

            @Override
            public void resume() {
            }
        };

        /** More than the high-water mark waits: stop handing over data. */
        void pause();

        /** The backlog fell to the low-water mark: hand over data again (may be called on the writer's thread). */
        void resume();
    }

    /** Bytes waiting for the disk before the connection stops reading. */
    static final long HIGH_WATER = 8L << 20;
    /** Bytes waiting for the disk at which the connection reads again. */
    static final long LOW_WATER = 2L << 20;
    /** How long {@link Job#finish} waits for the disk to take what was handed over. */
    static final Duration FINISH_BOUND = Duration.ofMinutes(2);

    private final ThreadPoolExecutor thread;
    private final long highWater;
    private final long lowWater;
    private final Flow flow;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean paused = new AtomicBoolean();

    FileWriter(String nodeId, Flow flow) {
        this(nodeId, HIGH_WATER, LOW_WATER, flow);
    }

    FileWriter(String nodeId, long highWater, long lowWater, Flow flow) {
        if (lowWater > highWater || lowWater < 0) {
            throw new IllegalArgumentException("lowWater " + lowWater + " must be between 0 and highWater "
                    + highWater);
        }
        this.highWater = highWater;
        this.lowWater = lowWater;
        this.flow = flow;
        this.thread = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "hakit-sync-writer-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        this.thread.allowCoreThreadTimeOut(true);
    }

    /** Bytes handed over and not yet written (or dropped). */
    long queuedBytes() {
        return queued.get();
    }

    /** Whether the flow is paused now. */
    boolean paused() {
        return paused.get();
    }

    /** A new file; its writes run after those of every earlier job. */
    Job start(String shown, FileChannel channel, long position, long writebackEvery) {
        return new Job(shown, channel, position, writebackEvery);
    }

    /** Ends the writer's thread once the work queued so far is done; jobs started later fail their writes. */
    void shutdown() {
        thread.shutdown();
    }

    private void written(long n) {
        if (queued.addAndGet(-n) <= lowWater && paused.compareAndSet(true, false)) {
            flow.resume();
        }
    }

    /** The data of one file, written in order at the offsets given. */
    final class Job {
        private final String shown;
        private final FileChannel channel;
        private final long writebackEvery;
        private final CRC32C crc = new CRC32C(); // writer thread; read after finish's future (happens-before)
        private long position; // writer thread: where the channel's position is
        private long writebackAt; // writer thread
        private volatile IOException failure;
        private volatile boolean cancelled;

        private Job(String shown, FileChannel channel, long position, long writebackEvery) {
            this.shown = shown;
            this.channel = channel;
            this.position = position;
            this.writebackEvery = writebackEvery;
            this.writebackAt = writebackEvery;
        }

        /** The first failure so far, or null. */
        IOException failure() {
            return failure;
        }

        /**
         * Hands {@code data} over to be added to the CRC and written at {@code at} (takes ownership of it); pauses the
         * flow when the backlog passes the high-water mark.
         */
        void write(long at, ByteBuf data) {
            int n = data.readableBytes();
            queued.addAndGet(n);
            try {
                thread.execute(() -> run(at, data, n));
            } catch (RejectedExecutionException e) {
                data.release();
                written(n);
                fail(new IOException("the file writer has stopped"));
                return;
            }
            if (queued.get() > highWater && paused.compareAndSet(false, true)) {
                flow.pause();
                if (queued.get() <= lowWater && paused.compareAndSet(true, false)) {
                    flow.resume(); // the writer caught up between the count and the pause
                }
            }
        }

        private void run(long at, ByteBuf data, int n) {
            try {
                if (failure == null && !cancelled) {
                    ByteBuffer[] pieces = data.nioBuffers(); // the TLS records this frame arrived in
                    for (ByteBuffer b : pieces) {
                        crc.update(b.duplicate());
                    }
                    if (position != at) {
                        channel.position(at); // after a hole
                    }
                    long left = n;
                    while (left > 0) {
                        left -= channel.write(pieces); // one gathering write per frame, not one per record
                    }
                    position = at + n;
                    if (position >= writebackAt) {
                        writebackAt = position + writebackEvery;
                        Durability.startWriteback(channel);
                    }
                }
            } catch (IOException e) {
                fail(cancelled ? null : e);
            } catch (RuntimeException e) {
                fail(new IOException("writing " + shown + " failed: " + e, e));
            } finally {
                data.release();
                written(n);
            }
        }

        private void fail(IOException e) {
            if (failure == null && e != null) {
                failure = e;
            }
        }

        /**
         * Waits (at most {@code bound}) until every write handed over is done, and returns the CRC32C of the bytes
         * written.
         *
         * @throws IOException the first failure of a write, or that the disk did not take the data in time (then the
         *                     job is cancelled)
         */
        long finish(Duration bound) throws IOException {
            Future<?> done;
            try {
                done = thread.submit(() -> { });
            } catch (RejectedExecutionException e) {
                throw new IOException("the file writer has stopped");
            }
            try {
                done.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                cancelled = true;
                throw new IOException("the disk took more than " + bound.toSeconds() + " s to take "
                        + queued.get() + " bytes of " + shown);
            } catch (InterruptedException e) {
                cancelled = true;
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing " + shown);
            } catch (ExecutionException e) {
                throw new IOException("writing " + shown + " failed: " + e.getCause(), e.getCause());
            }
            IOException f = failure;
            if (f != null) {
                throw f;
            }
            return crc.getValue();
        }

        /**
         * Drops the writes still queued (their buffers are released as the writer reaches them); a write in progress
         * ends when its owner closes the file. Returns at once.
         */
        void cancel() {
            cancelled = true;
        }
    }
}
