package io.hakit.sync;

import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.internal.EventExecutor;
import io.hakit.keepalive.KeepaliveNode;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.RoleChange;
import io.hakit.keepalive.RoleListener;
import io.hakit.keepalive.tls.PemLayout;
import io.hakit.keepalive.tls.TlsContexts;
import io.hakit.sync.internal.ChangeWatcher;
import io.hakit.sync.internal.FileEntry;
import io.hakit.sync.internal.HashCache;
import io.hakit.sync.internal.Scanner;
import io.hakit.sync.internal.Sink;
import io.hakit.sync.internal.Source;
import io.hakit.sync.internal.SyncFrames;
import io.hakit.sync.internal.SyncRecord;
import io.hakit.sync.internal.proto.Hello;
import io.hakit.sync.internal.proto.Refuse;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mirrors directories from the active node to the standby. On the active (the <em>source</em>) it watches the roots,
 * and after each burst of changes (gathered for {@code sync.debounce}) sends what changed; every {@code sync.period}
 * it runs a full round that compares whole trees and catches anything a watch missed. On the standby (the
 * <em>sink</em>) it accepts the active's connection (mutual TLS with the keepalive pair's certificates) and applies
 * rounds: a file is written to a temp file next to its target, its digest checked, made durable, then renamed into
 * place, so a reader never sees a partial file. Direction follows the keepalive role: {@link #follow} it, or drive it
 * with {@link #roleChanged}.
 *
 * <p>Safety: the sink refuses a source whose epoch is lower than the highest it has seen (a deposed active cannot
 * overwrite the new one's files) and refuses any source while it is active itself; a file changed on this node since
 * it last agreed with its peer is kept as a conflict copy ({@code name.hakit-conflict-<time>-<node>-<n>}) rather than
 * overwritten or deleted.
 *
 * <p>Alarm {@link AlarmType#SYNC_FAILED} (45641) is raised on the active when a round fails (peer unreachable, disk
 * full, permission denied with the path, digest mismatch, refused) or when the standby has not been in sync for two
 * periods, and cleared by the next good round; the standby raises it too for failures on its own disk.
 *
 * <p><b>Threading:</b> every public method is thread-safe. Rounds run on one thread of their own ("hakit-sync-source")
 * while active; the sink works on its connection's event loop.
 */
public final class FileSync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileSync.class);
    static final int PROTOCOL_VERSION = 1;
    /** Bounds every frame: a Want offers at most 65,536 block digests (2.2 MiB), a Manifest 1,000 entries. */
    static final int MAX_FRAME = 8 << 20;
    private static final Object CLOSED = new Object();

    private final SyncConfig config;
    private final AlarmRegistry alarms;
    private final String alarmSource;
    private final HashCache cache = new HashCache(256L << 20);
    private final SyncRecord record;
    private final Scanner scanner;
    private final EventLoopGroup group;
    private final SslContext serverTls;
    private final SslContext clientTls;
    private final Channel server;
    /** Work a role change starts that may take long (walking the roots): never on the keepalive node's thread. */
    private final java.util.concurrent.ExecutorService control;
    private final Object lock = new Object();

    // guarded by lock
    private Role role = Role.STANDBY;
    private long epoch;
    private Thread sourceThread;
    private boolean fullRequested;
    private boolean changed;
    private final List<CompletableFuture<Source.RoundResult>> waiting = new ArrayList<>();
    private boolean closed;
    private boolean junkCleaned;

    private volatile Channel sinkChannel;
    /** The epoch of the source whose last whole round this sink applied without errors; -1: none yet. */
    private volatile long caughtUpEpoch = -1;
    private volatile boolean connected;
    private volatile Instant lastSuccess;
    private volatile long lastSuccessNanos = System.nanoTime();
    private volatile boolean inSync;
    private volatile String lastError = "";
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong pendingFiles = new AtomicLong();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final Deque<String> conflicts = new ArrayDeque<>();

    private FileSync(SyncConfig config, AlarmRegistry alarms) throws IOException {
        this.config = config;
        this.alarms = alarms;
        this.alarmSource = "sync:" + config.nodeId;
        Files.createDirectories(config.stateDir);
        this.record = SyncRecord.load(config.stateDir.resolve("sync-record.bin"));
        this.scanner = new Scanner(config.includes, config.excludes, config.maxEntries);
        this.control = java.util.concurrent.Executors.newSingleThreadExecutor(
                EventExecutor.daemon("hakit-sync-control-" + config.nodeId));
        List<String> cleaned = Sink.cleanLeftovers(config.roots, false); // junk only once known to be the standby
        cleaned.forEach(c -> LOG.info("{}: removed left-over {}", config.nodeId, c));
        if (config.insecure) {
            LOG.warn("{}: file synchronizer WITHOUT TLS (keepalive.tls.insecure): anyone who reaches {} can write "
                    + "into {}", config.nodeId, config.bind, config.roots.values());
            serverTls = null;
            clientTls = null;
        } else {
            try {
                TlsContexts t = TlsContexts.load(new PemLayout(config.certDir), config.peerNodeId);
                serverTls = t.server();
                clientTls = t.client();
            } catch (PemLayout.CertificateProblem e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        this.group = new NioEventLoopGroup(2, EventExecutor.daemon("hakit-sync-io-" + config.nodeId));
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            if (serverTls != null) {
                                p.addLast("tls", serverTls.newHandler(ch.alloc()));
                            }
                            p.addLast("frames", new SyncFrames.Decoder(MAX_FRAME));
                            p.addLast("sink", new SinkHandler());
                        }
                    }).bind(config.bind).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            control.shutdown();
            throw new IOException("cannot listen on " + config.bind + " (" + SyncConfig.BIND + "): " + e.getMessage(),
                    e);
        }
        LOG.info("{}: file synchronizer listening on {}", config.nodeId, server.localAddress());
    }

    /**
     * Starts a synchronizer as a standby (sink); make it the source with {@link #roleChanged}. Temp files of
     * interrupted transfers are removed at once; zero-size files without permissions (copy junk) only at the first
     * {@link #roleChanged} to a role other than ACTIVE, so that an active node never deletes its user's files.
     *
     * @throws UncheckedIOException when the state directory, the certificates or the port cannot be used
     */
    public static FileSync start(SyncConfig config, AlarmRegistry alarms) {
        try {
            return new FileSync(config, alarms);
        } catch (IOException e) {
            throw new UncheckedIOException(config.nodeId + ": cannot start the file synchronizer: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Starts a synchronizer whose direction follows {@code node}'s role, raising alarms in the node's registry, and
     * makes the node preempt only once this node holds the active's files ({@link #holdsActiveFiles}). Call it
     * between {@link KeepaliveNode#create} and {@link KeepaliveNode#start()} so that both are in force from the
     * node's first instant (on a started node, a returning node could ask for the active role before the gate is
     * set, and become the source of stale files).
     */
    public static FileSync follow(SyncConfig config, KeepaliveNode node) {
        FileSync s = start(config, node.alarms());
        node.preemptWhen(s::holdsActiveFiles);
        node.addRoleListener(new RoleListener() {
            @Override
            public void roleChanged(RoleChange change) {
                s.roleChanged(change.to(), change.epoch());
            }
        });
        if (node.role() != Role.STOPPED) {
            s.roleChanged(node.role(), node.epoch()); // started already: catch up with what it is now
        }
        return s;
    }

    public SyncConfig config() {
        return config;
    }

    /** The port the sink listens on. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /**
     * The node's role changed: ACTIVE makes this the source at {@code epoch}; any other role makes it a sink (a
     * running round is abandoned; the new active's full round repairs whatever it left).
     */
    public void roleChanged(Role newRole, long newEpoch) {
        Thread stop = null;
        synchronized (lock) {
            if (closed) {
                return;
            }
            Role old = role;
            long oldEpoch = epoch;
            role = newRole;
            epoch = newEpoch;
            if (newRole == Role.STANDBY && !junkCleaned) {
                junkCleaned = true;
                control.execute(this::cleanJunk); // walks the roots: never on the caller's (keepalive) thread
            }
            Thread previous = sourceThread;
            if (newRole == Role.ACTIVE && previous != null && newEpoch != oldEpoch) {
                stop = previous; // a new epoch: a new connection whose hello carries it
                sourceThread = null;
                lock.notifyAll();
            }
            if (newRole == Role.ACTIVE && (old != Role.ACTIVE || sourceThread == null)) {
                Channel c = sinkChannel;
                if (c != null) {
                    c.close(); // we are the source now: no one writes into our roots
                }
                fullRequested = true;
                sourceThread = new Thread(this::sourceLoop, "hakit-sync-source-" + config.nodeId);
                sourceThread.setDaemon(true);
                sourceThread.start();
            } else if (newRole != Role.ACTIVE && sourceThread != null) {
                stop = sourceThread;
                sourceThread = null;
                lock.notifyAll();
            }
        }
        if (stop != null) {
            stop.interrupt();
        }
    }

    /** Removes zero-size no-permission junk, once this node is known to be a standby (control thread). */
    private void cleanJunk() {
        try {
            Sink.cleanLeftovers(config.roots, true).forEach(c -> LOG.info("{}: removed left-over {}", config.nodeId, c));
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{}: cleaning left-overs in {}: {}", config.nodeId, config.roots.values(), e.getMessage());
        }
    }

    /**
     * Runs a full round now (source only) and returns its result.
     *
     * @throws IllegalStateException when this node is not the source
     * @throws TimeoutException      when no round finished within {@code timeout}
     * @throws IOException           when the round failed to run (the cause names why)
     */
    public Source.RoundResult syncNow(Duration timeout) throws IOException, TimeoutException, InterruptedException {
        CompletableFuture<Source.RoundResult> f = new CompletableFuture<>();
        synchronized (lock) {
            if (role != Role.ACTIVE) {
                throw new IllegalStateException(config.nodeId + " is " + role + ", not the source");
            }
            waiting.add(f);
            fullRequested = true;
            lock.notifyAll();
        }
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } finally {
            synchronized (lock) {
                waiting.remove(f);
            }
        }
    }

    /**
     * Whether this node, as a standby, has applied a whole round without errors from the newest active it knows (the
     * highest epoch it has admitted): it then holds the active's files. {@link #follow} makes a returning node of
     * higher priority wait for this before it preempts, so that it never becomes the source of stale files (which
     * would turn the active's newer files into conflict copies). Hazard: a standby that cannot catch up (its disk is
     * full, the active's synchronizer cannot reach it) does not preempt; a failover after the active fails is never
     * delayed by this.
     */
    public boolean holdsActiveFiles() {
        return caughtUpEpoch >= 0 && caughtUpEpoch >= record.highestEpoch();
    }

    /** A snapshot of this synchronizer. */
    public SyncStatus status() {
        String r;
        synchronized (lock) {
            r = closed ? "stopped" : role == Role.ACTIVE ? "source" : "sink";
        }
        boolean source = "source".equals(r);
        long lag = source && !inSync ? (System.nanoTime() - lastSuccessNanos) / 1_000_000 : 0;
        List<String> c;
        synchronized (conflicts) {
            c = List.copyOf(conflicts);
        }
        return new SyncStatus(r, source ? connected : sinkChannel != null, lastSuccess, lag, pendingFiles.get(),
                pendingBytes.get(), rounds.get(), lastError, c);
    }

    @Override
    public void close() {
        Thread stop;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            stop = sourceThread;
            sourceThread = null;
            lock.notifyAll();
        }
        if (stop != null) {
            stop.interrupt();
            try {
                stop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        Channel c = sinkChannel;
        if (c != null) {
            c.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        control.shutdown();
        try {
            control.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            record.save();
        } catch (IOException e) {
            LOG.warn("{}: saving the sync record: {}", config.nodeId, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ source

    private boolean stillSource() {
        synchronized (lock) {
            return !closed && role == Role.ACTIVE && sourceThread == Thread.currentThread();
        }
    }

    private void sourceLoop() {
        long ep;
        synchronized (lock) {
            ep = epoch;
        }
        // having led at this epoch, this node never again takes files from a source below it (saved here, on the
        // source's own thread: the role change that started it may come from the keepalive node's thread)
        record.admitEpoch(ep);
        try {
            record.save();
        } catch (IOException e) {
            LOG.warn("{}: cannot record epoch {} in {}: {}", config.nodeId, ep, config.stateDir, e.getMessage());
        }
        Source source = new Source(config.roots, scanner, cache, record, throttle(), config.timeout,
                s -> LOG.warn("{}: {}", config.nodeId, s));
        long round = System.currentTimeMillis() * 1000;
        long backoff = 100;
        ChangeWatcher watcher = null;
        try {
            watcher = !config.watch ? null : new ChangeWatcher(config.roots, () -> {
                LOG.debug("change seen");
                synchronized (lock) {
                    changed = true;
                    lock.notifyAll();
                }
            });
        } catch (IOException e) {
            LOG.warn("{}: cannot watch the roots ({}); changes travel with the full rounds only", config.nodeId,
                    e.getMessage());
        }
        try {
            while (stillSource()) {
                NettyLink link = null;
                try {
                    link = connect();
                    connected = true;
                    backoff = 100;
                    long nextFull = System.nanoTime();
                    long lastRoundEnd = System.nanoTime() - config.debounce.toNanos();
                    boolean full = true;
                    while (stillSource()) {
                        Map<String, List<FileEntry>> entries;
                        List<CompletableFuture<Source.RoundResult>> served = List.of();
                        if (full) {
                            // what a full round covers is fixed when its scan starts: the syncNow calls it serves
                            // and the changes it forgets are taken before the scan, so a change or a syncNow that
                            // comes during the scan (maybe behind it) waits for the next round
                            synchronized (lock) {
                                served = new ArrayList<>(waiting);
                                fullRequested = false;
                            }
                            if (watcher != null) {
                                watcher.drain();
                                watcher.takeNeedFull();
                            }
                            entries = source.scanAll(config.verifyContent);
                        } else {
                            sleepDebounce(lastRoundEnd);
                            Map<String, Set<String>> ch = watcher == null ? Map.of() : watcher.drain();
                            entries = source.describe(ch);
                            if (entries.isEmpty()) {
                                full = awaitTrigger(watcher, nextFull, link);
                                continue;
                            }
                        }
                        pending(entries);
                        LOG.debug("round {} starts ({} roots{})", round + 1, entries.size(), full ? ", full" : "");
                        Source.RoundResult r = source.run(link, ++round, full, entries);
                        LOG.debug("round {} done: {} files", r.round(), r.files());
                        lastRoundEnd = System.nanoTime();
                        finished(r);
                        served.forEach(f -> f.complete(r));
                        if (full) {
                            nextFull = System.nanoTime() + config.period.toNanos();
                        }
                        full = awaitTrigger(watcher, nextFull, link);
                    }
                } catch (IOException e) {
                    failed(e.getMessage() == null ? e.toString() : e.getMessage());
                    List<CompletableFuture<Source.RoundResult>> failedWaiters = new ArrayList<>();
                    synchronized (lock) {
                        if (stillSourceLocked()) { // a replaced source thread leaves its successor's waiters be
                            failedWaiters.addAll(waiting);
                            waiting.clear();
                        }
                    }
                    failedWaiters.forEach(f -> f.completeExceptionally(e));
                } finally {
                    connected = false;
                    if (link != null) {
                        link.close();
                    }
                }
                synchronized (lock) {
                    if (!stillSourceLocked()) {
                        break;
                    }
                    lock.wait(backoff);
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
            pendingFiles.set(0);
            pendingBytes.set(0);
            Thread.interrupted(); // an interrupted thread cannot use a FileChannel
            try {
                record.save();
            } catch (IOException e) {
                LOG.warn("{}: saving the sync record: {}", config.nodeId, e.getMessage());
            }
        }
    }

    private boolean stillSourceLocked() {
        return !closed && role == Role.ACTIVE && sourceThread == Thread.currentThread();
    }

    /**
     * Debounce on the leading edge: a change after a quiet spell goes at once (lowest latency); changes that come
     * while a round runs, or within {@code sync.debounce} after it, wait until that much time has passed since the
     * round ended and then travel together.
     */
    private void sleepDebounce(long lastRoundEnd) throws InterruptedException {
        long wait = lastRoundEnd + config.debounce.toNanos() - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /**
     * Waits for the next reason to run a round; returns whether it must be a full one.
     *
     * @throws IOException when the connection closes meanwhile (the standby went away): reconnect, then a full round
     */
    private boolean awaitTrigger(ChangeWatcher watcher, long nextFull, NettyLink link)
            throws InterruptedException, IOException {
        synchronized (lock) {
            while (stillSourceLocked()) {
                if (!link.channel.isActive()) {
                    throw new IOException("connection to the standby closed");
                }
                checkLag();
                if (fullRequested || (watcher != null && watcher.takeNeedFull())
                        || System.nanoTime() - nextFull >= 0) {
                    changed = false;
                    return true;
                }
                if (changed) {
                    changed = false;
                    return false;
                }
                long waitMs = Math.max(1, Math.min(1000, (nextFull - System.nanoTime()) / 1_000_000));
                lock.wait(waitMs);
            }
        }
        throw new InterruptedException("no longer the source");
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
        pendingFiles.set(n);
        pendingBytes.set(b);
    }

    private void finished(Source.RoundResult r) {
        try {
            // what both sides now hold survives a crash of this node: were it forgotten, this node's files would
            // all look changed here when it comes back as a standby, and become conflict copies
            record.save();
        } catch (IOException e) {
            LOG.warn("{}: saving the sync record: {}", config.nodeId, e.getMessage());
        }
        rounds.incrementAndGet();
        pendingFiles.set(0);
        pendingBytes.set(0);
        synchronized (conflicts) {
            for (String c : r.conflicts()) {
                conflicts.addLast(c);
                while (conflicts.size() > 20) {
                    conflicts.removeFirst();
                }
            }
        }
        if (r.ok()) {
            lastSuccess = Instant.now();
            lastSuccessNanos = System.nanoTime();
            inSync = true;
            lastError = "";
            alarms.clear(AlarmType.SYNC_FAILED, alarmSource);
            if (!r.conflicts().isEmpty()) {
                LOG.warn("{}: round {} kept {} conflict copies on the standby, first: {}", config.nodeId, r.round(),
                        r.conflicts().size(), r.conflicts().get(0));
            }
        } else {
            List<String> all = new ArrayList<>(r.errors());
            all.addAll(r.refused());
            failed(all.size() + " problem(s) on the standby, first: " + all.get(0));
        }
    }

    private void failed(String cause) {
        rounds.incrementAndGet();
        inSync = false;
        lastError = cause;
        LOG.warn("{}: sync round failed: {}", config.nodeId, cause);
        alarms.raise(AlarmType.SYNC_FAILED, alarmSource, cause);
    }

    private void checkLag() {
        long lagNanos = System.nanoTime() - lastSuccessNanos;
        if (lagNanos > 2 * config.period.toNanos() && (!inSync || !connected)) {
            alarms.raise(AlarmType.SYNC_FAILED, alarmSource, "the standby has not been in sync for "
                    + lagNanos / 1_000_000_000 + " s (two periods are " + 2 * config.period.toSeconds() + " s)"
                    + (lastError.isEmpty() ? "" : "; last error: " + lastError));
        }
    }

    private Source.Throttle throttle() {
        return config.bandwidth <= 0 ? Source.Throttle.NONE
                : new io.hakit.sync.internal.RateLimiter(config.bandwidth, io.hakit.api.Ticker.system(),
                io.hakit.sync.internal.RateLimiter.Sleeper.SLEEP);
    }

    private NettyLink connect() throws IOException, InterruptedException {
        NettyLink link = new NettyLink();
        ChannelFuture f = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(10_000, config.timeout.toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (clientTls != null) {
                            p.addLast("tls", clientTls.newHandler(ch.alloc(), config.peerAddress.getHostString(),
                                    config.peerAddress.getPort()));
                        }
                        p.addLast("frames", new SyncFrames.Decoder(MAX_FRAME));
                        p.addLast("link", link);
                    }
                }).connect(config.peerAddress);
        if (!f.await(config.timeout.toMillis() + 1000) || !f.isSuccess()) {
            f.channel().close();
            Throwable c = f.cause();
            throw new IOException("peer unreachable: cannot connect to " + config.peerAddress + " ("
                    + (c == null ? "timed out" : c.getMessage()) + ")");
        }
        link.channel = f.channel();
        long ep;
        synchronized (lock) {
            ep = epoch;
        }
        link.send(SyncMessage.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(PROTOCOL_VERSION)
                .setClusterId(config.clusterId).setNodeId(config.nodeId).setEpoch(ep)
                .addAllRoots(config.roots.keySet())).build());
        link.flush();
        SyncMessage answer = link.receive(config.timeout);
        if (answer == null) {
            link.close();
            throw new IOException("peer unreachable: " + config.peerAddress + " did not answer the sync hello within "
                    + config.timeout.toMillis() + " ms");
        }
        if (answer.hasRefuse()) {
            link.close();
            throw new IOException("the standby refused: " + answer.getRefuse().getReason());
        }
        if (!answer.hasHello()) {
            link.close();
            throw new IOException("the standby answered the hello with " + answer.getBodyCase());
        }
        return link;
    }

    private record Sent(ChannelFuture future, int bytes) {
    }

    /** Bytes the source lets travel towards the socket before it waits for the oldest write to complete. */
    static final int WINDOW = 4 << 20;

    /** The source's side of a connection: a queue of what arrives, writes that wait while congested. */
    private final class NettyLink extends ChannelInboundHandlerAdapter implements Source.Link {
        private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
        private volatile Channel channel;
        private long unflushed;
        private final Deque<Sent> inFlight = new ArrayDeque<>();
        private long inFlightBytes;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof SyncMessage) {
                inbound.add(msg);
            } else {
                if (msg instanceof SyncFrames.Data d) {
                    d.bytes().release();
                }
                ReferenceCountUtil.release(msg);
                inbound.add(new IOException("the standby sent file data"));
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inbound.add(CLOSED);
            synchronized (lock) {
                lock.notifyAll(); // an idle source notices at once (awaitTrigger)
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            inbound.add(new IOException("connection to the standby failed: " + describe(cause), cause));
            ctx.close();
        }

        /**
         * Waits (bounded by sync.timeout) until at most {@value #WINDOW} bytes written earlier are still on their way
         * to the socket: each write's future completes once the bytes are in the kernel, oldest first.
         */
        private void awaitWindow() throws IOException {
            while (inFlightBytes > WINDOW) {
                Sent oldest = inFlight.peekFirst();
                if (!oldest.future.isDone()) {
                    flush();
                    try {
                        if (!oldest.future.await(config.timeout.toMillis())) {
                            throw new IOException("the standby took no data for " + config.timeout.toMillis()
                                    + " ms");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while sending", e);
                    }
                }
                if (!oldest.future.isSuccess()) {
                    throw new IOException("sending to the standby failed: " + describe(oldest.future.cause()),
                            oldest.future.cause());
                }
                inFlight.removeFirst();
                inFlightBytes -= oldest.bytes;
            }
            while (!inFlight.isEmpty() && inFlight.peekFirst().future.isDone()) {
                Sent done = inFlight.removeFirst();
                inFlightBytes -= done.bytes;
                if (!done.future.isSuccess()) {
                    throw new IOException("sending to the standby failed: " + describe(done.future.cause()),
                            done.future.cause());
                }
            }
            if (!channel.isActive()) {
                throw new IOException("connection to the standby closed");
            }
        }

        private void written(ChannelFuture f, int bytes) {
            inFlight.addLast(new Sent(f, bytes));
            inFlightBytes += bytes;
            unflushed += bytes;
            if (unflushed >= 256 * 1024) {
                flush();
            }
        }

        @Override
        public void send(SyncMessage m) throws IOException {
            awaitWindow();
            ByteBuf frame = SyncFrames.control(channel.alloc(), m);
            int n = frame.readableBytes();
            written(channel.write(frame), n);
        }

        @Override
        public void sendData(int id, long offset, ByteBuf bytes) throws IOException {
            try {
                awaitWindow();
            } catch (IOException e) {
                bytes.release();
                throw e;
            }
            int n = bytes.readableBytes();
            channel.write(SyncFrames.dataHeader(channel.alloc(), id, offset, n));
            written(channel.write(bytes), n);
        }

        @Override
        public void flush() {
            unflushed = 0;
            channel.flush();
        }

        @Override
        public boolean hasInbound() {
            return !inbound.isEmpty();
        }

        @Override
        public SyncMessage receive(Duration timeout) throws IOException, InterruptedException {
            Object o = inbound.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (o == null) {
                return null;
            }
            if (o == CLOSED) {
                inbound.add(CLOSED);
                throw new IOException("connection to the standby closed");
            }
            if (o instanceof IOException e) {
                throw e;
            }
            return (SyncMessage) o;
        }

        @Override
        public ByteBufAllocator alloc() {
            return channel.alloc();
        }

        void close() {
            Channel c = channel;
            if (c != null) {
                c.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
        }
    }

    private static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    // ------------------------------------------------------------------ sink

    /** The standby's side of one connection: the hello, then the rounds, all on the connection's event loop. */
    private final class SinkHandler extends ChannelInboundHandlerAdapter {
        private Sink sink;
        // set once the connection is refused or the peer broke the protocol: frames already read (the rest of the
        // batch, or what the decoder still holds when the channel goes inactive) are dropped, not applied
        private boolean done;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (done) {
                    return;
                }
                if (sink == null) {
                    hello(ctx, msg);
                    return;
                }
                if (msg instanceof SyncFrames.Data d) {
                    msg = null; // onData releases it
                    sink.onData(d);
                } else {
                    SyncMessage m = (SyncMessage) msg;
                    sink.onMessage(m);
                }
            } catch (Sink.ProtocolException e) {
                done = true;
                LOG.warn("{}: closing the sync connection from {}: {}", config.nodeId, ctx.channel().remoteAddress(),
                        e.getMessage());
                alarms.raise(AlarmType.SYNC_FAILED, alarmSource, "the active broke the sync protocol: "
                        + e.getMessage());
                ctx.close();
            } finally {
                if (msg instanceof SyncFrames.Data d) {
                    d.bytes().release(); // not reference-counted itself: its buffer is
                } else if (msg != null) {
                    ReferenceCountUtil.release(msg);
                }
            }
        }

        private void hello(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof SyncMessage m) || !m.hasHello()) {
                refuse(ctx, "the first frame must be a hello");
                return;
            }
            Hello h = m.getHello();
            Role mine;
            synchronized (lock) {
                mine = role;
            }
            Set<String> roots = new HashSet<>(h.getRootsList());
            if (h.getProtocolVersion() != PROTOCOL_VERSION) {
                refuse(ctx, "protocol version " + h.getProtocolVersion() + ", this node speaks " + PROTOCOL_VERSION);
            } else if (!h.getClusterId().equals(config.clusterId)) {
                refuse(ctx, "cluster '" + h.getClusterId() + "', this node is in '" + config.clusterId + "'");
            } else if (!h.getNodeId().equals(config.peerNodeId)) {
                refuse(ctx, "node '" + h.getNodeId() + "' is not this node's peer '" + config.peerNodeId + "'");
            } else if (!roots.equals(config.roots.keySet())) {
                refuse(ctx, "roots " + roots + " differ from this node's " + config.roots.keySet());
            } else if (mine == Role.ACTIVE) {
                refuse(ctx, config.nodeId + " is active too (split brain): it takes no files until one steps down");
            } else if (!record.admitEpoch(h.getEpoch())) {
                refuse(ctx, "epoch " + h.getEpoch() + " is older than " + record.highestEpoch()
                        + ", which this node has seen: a deposed active must not overwrite the new one's files");
            } else if (!epochSaved(ctx)) {
                return;
            } else {
                Channel old = sinkChannel;
                if (old != null && old != ctx.channel()) {
                    old.close();
                }
                sinkChannel = ctx.channel();
                sink = new Sink(config.roots, scanner, cache, record, new Sink.Limits(config.maxFileSize,
                        config.maxEntries, config.reserve), config.nodeId, out -> {
                    // flushed in channelReadComplete: the wants of a whole manifest batch go out together
                    ctx.write(SyncFrames.control(ctx.alloc(), out));
                    if (out.hasRoundDone()) {
                        roundApplied(out.getRoundDone(), h.getEpoch());
                    }
                });
                ctx.writeAndFlush(SyncFrames.control(ctx.alloc(), SyncMessage.newBuilder().setHello(Hello.newBuilder()
                        .setProtocolVersion(PROTOCOL_VERSION).setClusterId(config.clusterId)
                        .setNodeId(config.nodeId).setEpoch(record.highestEpoch())
                        .addAllRoots(config.roots.keySet())).build()));
                LOG.info("{}: accepted {} (epoch {}) as the sync source", config.nodeId, h.getNodeId(),
                        h.getEpoch());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        /** Makes an epoch just admitted durable before any file is taken: a restart must not forget it. */
        private boolean epochSaved(ChannelHandlerContext ctx) {
            try {
                record.save();
                return true;
            } catch (IOException e) {
                refuse(ctx, config.nodeId + " cannot record the epoch in " + config.stateDir + ": " + e.getMessage());
                return false;
            }
        }

        private void refuse(ChannelHandlerContext ctx, String reason) {
            done = true;
            LOG.warn("{}: refusing sync source {}: {}", config.nodeId, ctx.channel().remoteAddress(), reason);
            ctx.writeAndFlush(SyncFrames.control(ctx.alloc(), SyncMessage.newBuilder()
                    .setRefuse(Refuse.newBuilder().setReason(reason)).build())).addListener(f -> ctx.close());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (sink != null) {
                sink.abort();
            }
            if (sinkChannel == ctx.channel()) {
                sinkChannel = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!done) {
                LOG.warn("{}: sync connection from {} failed: {}", config.nodeId, ctx.channel().remoteAddress(),
                        describe(cause));
            }
            done = true;
            ctx.close();
        }
    }

    /** The standby applied a round: its own alarm and status follow what happened on its disk. */
    private void roundApplied(RoundDone d, long sourceEpoch) {
        rounds.incrementAndGet();
        synchronized (conflicts) {
            for (String c : d.getConflictsList()) {
                conflicts.addLast(c);
                while (conflicts.size() > 20) {
                    conflicts.removeFirst();
                }
            }
        }
        if (d.getErrorsCount() == 0 && d.getRefusedCount() == 0) {
            if (d.getFull() && sourceEpoch > caughtUpEpoch) {
                caughtUpEpoch = sourceEpoch;
            }
            lastSuccess = Instant.now();
            lastSuccessNanos = System.nanoTime();
            lastError = "";
            alarms.clear(AlarmType.SYNC_FAILED, alarmSource);
        } else {
            lastError = d.getErrorsCount() > 0 ? d.getErrors(0) : "refused: " + d.getRefused(0);
            alarms.raise(AlarmType.SYNC_FAILED, alarmSource, lastError);
        }
    }
}
