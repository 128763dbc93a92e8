package io.hakit.zookeeper;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.ConnectionState;
import io.hakit.api.HaConfig;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StoreEvent;
import io.hakit.api.Subscription;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.api.Versioned;
import io.hakit.api.support.ConfigParsing;
import io.hakit.api.support.EventExecutor;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.ElectionDriver;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.RetrievalDriver;
import io.hakit.api.spi.StoreDriver;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** One process's connection to ZooKeeper: the Curator client, the shared cache, the drivers. */
final class ZooKeeperBackend implements HaBackend {

    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperBackend.class);
    /**
     * The part of the session timeout a suspended session's lease lasts after the sending of the last answered
     * heartbeat; see {@link #sessionLeaseAfterSuspend()}.
     */
    static final double SESSION_LEASE_FRACTION = 0.55;
    /** Heartbeats left unanswered in a row after which the connection is reported SUSPENDED, socket up or not. */
    static final int MISSED_HEARTBEATS = 3;

    final HaConfig config;
    final ZooKeeperOptions options;
    final CuratorFramework client;
    final List<ACL> acl;
    final String root;
    final String electionPath;
    final String leadersPath;
    final String storesPath;
    private final BackendEvents events;
    private final ScheduledThreadPoolExecutor driverThread;
    /** Set once this process knows the leaders/ znode exists (a publish that finds it gone creates it again). */
    volatile boolean leadersPathReady;

    private final Object lock = new Object();
    @GuardedBy("lock")
    private ZkElection election;
    @GuardedBy("lock")
    private CuratorCache cache;
    /** Counted down once the shared cache has loaded what is there (a watch added before would miss deletes). */
    private final java.util.concurrent.CountDownLatch cacheLoaded = new java.util.concurrent.CountDownLatch(1);
    // what the cache has seen under leaders/, with the session that owns each record
    @GuardedBy("lock")
    private final Map<String, LeaderRecord> leaderRecords = new HashMap<>();
    // the latch nodes the cache has seen under election/, by name
    @GuardedBy("lock")
    private final Map<String, Latch> latches = new HashMap<>();
    // what each component's listeners were last told
    @GuardedBy("lock")
    private final Map<String, LeaderInformation> shown = new HashMap<>();
    private final List<ZkRetrieval> retrievals = new CopyOnWriteArrayList<>();
    private final List<StoreWatch> storeWatches = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    /**
     * Ticker reading when the last request the servers answered was sent ({@link Long#MIN_VALUE}: none yet); kept by
     * {@link #heartbeat()} when the connection policy keeps leadership through SUSPENDED.
     */
    private final AtomicLong lastAnsweredSend = new AtomicLong(Long.MIN_VALUE);
    /** Guards the heartbeat's own view of the connection and the order of the states it reports. */
    private final Object heartbeatLock = new Object();
    // heartbeats sent since the last answered one
    @GuardedBy("heartbeatLock")
    private int unanswered;
    // whether the heartbeat reported SUSPENDED while the client still had its socket
    @GuardedBy("heartbeatLock")
    private boolean heartbeatSuspended;

    private ZooKeeperBackend(HaConfig config, ZooKeeperOptions options, BackendEvents events) {
        this.config = config;
        this.options = options;
        this.events = events;
        this.root = options.clusterPath(config.clusterId());
        this.electionPath = root + "/election";
        this.leadersPath = root + "/leaders";
        this.storesPath = root + "/stores";
        this.acl = options.creatorAcl() ? ZooDefs.Ids.CREATOR_ALL_ACL : ZooDefs.Ids.OPEN_ACL_UNSAFE;
        CuratorFrameworkFactory.Builder b = CuratorFrameworkFactory.builder()
                .connectString(options.quorum())
                .ensembleTracker(options.ensembleTracker())
                .sessionTimeoutMs((int) options.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) options.connectionTimeout().toMillis())
                .retryPolicy(new ExponentialBackoffRetry((int) options.retryWait().toMillis(),
                        options.maxRetryAttempts()))
                .aclProvider(new ACLProvider() {
                    @Override
                    public List<ACL> getDefaultAcl() {
                        return acl;
                    }

                    @Override
                    public List<ACL> getAclForPath(String path) {
                        return acl;
                    }
                });
        options.digest().ifPresent(d -> b.authorization("digest", d));
        this.client = b.build();
        this.driverThread = new ScheduledThreadPoolExecutor(1, EventExecutor.daemon("hakit-zk-" + config.nodeId()));
        this.driverThread.setRemoveOnCancelPolicy(true);
    }

    static ZooKeeperBackend connect(HaConfig config, ZooKeeperOptions options, BackendEvents events) {
        ZooKeeperBackend b = new ZooKeeperBackend(config, options, events);
        b.client.getConnectionStateListenable().addListener((c, state) -> b.onConnectionState(state));
        b.client.start();
        boolean connected;
        try {
            connected = b.client.blockUntilConnected((int) options.connectionTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connected = false;
        }
        if (!connected) {
            b.close();
            throw new BackendUnavailableException("could not connect to ZooKeeper " + options.quorum() + " within "
                    + ZooKeeperOptions.CONNECTION_TIMEOUT + " (" + ConfigParsing.format(options.connectionTimeout())
                    + ")");
        }
        if (!config.connectionStatePolicy().revokesOn(ConnectionState.SUSPENDED)) {
            long period = Math.max(10, options.sessionTimeout().toMillis() / 10);
            b.driverThread.scheduleWithFixedDelay(b::heartbeat, 0, period, TimeUnit.MILLISECONDS);
        }
        return b;
    }

    /**
     * Sends one {@code sync} and, when it is answered, remembers when it was sent. A {@code sync} is answered only
     * after the ensemble's leader has seen it, so an answer proves that the server this client talks to was in the
     * quorum then; a plain read would not: a follower cut off from its leader keeps answering reads (and the client's
     * pings) from its own copy for up to {@code syncLimit x tickTime}, while the leader, no longer told of this
     * session, expires it and grants another process. Measured with a read (3 s session, tickTime 500 ms, syncLimit 5;
     * ZooKeeperFollowerPartitionTest), such a leader revoked 4.9 s after the cut, the next one was granted at 3.0-3.4 s;
     * with {@code sync} it revokes at about 1.5 s. After {@value #MISSED_HEARTBEATS} heartbeats in a row go unanswered, the connection is
     * reported SUSPENDED even though the socket is up, and RECONNECTED when one is answered again. Skipped while
     * disconnected.
     */
    private void heartbeat() {
        if (closed || !client.getZookeeperClient().isConnected()) {
            return;
        }
        boolean suspend = false;
        synchronized (heartbeatLock) {
            unanswered++;
            if (unanswered > MISSED_HEARTBEATS && !heartbeatSuspended) {
                heartbeatSuspended = true;
                suspend = true;
                LOG.info("{}: {} heartbeats (sync) unanswered; reporting the connection suspended", config.nodeId(),
                        MISSED_HEARTBEATS);
                events.connectionStateChanged(ConnectionState.SUSPENDED);
            }
        }
        if (suspend) {
            return; // no further sync piles up behind the unanswered ones; the next period sends again
        }
        long sent = config.ticker().read();
        try {
            client.sync().inBackground((c, event) -> {
                int rc = event.getResultCode();
                if (rc == KeeperException.Code.OK.intValue() || rc == KeeperException.Code.NONODE.intValue()) {
                    lastAnsweredSend.accumulateAndGet(sent, (old, neu) -> old == Long.MIN_VALUE ? neu
                            : old + Math.max(0, neu - old));
                    onHeartbeatAnswered();
                }
            }).forPath(root);
        } catch (Exception e) {
            LOG.debug("{}: heartbeat not sent: {}", config.nodeId(), e.toString());
        }
    }

    private void onHeartbeatAnswered() {
        synchronized (heartbeatLock) {
            unanswered = 0;
            if (heartbeatSuspended) {
                heartbeatSuspended = false;
                if (client.getZookeeperClient().isConnected()) {
                    LOG.info("{}: heartbeats answered again", config.nodeId());
                    events.connectionStateChanged(ConnectionState.RECONNECTED);
                }
            }
        }
    }

    private void onConnectionState(org.apache.curator.framework.state.ConnectionState state) {
        ConnectionState mapped;
        switch (state) {
            case CONNECTED:
                mapped = ConnectionState.CONNECTED;
                break;
            case RECONNECTED:
                mapped = ConnectionState.RECONNECTED;
                break;
            case LOST:
                mapped = ConnectionState.LOST;
                break;
            case SUSPENDED:
            case READ_ONLY:
            default:
                mapped = ConnectionState.SUSPENDED;
        }
        synchronized (heartbeatLock) {
            if (mapped.isConnected()) {
                // a new connection: the heartbeat starts counting again (and a suspension it reported ends here)
                unanswered = 0;
                heartbeatSuspended = false;
            }
            events.connectionStateChanged(mapped);
        }
    }

    // ------------------------------------------------------------------ HaBackend

    @Override
    public ElectionDriver startElection(ElectionDriver.Listener listener) {
        ZkElection e = new ZkElection(this, listener);
        synchronized (lock) {
            checkOpen();
            election = e;
        }
        e.start();
        return e;
    }

    @Override
    public RetrievalDriver startRetrieval(RetrievalDriver.Listener listener) {
        ZkRetrieval r = new ZkRetrieval(listener);
        synchronized (lock) {
            checkOpen();
            ensureCacheLocked();
            retrievals.add(r);
            leaderRecords.forEach((component, rec) -> r.listener.onLeaderInformationChange(component,
                    visible(rec)));
        }
        return r;
    }

    @Override
    public StoreDriver store(String namespace) {
        return new ZkStore(this, namespace);
    }

    @Override
    public int inlineLimit() {
        return options.inlineLimit();
    }

    /** The children of {@code stores/}: every namespace with keys, and empty ones not removed yet. */
    @Override
    public Set<String> namespaces() {
        String what = "list the namespaces of " + root;
        syncForRead(storesPath, what);
        try {
            List<String> names = bounded(what, zk -> zk.getChildren(storesPath, false));
            return new TreeSet<>(names);
        } catch (KeeperException.NoNodeException e) {
            return Set.of();
        } catch (KeeperException e) {
            throw readFailure(what, e);
        }
    }

    /** Deletes the namespace's znode once the core has deleted its keys (a node still holding keys stays). */
    @Override
    public void dropNamespace(String namespace) {
        String path = storesPath + "/" + namespace;
        try {
            bounded("delete " + path, zk -> {
                zk.delete(path, -1);
                return null;
            });
        } catch (KeeperException.NoNodeException | KeeperException.NotEmptyException e) {
            // gone already, or written again meanwhile
        } catch (KeeperException e) {
            throw readFailure("delete " + path, e);
        }
    }

    /** Deletes the cluster's whole subtree (election, leader records, what is left of the stores). */
    @Override
    public void deleteClusterData() {
        try {
            client.delete().deletingChildrenIfNeeded().forPath(root);
        } catch (KeeperException.NoNodeException e) {
            // nothing there
        } catch (Exception e) {
            throw readFailure("delete " + root, e);
        }
    }

    /**
     * How much longer, from now, the ensemble keeps this process's session at least: {@value #SESSION_LEASE_FRACTION}
     * of the session timeout after the sending of the last answered heartbeat; never negative, and zero when none was
     * answered yet.
     *
     * <p>The leader expires a session one timeout after the last touch it knows of. A follower reports the touches of
     * its clients' sessions in its answers to the leader's pings, every half tick; the servers negotiate a session
     * timeout of at least two ticks, so half a tick is at most a quarter of the timeout. When a follower is cut off
     * from the leader, the last ping it answered reported our heartbeats up to at most a quarter timeout plus a
     * heartbeat period (a tenth) before the cut, and our last answered {@code sync} was sent before the cut: the
     * leader keeps the session at least 0.65 of the timeout after that send. The lease ends at 0.55, leaving a tenth
     * for the hand-off of the lease check to the core's thread and for clock-rate differences.
     *
     * <p>The servers expire a session one timeout after they last received anything from it, and they received the
     * last answered request after it was sent. The client's own signal is not a safe reference: it reports a silent
     * connection two thirds of the timeout after it last <em>received</em> something, 100 ms later still (its socket
     * clean-up sleeps), and what it received last may be the late answer to a request the servers got long before, or a
     * watch notification that vouches for nothing. Measured that way (a third of the timeout after the report), a
     * leader partitioned from the ensemble revoked about 100 ms after the servers had already expired its session and
     * granted the next contender. {@link #heartbeat()} keeps the reference fresh (every tenth of the timeout) when the
     * connection policy keeps leadership through SUSPENDED, the only case the core asks.
     */
    @Override
    public Optional<Duration> sessionLeaseAfterSuspend() {
        long sent = lastAnsweredSend.get();
        if (sent == Long.MIN_VALUE) {
            return Optional.of(Duration.ZERO);
        }
        long timeout = negotiatedSessionTimeoutMs();
        long leaseNanos = (long) (TimeUnit.MILLISECONDS.toNanos(timeout) * SESSION_LEASE_FRACTION)
                - (config.ticker().read() - sent);
        return Optional.of(Duration.ofNanos(Math.max(0, leaseNanos)));
    }

    private long negotiatedSessionTimeoutMs() {
        try {
            int t = client.getZookeeperClient().getZooKeeper().getSessionTimeout();
            if (t > 0) {
                return t;
            }
        } catch (Exception e) {
            // keep the configured timeout
        }
        return options.sessionTimeout().toMillis();
    }

    @Override
    public void close() {
        CuratorCache c;
        ZkElection e;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            c = cache;
            cache = null;
            e = election;
        }
        if (e != null) {
            e.close();
        }
        // let the election's clean-up (leader records, latch node) run before the session ends
        driverThread.shutdown();
        try {
            driverThread.awaitTermination(options.connectionTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        driverThread.shutdownNow();
        if (c != null) {
            c.close();
        }
        client.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ZooKeeper backend of " + config.nodeId() + " is closed");
        }
    }

    // ------------------------------------------------------------------ helpers for drivers

    /** Runs {@code task} on the backend's single driver thread. */
    void runAsync(Runnable task) {
        if (!driverThread.isShutdown()) {
            driverThread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("{}: ZooKeeper driver task failed", config.nodeId(), e);
                }
            });
        }
    }

    /** Runs {@code task} on the driver thread after {@code delay}. */
    void schedule(Runnable task, Duration delay) {
        if (!driverThread.isShutdown()) {
            driverThread.schedule(() -> runAsync(task), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The current ZooKeeper handle, connected or not. */
    private ZooKeeper handle(String what) {
        try {
            return client.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            throw new BackendUnavailableException(what + ": no ZooKeeper handle: " + e.getMessage(), e);
        }
    }

    /**
     * Waits up to {@code high-availability.operation-timeout} for the connection.
     *
     * @throws BackendUnavailableException if it does not come back in time (nothing was sent)
     */
    private void awaitConnection(String what) {
        try {
            awaitConnection(what, System.nanoTime() + config.operationTimeout().toNanos());
        } catch (BackendUnavailableException e) {
            throw new BackendUnavailableException(e.getMessage() + "; nothing was written", e.getCause());
        }
    }

    /** {@link #awaitConnection(String)} until {@code deadlineNanos} (a {@link System#nanoTime()} reading). */
    private void awaitConnection(String what, long deadlineNanos) {
        boolean connected;
        try {
            long leftMs = Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
            connected = client.getZookeeperClient().isConnected()
                    || client.blockUntilConnected((int) Math.min(Integer.MAX_VALUE, leftMs), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connected = false;
        }
        if (!connected || !client.getZookeeperClient().isConnected()) {
            throw new BackendUnavailableException(what + ": not connected to ZooKeeper " + options.quorum()
                    + " within " + HaConfig.OPERATION_TIMEOUT + " (" + ConfigParsing.format(config.operationTimeout())
                    + ")");
        }
    }

    /** The raw ZooKeeper handle, for writes that must not be retried blindly. */
    ZooKeeper zk() {
        if (!client.getZookeeperClient().isConnected()) {
            throw new BackendUnavailableException("not connected to ZooKeeper " + options.quorum());
        }
        try {
            return client.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            throw new BackendUnavailableException("no ZooKeeper handle: " + e.getMessage(), e);
        }
    }

    /** The session id of the current ZooKeeper session, or 0. */
    long sessionId() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * What fences a write at {@code epoch}: this process's latch node exists, and the write goes in the session that
     * owns it (see {@link ZkElection}).
     */
    ZkElection.Fence fence(long epoch, String what) {
        ZkElection e;
        synchronized (lock) {
            e = election;
        }
        if (e == null) {
            throw new LeadershipLostException(what + ": " + config.nodeId() + " is not contending");
        }
        return e.fence(epoch, what);
    }

    /**
     * Sends {@code ops} once as a multi-op, in the session of the {@code fence} if it has one. The fence's checks lead
     * {@code ops}: their failure is {@link LeadershipLostException}. Returns the results, or throws
     * {@link KeeperException} of a later op for the caller to map.
     *
     * @throws LeadershipLostException also when this client no longer has the fence's session (it expired, or was
     *     given up after a long disconnection): the leadership went with it for good, whether or not the client is
     *     connected again, so this is not {@link BackendUnavailableException}
     */
    List<OpResult> multi(List<Op> ops, ZkElection.Fence fence, String what) throws KeeperException {
        int fenceCount = fence.ops().size();
        ZooKeeper zk = handle(what);
        checkSession(zk, fence, what);
        if (!client.getZookeeperClient().isConnected()) {
            // wait for the connection rather than fail at once: after a short disconnection the write goes through,
            // and a session that turns out to have expired is a definite answer (leadership lost), not an outage
            awaitConnection(what);
            zk = handle(what);
            checkSession(zk, fence, what);
        }
        try {
            return zk.multi(ops);
        } catch (KeeperException e) {
            int failed = failedOp(e);
            if (failed >= 0 && failed < fenceCount) {
                throw new LeadershipLostException(what + ": refused by ZooKeeper, the writer's leadership is gone ("
                        + KeeperException.Code.get(((OpResult.ErrorResult) e.getResults().get(failed)).getErr())
                        + " on " + ops.get(failed).getPath() + ")");
            }
            if (isAmbiguous(e)) {
                throw new UnknownOutcomeException(what + ": " + e.getMessage() + "; the write may have been applied",
                        e);
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnknownOutcomeException(what + ": interrupted after sending", e);
        }
    }

    /**
     * Throws unless this client still has the session of {@code fence} (an unfenced write passes). Call it before
     * anything that may wait for a connection: a write whose session is gone fails at once.
     *
     * @throws LeadershipLostException if the client has moved on to another session
     */
    void checkSession(ZkElection.Fence fence, String what) {
        if (fence.session() == 0) {
            return;
        }
        try {
            checkSession(client.getZookeeperClient().getZooKeeper(), fence, what);
        } catch (LeadershipLostException e) {
            throw e;
        } catch (Exception e) {
            throw new BackendUnavailableException(what + ": no ZooKeeper handle: " + e.getMessage(), e);
        }
    }

    private void checkSession(ZooKeeper zk, ZkElection.Fence fence, String what) {
        if (fence.session() != 0 && zk.getSessionId() != fence.session()) {
            throw new LeadershipLostException(what + ": the ZooKeeper session 0x" + Long.toHexString(fence.session())
                    + " that holds " + config.nodeId() + "'s leadership is gone from this client (expired or given "
                    + "up); nothing can be written with it any more");
        }
    }

    /** The index of the op that failed in a multi, or -1. */
    static int failedOp(KeeperException e) {
        List<OpResult> results = e.getResults();
        if (results == null) {
            return -1;
        }
        for (int i = 0; i < results.size(); i++) {
            OpResult r = results.get(i);
            if (r instanceof OpResult.ErrorResult) {
                int err = ((OpResult.ErrorResult) r).getErr();
                if (err != KeeperException.Code.OK.intValue()
                        && err != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The error code of the op that failed in a multi, or the exception's own code. */
    static KeeperException.Code failedCode(KeeperException e) {
        int i = failedOp(e);
        if (i < 0) {
            return e.code();
        }
        return KeeperException.Code.get(((OpResult.ErrorResult) e.getResults().get(i)).getErr());
    }

    static boolean isAmbiguous(KeeperException e) {
        KeeperException.Code c = e.code();
        return c == KeeperException.Code.CONNECTIONLOSS || c == KeeperException.Code.OPERATIONTIMEOUT
                || c == KeeperException.Code.SESSIONEXPIRED || c == KeeperException.Code.SESSIONMOVED
                || c == KeeperException.Code.REQUESTTIMEOUT;
    }

    /** One idempotent request on the raw handle (a read, or a create that tolerates NodeExists). */
    interface Request<T> {
        T send(ZooKeeper zk) throws KeeperException, InterruptedException;
    }

    /**
     * Runs an idempotent request within {@code high-availability.operation-timeout}: waits for the connection no
     * longer than what is left, and sends again only after a connection loss while time remains. Curator's retry
     * loop instead waits (retries + 1) x the connection timeout, far beyond the timeout a caller was promised.
     *
     * @throws KeeperException             for any other answer (NoNode, NodeExists, ...): the caller decides
     * @throws BackendUnavailableException when no answer came in time
     */
    <T> T bounded(String what, Request<T> request) throws KeeperException {
        long deadline = System.nanoTime() + config.operationTimeout().toNanos();
        while (true) {
            awaitConnection(what, deadline);
            try {
                return request.send(handle(what));
            } catch (KeeperException.ConnectionLossException | KeeperException.SessionMovedException
                     | KeeperException.OperationTimeoutException | KeeperException.RequestTimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new BackendUnavailableException(what + ": no answer from ZooKeeper " + options.quorum()
                            + " within " + HaConfig.OPERATION_TIMEOUT + " ("
                            + ConfigParsing.format(config.operationTimeout()) + "): " + e.getMessage(), e);
                }
                LOG.debug("{}: {}; sending again", what, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendUnavailableException(what + ": interrupted", e);
            }
        }
    }

    /** Creates a persistent znode and its parents if missing, within the operation timeout. */
    void ensurePath(String path) {
        try {
            if (bounded("create " + path, zk -> zk.exists(path, false)) != null) {
                return;
            }
            for (int slash = path.indexOf('/', 1); ; slash = path.indexOf('/', slash + 1)) {
                String part = slash < 0 ? path : path.substring(0, slash); // each ancestor, then the path itself
                try {
                    bounded("create " + part, zk -> zk.create(part, new byte[0], acl, CreateMode.PERSISTENT));
                } catch (KeeperException.NodeExistsException e) {
                    // there already, or created concurrently
                }
                if (slash < 0) {
                    return;
                }
            }
        } catch (KeeperException e) {
            throw readFailure("create " + path, e);
        }
    }

    /**
     * Brings the server this client talks to up to date with the ensemble's leader before a read. A ZooKeeper read is
     * only as fresh as that server; after this, it sees every write that completed before the read began, whichever
     * process made it (another process's CAS write, then our get, must see its version). Bounded like a read.
     */
    void syncForRead(String path, String what) {
        try {
            bounded(what, zk -> {
                zk.sync(path);
                return null;
            });
        } catch (KeeperException.NoNodeException e) {
            // nothing there to be stale about; the read itself answers
        } catch (KeeperException e) {
            throw readFailure(what, e);
        }
    }

    /** Maps a failure of a (retried, idempotent) read. */
    BackendUnavailableException readFailure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new BackendUnavailableException(what + " failed on ZooKeeper " + options.quorum() + ": " + e, e);
    }

    // ------------------------------------------------------------------ the shared cache

    @GuardedBy("lock")
    private void ensureCacheLocked() {
        if (cache != null) {
            return;
        }
        ensurePath(leadersPath);
        leadersPathReady = true;
        CuratorCache c = CuratorCache.build(client, root);
        c.listenable().addListener(CuratorCacheListener.builder()
                .forCreatesAndChanges((oldNode, node) -> onNode(node, false))
                .forDeletes(node -> onNode(node, true))
                .forInitialized(cacheLoaded::countDown)
                .build());
        cache = c;
        c.start();
    }

    private void onNode(ChildData node, boolean deleted) {
        String path = node.getPath();
        if (path.startsWith(electionPath + "/")) {
            String name = path.substring(electionPath.length() + 1);
            if (!name.contains("/") && name.contains("latch-") && Records.sequence(name) >= 0) {
                onLatch(name, deleted || node.getStat() == null ? null
                        : new Latch(node.getStat().getCzxid(), node.getStat().getEphemeralOwner()));
            }
        } else if (path.startsWith(leadersPath + "/")) {
            String component = path.substring(leadersPath.length() + 1);
            if (!component.contains("/")) {
                Optional<LeaderInformation> info = deleted ? Optional.empty() : Records.leader(node.getData());
                onLeaderRecord(component, info.map(i -> new LeaderRecord(i, owner(node))));
            }
        } else if (path.startsWith(storesPath + "/")) {
            String rest = path.substring(storesPath.length() + 1);
            int slash = rest.indexOf('/');
            if (slash > 0 && rest.indexOf('/', slash + 1) < 0) {
                String namespace = rest.substring(0, slash);
                String key = Records.decodeKey(rest.substring(slash + 1));
                StoreEvent event = deleted ? StoreEvent.delete(key)
                        : StoreEvent.put(new Versioned(key, node.getData() == null ? new byte[0] : node.getData(),
                                node.getStat() == null ? 0 : node.getStat().getVersion()));
                for (StoreWatch w : storeWatches) {
                    if (w.namespace.equals(namespace) && key.startsWith(w.prefix) && !w.closed) {
                        w.listener.accept(event);
                    }
                }
            }
        }
    }

    private static long owner(ChildData node) {
        return node.getStat() == null ? 0 : node.getStat().getEphemeralOwner();
    }

    /** A leader record and the ZooKeeper session that owns it (an ephemeral znode). */
    private record LeaderRecord(LeaderInformation info, long owner) {
    }

    /** A latch node: its czxid (the epoch it leads at) and the session that owns it. */
    private record Latch(long czxid, long owner) {
    }

    /** A latch node came or changed ({@code latch} not null) or went (null). */
    private void onLatch(String name, Latch latch) {
        synchronized (lock) {
            if (latch == null) {
                latches.remove(name);
            } else {
                latches.put(name, latch);
            }
            reshowLocked();
        }
    }

    private void onLeaderRecord(String component, Optional<LeaderRecord> rec) {
        synchronized (lock) {
            if (rec.isPresent()) {
                leaderRecords.put(component, rec.get());
            } else {
                leaderRecords.remove(component);
            }
            reshowLocked();
        }
    }

    /** Tells the listeners of each component whose visible leader changed. */
    @GuardedBy("lock")
    private void reshowLocked() {
        Set<String> components = new TreeSet<>(shown.keySet());
        components.addAll(leaderRecords.keySet());
        for (String component : components) {
            LeaderRecord rec = leaderRecords.get(component);
            LeaderInformation now = rec == null ? LeaderInformation.empty() : visible(rec);
            LeaderInformation before = shown.getOrDefault(component, LeaderInformation.empty());
            if (!now.equals(before)) {
                if (rec == null) {
                    shown.remove(component);
                } else {
                    shown.put(component, now);
                }
                for (ZkRetrieval r : retrievals) {
                    r.listener.onLeaderInformationChange(component, now);
                }
            }
        }
    }

    /**
     * Whether a record shows: only while it belongs to a grant that has not ended. A leader's epoch is its latch node's
     * czxid ({@link ZkElection}); the record shows while a latch node whose czxid equals the record's epoch exists and
     * the record is owned by the session that owns that node. While that node exists its leadership goes on (no other
     * node can be the lowest); when it goes the record stops showing, and no later node can have the same czxid, even
     * after the election znode was deleted and created again. The record must be owned by the node's session because
     * a record is written in the leader's session (a fenced write): one carrying that epoch in another session is not
     * that leadership's. Deciding by the latch nodes alone makes the view right whatever order the cache loads nodes
     * in when it starts.
     */
    @GuardedBy("lock")
    private LeaderInformation visible(LeaderRecord rec) {
        long epoch = rec.info().epoch();
        for (Latch latch : latches.values()) {
            if (latch.czxid() == epoch) {
                return latch.owner() == rec.owner() ? rec.info() : LeaderInformation.empty();
            }
        }
        return LeaderInformation.empty();
    }

    Subscription watchStore(String namespace, String prefix, Consumer<StoreEvent> listener) {
        StoreWatch w = new StoreWatch(namespace, prefix, listener);
        synchronized (lock) {
            checkOpen();
            ensureCacheLocked();
        }
        // the cache must know what is there before the watch counts on it: a key it never loaded has no delete
        // event; what it loads first is not replayed to the watch (the StateStore contract)
        try {
            if (!cacheLoaded.await(config.operationTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new io.hakit.api.BackendUnavailableException("ZooKeeper: the store's watch could not load the "
                        + "current keys within " + HaConfig.OPERATION_TIMEOUT + " ("
                        + ConfigParsing.format(config.operationTimeout()) + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.hakit.api.BackendUnavailableException("interrupted while the store's watch loaded", e);
        }
        synchronized (lock) {
            checkOpen();
            storeWatches.add(w);
        }
        return () -> {
            w.closed = true;
            storeWatches.remove(w);
        };
    }

    private final class ZkRetrieval implements RetrievalDriver {
        final RetrievalDriver.Listener listener;

        ZkRetrieval(RetrievalDriver.Listener listener) {
            this.listener = listener;
        }

        @Override
        public void close() {
            retrievals.remove(this);
        }
    }

    private static final class StoreWatch {
        final String namespace;
        final String prefix;
        final Consumer<StoreEvent> listener;
        volatile boolean closed;

        StoreWatch(String namespace, String prefix, Consumer<StoreEvent> listener) {
            this.namespace = namespace;
            this.prefix = prefix;
            this.listener = listener;
        }
    }
}
