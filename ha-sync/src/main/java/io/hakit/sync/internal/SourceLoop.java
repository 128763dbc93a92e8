package io.hakit.sync.internal;

import io.hakit.sync.RoundResult;
import io.hakit.api.Ticker;
import io.hakit.sync.internal.proto.Hello;
import io.hakit.sync.internal.proto.SyncMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The active node's work: one thread per epoch as the source ("hakit-sync-source-&lt;node&gt;"). It connects to the
 * standby (hello with the epoch), runs a full round, then sends what the watch reports (leading-edge debounce) and a
 * full round every period, reconnecting with backoff (100 ms to 5 s) when the connection fails. Requests for a full
 * round ({@link #requestFull}) or a verification ({@link #requestVerify}) are served by the next round that starts
 * after them; they fail with the cause when that round fails, or when the first connection attempt that starts after
 * them fails. Time (debounce, period, backoff) is read from the injected ticker.
 *
 * <p>Thread-safe: the public methods may be called from any thread; {@link #stop} interrupts the loop, which fails
 * its waiters and ends.
 */
public final class SourceLoop {

    private static final Logger LOG = LoggerFactory.getLogger(SourceLoop.class);

    /** Settings of a loop (the facade's configuration, as the loop needs it). */
    public record Settings(String clusterId, String nodeId, Map<String, Path> roots, Duration period, Duration debounce,
                           Duration timeout, boolean watch, boolean verifyContent, int protocolVersion) {
    }

    /** What the loop tells its owner; called on the loop's thread. */
    public interface Listener {
        void connected(boolean up);

        /** A round is about to run, with this many files (bytes) still to be confirmed on the standby. */
        void pending(long files, long bytes);

        void finished(RoundResult r);

        void failed(String cause);

        /** The loop waits for its next reason to run a round; a chance to check the lag. */
        void idle();

        /** How many directories the watch could not cover (their changes wait for a full round). */
        void unwatched(int directories);
    }

    private final Settings settings;
    private final long epoch;
    private final Source source;
    private final SyncTransport transport;
    private final Ticker ticker;
    private final Listener listener;
    private final Thread thread;
    private final Object lock = new Object();
    // guarded by lock
    private boolean fullRequested = true;
    private boolean changed;
    private boolean stopped;
    private final List<CompletableFuture<RoundResult>> fullWaiters = new ArrayList<>();
    private final List<CompletableFuture<RoundResult>> verifyWaiters = new ArrayList<>();
    /** The requests the running round serves (taken from the lists when it started); loop thread only. */
    private List<CompletableFuture<RoundResult>> serving = List.of();
    private final AtomicLong round = new AtomicLong(System.currentTimeMillis() * 1000);
    /** Loop thread: a round of the files left because they were still being written is due at the deadline. */
    private boolean settlePending;
    private long settleDeadline;

    public SourceLoop(Settings settings, long epoch, Source source, SyncTransport transport, Ticker ticker,
                      Listener listener) {
        this.settings = settings;
        this.epoch = epoch;
        this.source = source;
        this.transport = transport;
        this.ticker = ticker;
        this.listener = listener;
        this.thread = new Thread(this::run, "hakit-sync-source-" + settings.nodeId());
        this.thread.setDaemon(true);
    }

    public SourceLoop start() {
        thread.start();
        return this;
    }

    public long epoch() {
        return epoch;
    }

    /** Stops the loop (waiters fail); returns at once. {@link #join} waits for the end. */
    public void stop() {
        synchronized (lock) {
            stopped = true;
            lock.notifyAll();
        }
        thread.interrupt();
    }

    public void join(Duration limit) throws InterruptedException {
        thread.join(limit.toMillis());
    }

    /** A full round soon; the future completes with the first full round that starts after this call. */
    public CompletableFuture<RoundResult> requestFull() {
        return request(fullWaiters);
    }

    /** A verification round soon (changes nothing): completes with its result. */
    public CompletableFuture<RoundResult> requestVerify() {
        return request(verifyWaiters);
    }

    private CompletableFuture<RoundResult> request(List<CompletableFuture<RoundResult>> list) {
        CompletableFuture<RoundResult> f = new CompletableFuture<>();
        synchronized (lock) {
            if (stopped) {
                f.completeExceptionally(new IOException(settings.nodeId() + " is no longer the source"));
                return f;
            }
            list.add(f);
            if (list == fullWaiters) {
                fullRequested = true;
            }
            lock.notifyAll();
        }
        return f;
    }

    /** Forgets a waiter that gave up. */
    public void cancel(CompletableFuture<RoundResult> f) {
        synchronized (lock) {
            fullWaiters.remove(f);
            verifyWaiters.remove(f);
        }
    }

    private void changed() {
        synchronized (lock) {
            changed = true;
            lock.notifyAll();
        }
    }

    private boolean running() {
        synchronized (lock) {
            return !stopped;
        }
    }

    private void run() {
        long backoff = 100;
        ChangeWatcher watcher = null;
        try {
            watcher = !settings.watch() ? null : new ChangeWatcher(settings.roots(), () -> {
                LOG.debug("change seen");
                changed();
            });
        } catch (IOException e) {
            LOG.warn("{}: cannot watch the roots ({}); changes travel with the full rounds only", settings.nodeId(),
                    e.getMessage());
        }
        try {
            while (running()) {
                SyncTransport.NettyLink link = null;
                // the requests this attempt can fail: one made while it is under way (its refusal may reflect the
                // standby's state from before the request) is served, or failed, by the next attempt
                java.util.Set<CompletableFuture<RoundResult>> witnessed = new java.util.HashSet<>();
                synchronized (lock) {
                    witnessed.addAll(fullWaiters);
                    witnessed.addAll(verifyWaiters);
                }
                try {
                    link = transport.connect();
                    hello(link);
                    listener.connected(true);
                    backoff = 100;
                    rounds(link, watcher);
                } catch (IOException e) {
                    String cause = e.getMessage() == null ? e.toString() : e.getMessage();
                    listener.failed(cause);
                    List<CompletableFuture<RoundResult>> failedWaiters = new ArrayList<>(serving);
                    serving = List.of();
                    synchronized (lock) {
                        for (List<CompletableFuture<RoundResult>> waiters : List.of(fullWaiters, verifyWaiters)) {
                            waiters.stream().filter(witnessed::contains).forEach(failedWaiters::add);
                            waiters.removeIf(witnessed::contains);
                        }
                    }
                    failedWaiters.forEach(f -> f.completeExceptionally(e));
                } finally {
                    listener.connected(false);
                    if (link != null) {
                        link.close();
                    }
                }
                long until = ticker.read() + TimeUnit.MILLISECONDS.toNanos(backoff);
                synchronized (lock) {
                    long left;
                    while (!stopped && (left = until - ticker.read()) > 0) {
                        TimeUnit.NANOSECONDS.timedWait(lock, left);
                    }
                }
                backoff = Math.min(5000, backoff * 2);
            }
        } catch (InterruptedException e) {
            // demoted or closed
        } finally {
            if (watcher != null) {
                try {
                    watcher.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
            List<CompletableFuture<RoundResult>> left;
            synchronized (lock) {
                stopped = true;
                left = new ArrayList<>(fullWaiters);
                left.addAll(verifyWaiters);
                left.addAll(serving);
                fullWaiters.clear();
                verifyWaiters.clear();
            }
            IOException gone = new IOException(settings.nodeId() + " is no longer the source");
            left.forEach(f -> f.completeExceptionally(gone));
            listener.pending(0, 0);
        }
    }

    private void hello(SyncTransport.NettyLink link) throws IOException, InterruptedException {
        link.onClose(() -> {
            synchronized (lock) {
                lock.notifyAll(); // an idle source notices at once that the standby went away
            }
        });
        link.send(SyncMessage.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(settings.protocolVersion())
                .setClusterId(settings.clusterId()).setNodeId(settings.nodeId()).setEpoch(epoch)
                .addAllRoots(settings.roots().keySet())).build());
        link.flush();
        SyncMessage answer = link.receive(settings.timeout());
        if (answer == null) {
            throw new IOException("peer unreachable: the standby did not answer the sync hello within "
                    + settings.timeout().toMillis() + " ms");
        }
        if (answer.hasRefuse()) {
            throw new IOException("the standby refused: " + answer.getRefuse().getReason());
        }
        if (!answer.hasHello()) {
            throw new IOException("the standby answered the hello with " + answer.getBodyCase());
        }
    }

    private void rounds(SyncTransport.NettyLink link, ChangeWatcher watcher) throws IOException, InterruptedException {
        long nextFull = ticker.read();
        long lastRoundEnd = ticker.read() - settings.debounce().toNanos();
        Trigger next = Trigger.FULL;
        while (running()) {
            Map<String, List<FileEntry>> entries;
            Source.Mode mode = settings.verifyContent() ? Source.Mode.REREAD : Source.Mode.SYNC;
            boolean full = next != Trigger.CHANGES;
            if (next == Trigger.VERIFY) {
                synchronized (lock) {
                    serving = new ArrayList<>(verifyWaiters);
                    verifyWaiters.clear();
                }
                entries = source.scanAll(true);
                mode = Source.Mode.VERIFY;
            } else if (full) {
                // what a full round covers is fixed when its scan starts: the requests it serves and the changes it
                // forgets are taken before the scan, so a change or a request that comes during the scan (maybe
                // behind it) waits for the next round
                synchronized (lock) {
                    serving = new ArrayList<>(fullWaiters);
                    fullWaiters.clear();
                    fullRequested = false;
                    changed = false;
                }
                if (watcher != null) {
                    watcher.drain();
                    watcher.takeNeedFull();
                }
                source.takeSettling(); // the full round covers them
                settlePending = false;
                entries = source.scanAll(settings.verifyContent());
            } else {
                sleepDebounce(lastRoundEnd);
                Map<String, Set<String>> ch = new java.util.HashMap<>();
                boolean settleDue = settlePending && ticker.read() - settleDeadline >= 0;
                if (watcher != null) {
                    // a file still being written waits for its round at the settle deadline: its writes would
                    // only start rounds that leave it pending again
                    watcher.drain().forEach((r, paths) -> paths.stream()
                            .filter(rel -> settleDue || !source.isSettling(r, rel))
                            .forEach(rel -> ch.computeIfAbsent(r, x -> new java.util.TreeSet<>()).add(rel)));
                }
                if (settleDue) { // the files an earlier round left because they were still being written
                    source.takeSettling().forEach((r, paths) -> ch.computeIfAbsent(r, x -> new java.util.TreeSet<>())
                            .addAll(paths));
                    settlePending = false;
                }
                entries = source.describe(ch);
                HopTrace.mark("source.described");
                if (entries.isEmpty()) {
                    next = awaitTrigger(watcher, nextFull, link);
                    continue;
                }
            }
            if (mode != Source.Mode.VERIFY) {
                pending(entries);
            }
            LOG.debug("round {} starts ({} roots, {})", round.get() + 1, entries.size(), mode);
            RoundResult r = source.run(link, round.incrementAndGet(), full, entries, mode);
            HopTrace.mark("source.done");
            LOG.debug("round {} done: {} files", r.round(), r.files());
            lastRoundEnd = ticker.read();
            long settledAt = source.settledAt();
            if (settledAt != Long.MAX_VALUE) { // a round of those files once they have been quiet long enough
                settlePending = true;
                settleDeadline = lastRoundEnd + Math.max(0, settledAt - HashCache.now());
            }
            if (mode != Source.Mode.VERIFY) {
                listener.finished(r);
            }
            serving.forEach(f -> f.complete(r));
            serving = List.of();
            if (full && mode != Source.Mode.VERIFY) {
                nextFull = ticker.read() + settings.period().toNanos();
            }
            next = awaitTrigger(watcher, nextFull, link);
        }
    }

    private enum Trigger { FULL, CHANGES, VERIFY }

    /**
     * Debounce on the leading edge: a change after a quiet spell goes at once (lowest latency); changes that come
     * while a round runs, or within the debounce after it, wait until that much time has passed since the round
     * ended and then travel together.
     */
    private void sleepDebounce(long lastRoundEnd) throws InterruptedException {
        long wait = lastRoundEnd + settings.debounce().toNanos() - ticker.read();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /**
     * Waits for the next reason to run a round.
     *
     * @throws IOException when the connection closes meanwhile (the standby went away): reconnect, then a full round
     */
    private Trigger awaitTrigger(ChangeWatcher watcher, long nextFull, SyncTransport.NettyLink link)
            throws InterruptedException, IOException {
        while (true) {
            listener.idle();
            if (watcher != null) {
                listener.unwatched(watcher.unwatched());
            }
            synchronized (lock) {
                if (stopped) {
                    throw new InterruptedException("no longer the source");
                }
                if (!link.isActive()) {
                    throw new IOException("connection to the standby closed");
                }
                if (!verifyWaiters.isEmpty()) {
                    return Trigger.VERIFY;
                }
                if (fullRequested || (watcher != null && watcher.takeNeedFull()) || ticker.read() - nextFull >= 0) {
                    changed = false;
                    return Trigger.FULL;
                }
                if (changed) {
                    changed = false;
                    HopTrace.mark("loop.wake");
                    return Trigger.CHANGES;
                }
                if (settlePending && ticker.read() - settleDeadline >= 0) {
                    return Trigger.CHANGES;
                }
                long waitNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(TimeUnit.SECONDS.toNanos(1),
                        nextFull - ticker.read()));
                if (settlePending) {
                    waitNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(waitNanos,
                            settleDeadline - ticker.read()));
                }
                TimeUnit.NANOSECONDS.timedWait(lock, waitNanos);
            }
        }
    }

    private void pending(Map<String, List<FileEntry>> entries) {
        long n = 0;
        long b = 0;
        for (List<FileEntry> l : entries.values()) {
            for (FileEntry e : l) {
                if (e.isFile() && e.digest() == null) {
                    n++;
                    b += e.size();
                }
            }
        }
        listener.pending(n, b);
    }
}
