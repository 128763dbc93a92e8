package io.hakit.sync;

import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.support.EventExecutor;
import io.hakit.keepalive.KeepaliveNode;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.RoleChange;
import io.hakit.keepalive.RoleListener;
import io.hakit.sync.internal.HashCache;
import io.hakit.sync.internal.PathGuard;
import io.hakit.sync.internal.Scanner;
import io.hakit.sync.internal.Sink;
import io.hakit.sync.internal.SinkSession;
import io.hakit.sync.internal.Source;
import io.hakit.sync.internal.SourceLoop;
import io.hakit.sync.internal.SyncRecord;
import io.hakit.sync.internal.SyncTransport;
import io.hakit.sync.internal.proto.RoundDone;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 * <h2>What is detected, and how</h2>
 * A file is "unchanged" only when its content digest is known to be the same on both sides; size and mtime alone
 * never decide. The source keeps each file's digest for its <em>identity</em> (size, mtime, inode and ctime: any
 * write, truncate, rename, chmod, chown or {@code touch} changes the ctime, which only the kernel sets; a file renamed
 * over another, a replaced hard link or a re-created file has another inode), and reads a file again only when its
 * identity changed; the standby does the same for its copies. Digests of agreed files survive restarts.
 * <ul>
 *   <li><b>The watch</b> (inotify, while active) sees creates, writes (on close and as they happen), deletes,
 *   renames, chmod/chown and {@code touch} in every watched directory, within milliseconds (debounce). It does not see
 *   writes through a shared memory mapping until the file is closed or its mtime changes, changes in directories it
 *   could not watch (the watch limit, {@code fs.inotify.max_user_watches}; logged) or events lost to a queue overflow
 *   (which asks for a full round).</li>
 *   <li><b>A full round</b> (at every connection and every {@code sync.period}) compares the whole trees: it sees
 *   every change that altered a path's type, identity, mode, owner or link target, including all of the above, at
 *   the cost of one {@code stat} per path and a read of each file whose identity changed.</li>
 *   <li><b>Nothing</b> sees content changed while size, mtime, inode and ctime stay as they were (writes below the
 *   file system, a clock set back before a write): {@code sync.verify-content} makes full rounds re-read everything,
 *   and {@link #verify} (hakit sync verify) compares both sides by digests read now.</li>
 * </ul>
 *
 * <p>Safety: the sink refuses a source whose epoch is lower than the highest it has seen (a deposed active cannot
 * overwrite the new one's files) and refuses any source while it is active itself; a file changed on this node since
 * it last agreed with its peer is kept as a conflict copy ({@code name.hakit-conflict-<time>-<node>-<n>}) rather than
 * overwritten or deleted, and SYNC_CONFLICT is raised until the operator deletes or renames every such copy. The
 * standby never follows a symbolic link in its roots: every operation is relative to a directory opened without
 * following links (see {@code Applier}). A file that kept changing while it was sent is sent from a consistent
 * snapshot; one that cannot be sent is named by SYNC_FAILED; nothing is skipped silently.
 *
 * <p>Alarm {@link AlarmType#SYNC_FAILED} (45641) is raised on the active when a round fails (peer unreachable, disk
 * full, permission denied with the path, digest mismatch, refused, a file that could not be read) or when the standby
 * has not been in sync for two periods, and cleared by the next good round; the standby raises it too for failures
 * on its own disk. {@link AlarmType#SYNC_CONFLICT} is raised on the node that holds conflict copies.
 *
 * <p><b>Threading:</b> every public method is thread-safe. Rounds run on one thread of their own while active
 * ({@link SourceLoop}); the sink works on its connection's event loop; role changes and the conflict check run on a
 * control thread, never on the caller's (the keepalive node's) thread.
 */
public final class FileSync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileSync.class);
    static final int PROTOCOL_VERSION = 2;
    /** How often the conflict copies this node holds are checked (SYNC_CONFLICT clears when none is left). */
    static final Duration CONFLICT_CHECK = Duration.ofSeconds(5);

    private final SyncConfig config;
    private final AlarmRegistry alarms;
    private final String alarmSource;
    private final HashCache cache = new HashCache(256L << 20);
    private final SyncRecord record;
    private final Scanner scanner;
    private final SyncTransport transport;
    private final ScheduledExecutorService control;
    private final Object lock = new Object();

    // guarded by lock
    private Role role = Role.STANDBY;
    private long epoch;
    private SourceLoop loop;
    private boolean closed;
    private boolean junkCleaned;

    private volatile Channel sinkChannel;
    /** The epoch of the source whose last whole round this sink applied cleanly; -1: none yet. */
    private volatile long caughtUpEpoch = -1;
    private volatile boolean connected;
    private volatile Instant lastSuccess;
    private volatile long lastSuccessNanos;
    /** Sink connection problems, one line per peer host and cause per minute. */
    private final io.hakit.keepalive.support.RepeatFilter connectionProblems;
    private volatile Instant verifiedAt;
    private volatile boolean inSync;
    private volatile String lastError = "";
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong failedRounds = new AtomicLong();
    private final AtomicLong conflictCopies = new AtomicLong();
    private final AtomicLong pendingFiles = new AtomicLong();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final Deque<String> latestConflicts = new ArrayDeque<>();
    /** What the source does not synchronize, and why (special files, links out of the root, too long paths). */
    private final java.util.Map<String, Long> skipped = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, Long> skipLogged = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile int unwatched;

    private FileSync(SyncConfig config, AlarmRegistry alarms) throws IOException {
        this.config = config;
        this.alarms = alarms;
        this.alarmSource = "sync:" + config.nodeId();
        this.lastSuccessNanos = config.ticker().read();
        this.connectionProblems = new io.hakit.keepalive.support.RepeatFilter(TimeUnit.MINUTES.toNanos(1), config.ticker());
        Files.createDirectories(config.stateDir());
        this.record = SyncRecord.load(config.stateDir().resolve("sync-record.bin"));
        cache.seed(record);
        this.scanner = new Scanner(config.includes(), config.excludes(), config.maxEntries());
        List<String> copies = new ArrayList<>();
        List<String> cleaned = Sink.cleanLeftovers(config.roots(), false, copies); // junk only once known standby
        cleaned.forEach(c -> LOG.info("{}: removed left-over {}", config.nodeId(), c));
        copies.forEach(record::addConflict);
        if (config.keepalive().insecure()) {
            LOG.warn("{}: file synchronizer WITHOUT TLS (keepalive.tls.insecure): anyone who reaches {} can write "
                    + "into {}", config.nodeId(), config.bind(), config.roots().values());
        }
        this.control = Executors.newSingleThreadScheduledExecutor(EventExecutor.daemon("hakit-sync-control-"
                + config.nodeId()));
        SinkSession.Rules rules = new SinkSession.Rules(PROTOCOL_VERSION, config.keepalive().clusterId(), config.nodeId(),
                config.keepalive().peerNodeId(), config.roots(), config.stateDir());
        Sink.Limits limits = new Sink.Limits(config.maxFileSize(), config.maxEntries(), config.diskReserve());
        try {
            this.transport = new SyncTransport(config.nodeId(), config.keepalive().peerNodeId(), config.bind(), SyncConfig.BIND + " (default: keepalive.bind's port + 1)",
                    config.peerAddress(), config.keepalive().certDir().orElse(null), config.timeout(),
                    () -> new SinkSession(rules, scanner, cache, record, limits, new SessionHost()));
        } catch (IOException e) {
            control.shutdown();
            throw e;
        }
        control.scheduleWithFixedDelay(this::checkConflicts, 0, CONFLICT_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("{}: file synchronizer listening on port {}", config.nodeId(), transport.port());
    }

    /**
     * Starts a synchronizer as a standby (sink): when this returns it listens on {@link SyncConfig#bind()} and
     * checks its conflict copies every 5 seconds; make it the source with {@link #roleChanged}. Temp files of
     * interrupted transfers are removed at once; zero-size files without permissions (copy junk) only at the first
     * {@link #roleChanged} to STANDBY, so that an active node never deletes its user's files.
     *
     * @param config the settings; the state directory is created if missing and its sync record (agreed digests,
     *               highest epoch, unresolved conflict copies) loaded
     * @param alarms where SYNC_FAILED and SYNC_CONFLICT are raised and cleared, with the source
     *               {@code sync:<node-id>}
     * @return the running synchronizer; {@link #close()} it to stop its threads and free the port
     * @throws UncheckedIOException when the state directory, the certificates or the port cannot be used
     */
    public static FileSync start(SyncConfig config, AlarmRegistry alarms) {
        try {
            return new FileSync(config, alarms);
        } catch (IOException e) {
            throw new UncheckedIOException(config.nodeId() + ": cannot start the file synchronizer: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Starts a synchronizer whose direction follows {@code node}'s role, raising alarms in the node's registry, and
     * makes the node preempt only once this node holds the active's files ({@link #holdsActiveFiles}). Call it
     * between {@link KeepaliveNode#create} and {@link KeepaliveNode#start()} so that both are in force from the
     * node's first instant (on a started node, a returning node could ask for the active role before the gate is
     * set, and become the source of stale files). On a node already started, the synchronizer takes its current
     * role and epoch at once.
     *
     * @param config the settings; its {@link SyncConfig#keepalive()} should be {@code node}'s configuration
     * @param node   the keepalive node whose role changes drive the direction (as a {@link RoleListener}) and whose
     *               alarm registry gets the synchronizer's alarms
     * @return the running synchronizer; {@link #close()} it to stop its threads and free the port
     * @throws UncheckedIOException as {@link #start}
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

    /**
     * The settings this synchronizer was started with.
     *
     * @return the settings given to {@link #start} or {@link #follow}
     */
    public SyncConfig config() {
        return config;
    }

    /**
     * The port the sink listens on, also while this node is the source (the port stays bound until {@link #close()}).
     *
     * @return the bound port: {@link SyncConfig#bind()}'s, or the one the system chose when that is 0
     */
    public int port() {
        return transport.port();
    }

    /**
     * The node's role changed: ACTIVE makes this the source at {@code epoch}; any other role makes it a sink (a
     * running round is abandoned; the new active's full round repairs whatever it left). Returns at once: nothing
     * here walks the roots or waits for the disk. Ignored after {@link #close()}. {@link #follow} calls it for each
     * role change of its node; call it yourself only for a synchronizer made with {@link #start}.
     *
     * @param newRole  the node's role now: {@link Role#ACTIVE} makes this the source (and closes any connection
     *                 from another source); any other role makes it a sink, the first {@link Role#STANDBY} also
     *                 removes copy junk from the roots
     * @param newEpoch the keepalive epoch of the role; as source, the rounds carry it and a sink refuses them if it
     *                 has seen a higher one. ACTIVE again at another epoch starts over with a new connection; this
     *                 node never again takes files from a source below an epoch at which it was active
     */
    public void roleChanged(Role newRole, long newEpoch) {
        SourceLoop stop = null;
        synchronized (lock) {
            if (closed) {
                return;
            }
            role = newRole;
            epoch = newEpoch;
            if (newRole == Role.STANDBY && !junkCleaned) {
                junkCleaned = true;
                control.execute(this::cleanJunk);
            }
            if (newRole == Role.ACTIVE && (loop == null || loop.epoch() != newEpoch)) {
                stop = loop; // a new epoch: a new connection whose hello carries it
                Channel c = sinkChannel;
                if (c != null) {
                    c.close(); // we are the source now: no one writes into our roots
                }
                loop = newLoop(newEpoch);
            } else if (newRole != Role.ACTIVE && loop != null) {
                stop = loop;
                loop = null;
            }
        }
        if (stop != null) {
            stop.stop();
        }
    }

    private SourceLoop newLoop(long ep) {
        // having led at this epoch, this node never again takes files from a source below it
        record.admitEpoch(ep);
        onControl(this::saveRecord);
        Source source = new Source(config.roots(), scanner, cache, record, throttle(), config.timeout(),
                this::skippedOnSource);
        return new SourceLoop(new SourceLoop.Settings(config.keepalive().clusterId(), config.nodeId(), config.roots(), config.period(),
                config.debounce(), config.timeout(), config.watch(), config.verifyContent(), PROTOCOL_VERSION), ep, source,
                transport, config.ticker(), new LoopListener()).start();
    }

    /** Removes zero-size no-permission junk, once this node is known to be a standby (control thread). */
    private void cleanJunk() {
        try {
            Sink.cleanJunk(config.roots()).forEach(c -> LOG.info("{}: removed left-over {}", config.nodeId(), c));
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("{}: cleaning left-overs in {}: {}", config.nodeId(), config.roots().values(), e.getMessage());
        }
    }

    /**
     * Runs a full round now (source only) and returns its result: that of the first full round that starts after
     * this call (not one already running). Blocks the caller until then; the round itself runs on the
     * synchronizer's round thread.
     *
     * @param timeout how long to wait for the round to finish
     * @return what the round did; paths it failed on and paths the standby refused are in the result
     *     ({@link RoundResult#ok()}), not thrown
     * @throws IllegalStateException when this node is not the source, or the synchronizer is closed
     * @throws TimeoutException      when no round finished within {@code timeout}; the request is withdrawn (a round
     *                               already started still runs to its end)
     * @throws IOException           when the round failed to run: the standby could not be reached or refused the
     *                               source on the first connection attempt that started after this call (an
     *                               attempt already under way when the call came does not decide it), the
     *                               connection was lost during the round, or this node stopped being the source
     *                               meanwhile (the cause names why)
     * @throws InterruptedException  when the calling thread is interrupted while it waits
     */
    public RoundResult syncNow(Duration timeout) throws IOException, TimeoutException, InterruptedException {
        return await(timeout, false);
    }

    /**
     * Compares both sides by content digests read now, as {@code rsync -c --dry-run} would, changing nothing (source
     * only): the result's {@link RoundResult#differences()} names each path that differs (content, type, link
     * target, mode, mtime, or present on one side only). Reads both trees in full. Blocks the caller until the
     * verification round that starts after this call has finished.
     *
     * @param timeout how long to wait for the verification; reading both trees can take minutes on large roots
     * @return the verification's result, whose {@link RoundResult#differences()} is empty when both sides are equal
     * @throws IllegalStateException when this node is not the source, or the synchronizer is closed
     * @throws TimeoutException      when the verification did not finish within {@code timeout}; the request is
     *                               withdrawn
     * @throws IOException           when the verification failed to run: the standby could not be reached or
     *                               refused the source, or this node stopped being the source meanwhile
     * @throws InterruptedException  when the calling thread is interrupted while it waits
     */
    public RoundResult verify(Duration timeout) throws IOException, TimeoutException, InterruptedException {
        return await(timeout, true);
    }

    private RoundResult await(Duration timeout, boolean verify)
            throws IOException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SourceLoop l;
            synchronized (lock) {
                if (role != Role.ACTIVE || loop == null || closed) {
                    throw new IllegalStateException(config.nodeId() + " is " + (closed ? "stopped" : role)
                            + ", not the source");
                }
                l = loop;
            }
            CompletableFuture<RoundResult> f = verify ? l.requestVerify() : l.requestFull();
            try {
                return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                synchronized (lock) {
                    if (loop != l && loop != null && System.nanoTime() < deadline) {
                        continue; // a new epoch replaced the loop meanwhile: its rounds serve the request
                    }
                }
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (TimeoutException e) {
                l.cancel(f);
                throw e;
            }
        }
    }

    /**
     * Whether this node, as a standby, has applied a whole round without errors and with nothing pending from the
     * newest active it knows (the highest epoch it has admitted), and no round since has left anything out: it then
     * holds the active's files. {@link #follow}
     * makes a returning node of higher priority wait for this before it preempts, so that it never becomes the source
     * of stale files (which would turn the active's newer files into conflict copies). Hazard: a standby that cannot
     * catch up (its disk is full, the active's synchronizer cannot reach it) does not preempt; a failover after the
     * active fails is never delayed by this.
     *
     * @return true once a whole round from the newest admitted epoch was applied cleanly and nothing since has
     *     failed, been refused or stayed pending; false until then
     */
    public boolean holdsActiveFiles() {
        return caughtUpEpoch >= 0 && caughtUpEpoch >= record.highestEpoch();
    }

    /**
     * The conflict copies on this node that the operator has not resolved yet. A copy leaves the list when the
     * periodic check (every 5 seconds) finds it deleted or renamed; SYNC_CONFLICT clears when none is left.
     *
     * @return a snapshot of the unresolved copies as {@code root:path}; empty when there are none
     */
    public List<String> conflicts() {
        return record.conflicts();
    }

    /**
     * A snapshot of this synchronizer: role, connection, whether the standby is verified in sync, lag, counters and
     * conflict copies. Reads only what the synchronizer keeps in memory; cheap enough to poll.
     *
     * @return a new snapshot; "stopped" after {@link #close()}
     */
    public SyncStatus status() {
        String r;
        synchronized (lock) {
            r = closed ? "stopped" : role == Role.ACTIVE ? "source" : "sink";
        }
        boolean source = "source".equals(r);
        long now = config.ticker().read();
        long lag = source && !inSync ? (now - lastSuccessNanos) / 1_000_000 : 0;
        List<String> latest;
        synchronized (latestConflicts) {
            latest = List.copyOf(latestConflicts);
        }
        return new SyncStatus(r, source ? connected : sinkChannel != null, lastSuccess, lag, pendingFiles.get(),
                pendingBytes.get(), rounds.get(), lastError, latest, record.conflicts(), inSync, verifiedAt,
                source ? unwatched : 0, stillSkipped(), failedRounds.get(), conflictCopies.get(), transport.bytesSent(),
                transport.bytesReceived(), lastSuccess == null ? -1 : (now - lastSuccessNanos) / 1_000_000);
    }

    /**
     * Stops the synchronizer: ends the source's rounds (waiting up to 5 seconds for the round thread), closes the
     * sink's connection and the listening port, stops the control thread (up to 5 seconds) and saves the sync record.
     * Blocks the caller for those waits; an interrupt ends the waits early and is kept set. Idempotent.
     */
    @Override
    public void close() {
        SourceLoop stop;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            stop = loop;
            loop = null;
        }
        if (stop != null) {
            stop.stop();
            try {
                stop.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Channel c = sinkChannel;
        if (c != null) {
            c.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        transport.close();
        control.shutdown();
        try {
            control.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        saveRecord();
    }

    private void saveRecord() {
        try {
            record.save();
        } catch (IOException e) {
            LOG.warn("{}: saving the sync record: {}", config.nodeId(), e.toString());
        }
    }

    // ------------------------------------------------------------------ source side

    /** What the source loop reports: status, alarms, the record made durable after each round. */
    private final class LoopListener implements SourceLoop.Listener {
        /** The round thread's last pending message logged at INFO (the same one again goes to DEBUG). */
        private String pendingLogged = "";

        @Override
        public void connected(boolean up) {
            connected = up;
            if (!up) {
                inSync = false;
            }
        }

        @Override
        public void pending(long files, long bytes) {
            pendingFiles.set(files);
            pendingBytes.set(bytes);
        }

        @Override
        public void finished(RoundResult r) {
            // what both sides now hold survives a crash of this node: were it forgotten, this node's files would
            // look changed here when it comes back as a standby (the manifests' base digests cover most of that).
            // Saved on the control thread: this one is interrupted when the node is demoted
            onControl(FileSync.this::saveRecord);
            if (r.ok()) {
                rounds.incrementAndGet(); // a round with errors counts in roundFailed
            }
            pendingFiles.set(r.pending().size());
            pendingBytes.set(0);
            noteConflicts(r.conflicts());
            if (r.clean()) {
                lastSuccessNanos = config.ticker().read(); // before lastSuccess: status() reads them the other way
                lastSuccess = Instant.now();
                if (r.full()) {
                    inSync = true;
                    verifiedAt = lastSuccess;
                }
                lastError = "";
                pendingLogged = "";
                alarms.clear(AlarmType.SYNC_FAILED, alarmSource);
                if (!r.conflicts().isEmpty()) {
                    LOG.warn("{}: round {} kept {} conflict copies on the standby, first: {}", config.nodeId(),
                            r.round(), r.conflicts().size(), r.conflicts().get(0));
                }
            } else if (r.ok()) {
                // nothing failed, but files changed while they were sent: not in sync until they arrive
                inSync = false;
                lastError = r.pending().size() + " file(s) pending (changed while being sent), first: "
                        + r.pending().get(0);
                if (lastError.equals(pendingLogged)) { // a file being written: every round says the same
                    LOG.debug("{}: round {}: {}", config.nodeId(), r.round(), lastError);
                } else {
                    LOG.info("{}: round {}: {}", config.nodeId(), r.round(), lastError);
                }
                pendingLogged = lastError;
            } else {
                List<String> all = new ArrayList<>(r.errors());
                all.addAll(r.refused());
                roundFailed(all.size() + " problem(s) on the standby, first: " + all.get(0));
            }
        }

        @Override
        public void failed(String cause) {
            roundFailed(cause);
        }

        @Override
        public void idle() {
            checkLag();
        }

        @Override
        public void unwatched(int directories) {
            unwatched = directories;
        }
    }

    /**
     * The source leaves a path out, for a reason the operator should see: logged once per path per hour, counted in
     * the status with the latest reasons.
     */
    private void skippedOnSource(String why) {
        long now = config.ticker().read();
        Long last = skipLogged.get(why);
        if (last == null || now - last > TimeUnit.HOURS.toNanos(1)) {
            skipLogged.put(why, now);
            LOG.warn("{}: {}", config.nodeId(), why);
        }
        if (skipped.size() < 1000 || skipped.containsKey(why)) {
            skipped.put(why, now); // seen again at each full round while it lasts
        }
    }

    /** The paths the source left out in the last two periods (a path fixed since drops out). */
    private List<String> stillSkipped() {
        long now = config.ticker().read();
        long horizon = 2 * config.period().toNanos() + TimeUnit.MINUTES.toNanos(1);
        skipped.values().removeIf(seen -> now - seen > horizon);
        return List.copyOf(new java.util.TreeSet<>(skipped.keySet()));
    }

    /** A round failed (it counts as a round), for {@code cause}: SYNC_FAILED. */
    private void roundFailed(String cause) {
        rounds.incrementAndGet();
        failedRounds.incrementAndGet();
        inSync = false;
        lastError = cause;
        LOG.warn("{}: sync round failed: {}", config.nodeId(), cause);
        alarms.raise(AlarmType.SYNC_FAILED, alarmSource, cause);
    }

    private void checkLag() {
        long lagNanos = config.ticker().read() - lastSuccessNanos;
        if (lagNanos > 2 * config.period().toNanos() && (!inSync || !connected)) {
            alarms.raise(AlarmType.SYNC_FAILED, alarmSource, "the standby has not been in sync for "
                    + lagNanos / 1_000_000_000 + " s (two periods are " + 2 * config.period().toSeconds() + " s)"
                    + (lastError.isEmpty() ? "" : "; last error: " + lastError));
        }
    }

    private Source.Throttle throttle() {
        return config.bandwidthLimit() <= 0 ? Source.Throttle.NONE
                : new io.hakit.sync.internal.RateLimiter(config.bandwidthLimit(), config.ticker(),
                io.hakit.sync.internal.RateLimiter.Sleeper.SLEEP);
    }

    // ------------------------------------------------------------------ sink side

    /** What a sink connection reports (on its event loop). */
    private final class SessionHost implements SinkSession.Host {
        @Override
        public io.hakit.keepalive.support.RepeatFilter connectionProblems() {
            return connectionProblems;
        }

        @Override
        public boolean active() {
            synchronized (lock) {
                return role == Role.ACTIVE;
            }
        }

        @Override
        public void admitted(ChannelHandlerContext ctx, String peer, long sourceEpoch) {
            transport.admitted(ctx.channel());
            Channel old = sinkChannel;
            if (old != null && old != ctx.channel()) {
                old.close();
            }
            sinkChannel = ctx.channel();
        }

        @Override
        public void closed(ChannelHandlerContext ctx) {
            if (sinkChannel == ctx.channel()) {
                sinkChannel = null;
            }
        }

        @Override
        public void roundApplied(RoundDone d, long sourceEpoch) {
            rounds.incrementAndGet();
            noteConflicts(d.getConflictsList());
            pendingFiles.set(d.getPendingCount());
            if (d.getErrorsCount() > 0 || d.getRefusedCount() > 0 || d.getPendingCount() > 0) {
                caughtUpEpoch = -1; // something of the active's is not here: no preempting until a clean full round
            } else if (d.getFull() && sourceEpoch > caughtUpEpoch) {
                caughtUpEpoch = sourceEpoch;
            }
            if (d.getErrorsCount() == 0 && d.getRefusedCount() == 0) {
                if (d.getFull() && d.getPendingCount() == 0) {
                    verifiedAt = Instant.now();
                }
                inSync = d.getPendingCount() == 0 && (inSync || d.getFull());
                lastSuccessNanos = config.ticker().read(); // before lastSuccess: status() reads them the other way
                lastSuccess = Instant.now();
                lastError = d.getPendingCount() == 0 ? "" : d.getPendingCount() + " file(s) pending, first: "
                        + d.getPending(0);
                alarms.clear(AlarmType.SYNC_FAILED, alarmSource);
            } else {
                failedRounds.incrementAndGet();
                inSync = false;
                lastError = d.getErrorsCount() > 0 ? d.getErrors(0) : "refused: " + d.getRefused(0);
                alarms.raise(AlarmType.SYNC_FAILED, alarmSource, lastError);
            }
        }

        @Override
        public void brokeProtocol(String why) {
            alarms.raise(AlarmType.SYNC_FAILED, alarmSource, "the active broke the sync protocol: " + why);
        }
    }

    // ------------------------------------------------------------------ conflicts

    private void noteConflicts(List<String> made) {
        if (made.isEmpty()) {
            return;
        }
        conflictCopies.addAndGet(made.size());
        synchronized (latestConflicts) {
            for (String c : made) {
                latestConflicts.addLast(c);
                while (latestConflicts.size() > 20) {
                    latestConflicts.removeFirst();
                }
            }
        }
        onControl(this::checkConflicts);
    }

    /** Runs {@code task} on the control thread, or here once that has stopped (the synchronizer is closing). */
    private void onControl(Runnable task) {
        try {
            control.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            task.run();
        }
    }

    /**
     * Drops the conflict copies the operator resolved (deleted or renamed) and raises or clears SYNC_CONFLICT for
     * the rest (control thread).
     */
    private void checkConflicts() {
        try {
            for (String c : record.conflicts()) {
                int colon = c.indexOf(':');
                Path root = config.roots().get(c.substring(0, colon));
                if (root == null || !Files.exists(io.hakit.sync.internal.Names.resolve(root, c.substring(colon + 1)),
                        LinkOption.NOFOLLOW_LINKS)) {
                    record.removeConflict(c);
                }
            }
            List<String> left = record.conflicts();
            if (left.isEmpty()) {
                alarms.clear(AlarmType.SYNC_CONFLICT, alarmSource);
            } else {
                List<String> shown = new ArrayList<>();
                for (String c : left.subList(0, Math.min(3, left.size()))) {
                    shown.add(PathGuard.display(c));
                }
                alarms.raise(AlarmType.SYNC_CONFLICT, alarmSource, left.size() + " conflict cop"
                        + (left.size() == 1 ? "y" : "ies") + " to resolve (a file changed on both nodes; keep one "
                        + "version, delete or rename the copy): " + String.join(", ", shown)
                        + (left.size() > 3 ? ", ..." : "") + "; 'hakit sync conflicts' lists them");
            }
            record.save();
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: checking conflict copies: {}", config.nodeId(), e.toString());
        }
    }
}
