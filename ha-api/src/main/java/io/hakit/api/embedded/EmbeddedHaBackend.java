package io.hakit.api.embedded;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.ConfigOption;
import io.hakit.api.ConnectionState;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.StoreEvent;
import io.hakit.api.Subscription;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.api.VersionConflictException;
import io.hakit.api.Versioned;
import io.hakit.api.support.ConfigKeys;
import io.hakit.api.support.ConfigParsing;
import io.hakit.api.internal.DefaultHaServices;
import io.hakit.api.support.EventExecutor;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.ElectionDriver;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.RetrievalDriver;
import io.hakit.api.spi.StoreDriver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The embedded, in-process backend: one instance is one "cluster" that every {@link HaServices} of this JVM with
 * the same cluster id shares. It is the default backend (single-process deployments, test harnesses) and a test
 * double with a control surface, like Flink's {@code EmbeddedHaServicesWithLeadershipControl}: grant and revoke
 * leadership, suspend, resume and expire a node's session, and make every operation fail, hang or end with an
 * unknown outcome.
 *
 * <p>Semantics: contenders queue in arrival order; the first one that is not suspended leads. Its epoch is
 * {@code max(election counter, epoch floor + 1)}, where the election counter counts the grants since the election's
 * storage was created and the floor is the highest epoch granted, kept apart from the election (what every backend
 * must give, each its own way: ZooKeeper's epoch is the latch node's czxid, which no deletion lowers); so an epoch is
 * one higher than the last grant even after {@link #deleteElection()}, and starts again at 1 only after
 * {@link #deleteEpochHistory()}. A suspended node keeps its leadership in the backend until its session is expired
 * (as a ZooKeeper session outlives a partition until the timeout), but is never newly granted. Leader information
 * published under an epoch is removed when that epoch ends. Fenced writes are checked atomically against the
 * current leader and epoch. State lives in memory and is lost with the JVM.
 *
 * <p>Thread-safe. Backend callbacks are delivered in order on one daemon thread per instance.
 */
public final class EmbeddedHaBackend {

    /** Backend option: the inline limit of records (bytes); larger values go to the blob store. Default 1 MiB. */
    public static final String INLINE_LIMIT = "high-availability.embedded.inline-limit";
    private static final int DEFAULT_INLINE_LIMIT = 1 << 20;

    /** The embedded backend's keys (its namespace is {@code high-availability.embedded.}). */
    public static final List<ConfigOption> OPTIONS = List.of(new ConfigOption(INLINE_LIMIT, ConfigOption.Type.SIZE,
            "1 mb", "Records larger than this (at least 64 b) go to the blob store."));

    private static final ConcurrentHashMap<String, EmbeddedHaBackend> CLUSTERS = new ConcurrentHashMap<>();

    private final String name;
    private final Object lock = new Object();
    private final ThreadPoolExecutor notifier;

    @GuardedBy("lock")
    private final Map<String, Conn> conns = new LinkedHashMap<>();
    @GuardedBy("lock")
    private final ArrayDeque<EDriver> queue = new ArrayDeque<>();
    @GuardedBy("lock")
    private EDriver leader;
    // grants since the election's storage was (re)created
    @GuardedBy("lock")
    private long electionCounter;
    // the epoch floor: the highest epoch granted since the epoch history was (re)created
    @GuardedBy("lock")
    private long floor;
    @GuardedBy("lock")
    private final Map<String, Published> infos = new TreeMap<>();
    @GuardedBy("lock")
    private final List<RDriver> retrievers = new ArrayList<>();
    @GuardedBy("lock")
    private final Map<String, Namespace> namespaces = new HashMap<>();
    @GuardedBy("lock")
    private FailureMode failureMode = FailureMode.NONE;

    private EmbeddedHaBackend(String name) {
        this.name = name;
        this.notifier = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                EventExecutor.daemon("hakit-embedded-" + name));
    }

    /**
     * A new backend not registered under any cluster id; connect processes with {@link #newServices(HaConfig)}.
     *
     * @return the new backend, with no process connected
     */
    public static EmbeddedHaBackend create() {
        return new EmbeddedHaBackend("anonymous");
    }

    /**
     * The JVM-wide backend of {@code clusterId}, which {@code high-availability.type=embedded} services use.
     *
     * @param clusterId the cluster id ({@code high-availability.cluster-id})
     * @return the cluster's backend, created on first use
     */
    public static EmbeddedHaBackend forCluster(String clusterId) {
        return CLUSTERS.computeIfAbsent(clusterId, EmbeddedHaBackend::new);
    }

    /**
     * Forgets the JVM-wide backend of {@code clusterId} (its state is dropped once no services use it).
     *
     * @param clusterId the cluster id; no-op if it has no backend
     */
    public static void removeCluster(String clusterId) {
        CLUSTERS.remove(clusterId);
    }

    /**
     * Connects a process to this backend and starts its services, whatever {@code config.type()} says.
     *
     * @param config the process's configuration; its {@code high-availability.node-id} names the process here
     * @return the started services; closing them disconnects the process
     * @throws InvalidConfigException naming {@code high-availability.node-id} if a process with that node id is
     *     already connected
     */
    public HaServices newServices(HaConfig config) {
        return new DefaultHaServices(config, events -> connect(config, events));
    }

    /**
     * {@link #newServices(HaConfig)} with default settings and the given node id.
     *
     * @param nodeId the process's node id
     * @return the started services
     * @throws InvalidConfigException if a process with that node id is already connected or the id is invalid
     */
    public HaServices newServices(String nodeId) {
        return newServices(HaConfig.builder().nodeId(nodeId).build());
    }

    /**
     * Connects one process (the SPI entry point; prefer {@link #newServices(HaConfig)}).
     *
     * @param config the process's configuration, with the embedded backend's options
     * @param events where the process's connection state changes are reported; {@link ConnectionState#CONNECTED}
     *     comes first
     * @return the process's connection
     * @throws InvalidConfigException if an embedded option is unknown or invalid, or a process with the node id is
     *     already connected
     */
    public HaBackend connect(HaConfig config, BackendEvents events) {
        int inlineLimit = config.backendOption(INLINE_LIMIT)
                .map(v -> (int) Math.min(Integer.MAX_VALUE, ConfigParsing.bytes(INLINE_LIMIT, v)))
                .orElse(DEFAULT_INLINE_LIMIT);
        if (inlineLimit < 64) {
            throw new InvalidConfigException(INLINE_LIMIT + " must be at least 64 bytes, was " + inlineLimit,
                    INLINE_LIMIT);
        }
        for (String key : config.backendOptions().keySet()) {
            if (key.startsWith("high-availability.embedded.") && !key.equals(INLINE_LIMIT)) {
                throw ConfigKeys.unknown(key, OPTIONS);
            }
        }
        synchronized (lock) {
            if (conns.containsKey(config.nodeId())) {
                throw new InvalidConfigException(HaConfig.NODE_ID + "=" + config.nodeId()
                        + " is already connected to embedded cluster " + name, HaConfig.NODE_ID);
            }
            Conn c = new Conn(config.nodeId(), events, config.operationTimeout().toNanos(), inlineLimit);
            conns.put(c.nodeId, c);
            deliver(() -> events.connectionStateChanged(ConnectionState.CONNECTED));
            return c;
        }
    }

    // ------------------------------------------------------------------ control surface

    /**
     * The node id of the current leader.
     *
     * @return the leader's node id, or empty if no process leads
     */
    public Optional<String> leader() {
        synchronized (lock) {
            return Optional.ofNullable(leader).map(d -> d.conn.nodeId);
        }
    }

    /**
     * The highest epoch granted so far (0 before the first grant, and after {@link #deleteEpochHistory()}).
     *
     * @return the highest epoch granted
     */
    public long epoch() {
        synchronized (lock) {
            return floor;
        }
    }

    /**
     * The node ids contending, in queue order (the leader first).
     *
     * @return a copy of the contenders' node ids
     */
    public List<String> contenders() {
        synchronized (lock) {
            List<String> out = new ArrayList<>();
            if (leader != null) {
                out.add(leader.conn.nodeId);
            }
            for (EDriver d : queue) {
                if (d != leader) {
                    out.add(d.conn.nodeId);
                }
            }
            return out;
        }
    }

    /**
     * The node ids connected.
     *
     * @return a copy of the connected node ids
     */
    public List<String> nodes() {
        synchronized (lock) {
            return new ArrayList<>(conns.keySet());
        }
    }

    /**
     * The published leader information of every component.
     *
     * @return a copy, by component id, sorted
     */
    public Map<String, LeaderInformation> leaderInformation() {
        synchronized (lock) {
            Map<String, LeaderInformation> out = new TreeMap<>();
            infos.forEach((k, v) -> out.put(k, v.info));
            return out;
        }
    }

    /**
     * Takes leadership away from the current leader, which goes to the back of the queue; the next contender is
     * granted with a higher epoch.
     *
     * @return whether there was a leader
     */
    public boolean revokeLeadership() {
        synchronized (lock) {
            if (leader == null) {
                return false;
            }
            EDriver old = leader;
            endLeadershipLocked(true);
            queue.remove(old);
            queue.addLast(old);
            electLocked();
            return true;
        }
    }

    /**
     * Deletes the election's storage, as an operator deleting ZooKeeper's election znode would: the leader loses its
     * leadership (and its leader information) and goes to the back of the queue, every contender keeps contending,
     * and the election counter starts again. The epoch floor is kept, so the next grant's epoch is still one higher
     * than the last.
     */
    public void deleteElection() {
        synchronized (lock) {
            deleteElectionLocked();
        }
    }

    /**
     * Deletes the election's storage and the epoch floor, as restoring the tree onto another ensemble without them
     * would: {@link #deleteElection()}, and the next grant's epoch is 1 again. Namespaces keep the highest fence they
     * accepted, so they refuse a fenced write of a leader granted a lower epoch than one they accepted.
     */
    public void deleteEpochHistory() {
        synchronized (lock) {
            floor = 0;
            deleteElectionLocked();
        }
    }

    @GuardedBy("lock")
    private void deleteElectionLocked() {
        EDriver old = leader;
        electionCounter = 0;
        if (old != null) {
            endLeadershipLocked(true);
            queue.remove(old);
            queue.addLast(old);
        }
        electLocked();
    }

    /**
     * Makes {@code nodeId} the leader (revoking the current one), with a higher epoch. No-op if it leads already.
     *
     * @param nodeId the node to make leader
     * @throws IllegalArgumentException if that node is not contending or is suspended
     */
    public void grantLeadership(String nodeId) {
        synchronized (lock) {
            EDriver target = null;
            for (EDriver d : queue) {
                if (d.conn.nodeId.equals(nodeId)) {
                    target = d;
                }
            }
            if (target == null) {
                throw new IllegalArgumentException("node " + nodeId + " is not contending in embedded cluster " + name);
            }
            if (target.conn.suspended) {
                throw new IllegalArgumentException("node " + nodeId + " is suspended");
            }
            if (leader == target) {
                return;
            }
            endLeadershipLocked(true);
            queue.remove(target);
            queue.addFirst(target);
            electLocked();
        }
    }

    /**
     * Cuts {@code nodeId} off: it sees {@link ConnectionState#SUSPENDED} and its operations fail with
     * {@link BackendUnavailableException}. Its session, and leadership if it leads, stay until
     * {@link #expireSession(String)}. No-op if it is suspended already.
     *
     * @param nodeId the node to cut off
     * @throws IllegalArgumentException if no process with that node id is connected
     */
    public void suspend(String nodeId) {
        synchronized (lock) {
            Conn c = conn(nodeId);
            if (!c.suspended) {
                c.suspended = true;
                deliver(() -> c.events.connectionStateChanged(ConnectionState.SUSPENDED));
            }
        }
    }

    /**
     * Reconnects a suspended node ({@link ConnectionState#RECONNECTED}). No-op if it is not suspended.
     *
     * @param nodeId the node to reconnect
     * @throws IllegalArgumentException if no process with that node id is connected
     */
    public void resume(String nodeId) {
        synchronized (lock) {
            Conn c = conn(nodeId);
            if (c.suspended) {
                c.suspended = false;
                deliver(() -> c.events.connectionStateChanged(ConnectionState.RECONNECTED));
                electLocked();
            }
        }
    }

    /**
     * Expires {@code nodeId}'s session: its leadership and leader information end, its contention is dropped, and it
     * sees {@link ConnectionState#LOST}; if it is not suspended it reconnects at once with a new session
     * ({@link ConnectionState#RECONNECTED}) and may contend again.
     *
     * @param nodeId the node whose session expires
     * @throws IllegalArgumentException if no process with that node id is connected
     */
    public void expireSession(String nodeId) {
        synchronized (lock) {
            Conn c = conn(nodeId);
            if (leader != null && leader.conn == c) {
                endLeadershipLocked(true);
            }
            for (Iterator<EDriver> it = queue.iterator(); it.hasNext(); ) {
                EDriver d = it.next();
                if (d.conn == c) {
                    d.expired = true;
                    it.remove();
                }
            }
            deliver(() -> c.events.connectionStateChanged(ConnectionState.LOST));
            if (!c.suspended) {
                deliver(() -> c.events.connectionStateChanged(ConnectionState.RECONNECTED));
            }
            electLocked();
        }
    }

    /**
     * Sets how every operation of every node is answered (fault injection).
     *
     * @param mode the new mode; {@link FailureMode#NONE} for normal operation
     */
    public void setFailureMode(FailureMode mode) {
        synchronized (lock) {
            failureMode = mode;
            lock.notifyAll();
        }
    }

    /**
     * How operations are answered now, as last set by {@link #setFailureMode(FailureMode)}.
     *
     * @return the current failure mode ({@link FailureMode#NONE} initially)
     */
    public FailureMode failureMode() {
        synchronized (lock) {
            return failureMode;
        }
    }

    @Override
    public String toString() {
        return "EmbeddedHaBackend{" + name + "}";
    }

    // ------------------------------------------------------------------ internals (all *Locked hold the lock)

    @GuardedBy("lock")
    private Conn conn(String nodeId) {
        Conn c = conns.get(nodeId);
        if (c == null) {
            throw new IllegalArgumentException("node " + nodeId + " is not connected to embedded cluster " + name
                    + " (connected: " + conns.keySet() + ")");
        }
        return c;
    }

    private void deliver(Runnable r) {
        notifier.execute(r);
    }

    @GuardedBy("lock")
    private void electLocked() {
        if (leader != null) {
            return;
        }
        for (EDriver d : queue) {
            if (!d.conn.suspended && !d.closed) {
                leader = d;
                long e = Math.max(++electionCounter, floor + 1);
                floor = e;
                d.epoch = e;
                deliver(() -> {
                    if (!d.closed) {
                        d.listener.onGrantLeadership(e);
                    }
                });
                return;
            }
        }
    }

    @GuardedBy("lock")
    private void endLeadershipLocked(boolean tellDriver) {
        EDriver old = leader;
        if (old == null) {
            return;
        }
        leader = null;
        long ended = old.epoch;
        for (Iterator<Map.Entry<String, Published>> it = infos.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Published> e = it.next();
            if (e.getValue().epoch == ended) {
                it.remove();
                publishChangeLocked(e.getKey(), LeaderInformation.empty());
            }
        }
        if (tellDriver) {
            deliver(() -> {
                if (!old.closed) {
                    old.listener.onRevokeLeadership();
                }
            });
        }
    }

    @GuardedBy("lock")
    private void publishChangeLocked(String componentId, LeaderInformation info) {
        for (RDriver r : retrievers) {
            deliver(() -> {
                if (!r.closed) {
                    r.listener.onLeaderInformationChange(componentId, info);
                }
            });
        }
    }

    /** The gate every operation passes; holds the lock on return. */
    @GuardedBy("lock")
    private void enterLocked(Conn c, boolean write, String what) {
        if (c.closed) {
            throw new IllegalStateException("connection of " + c.nodeId + " to embedded cluster " + name
                    + " is closed");
        }
        long deadline = System.nanoTime() + c.operationTimeoutNanos;
        while (failureMode == FailureMode.HANG) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                if (write) {
                    throw new UnknownOutcomeException(what + ": embedded backend did not answer within the operation "
                            + "timeout (not applied)");
                }
                throw new BackendUnavailableException(what + ": embedded backend did not answer within the "
                        + "operation timeout");
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BackendUnavailableException(what + ": interrupted while the embedded backend hangs", e);
            }
        }
        if (c.suspended) {
            throw new BackendUnavailableException(what + ": node " + c.nodeId + " is suspended from embedded cluster "
                    + name);
        }
        if (failureMode == FailureMode.UNAVAILABLE) {
            throw new BackendUnavailableException(what + ": embedded backend is unavailable (failure injected)");
        }
    }

    @GuardedBy("lock")
    private void afterWriteLocked(String what) {
        if (failureMode == FailureMode.UNKNOWN_OUTCOME) {
            throw new UnknownOutcomeException(what + ": applied, but the answer was lost (failure injected)");
        }
    }

    @GuardedBy("lock")
    private void checkFenceLocked(Conn c, Namespace ns, long fence, String what) {
        if (fence <= 0) {
            return;
        }
        if (leader == null || leader.conn != c || leader.epoch != fence) {
            throw new LeadershipLostException(what + ": fenced write at epoch " + fence + " refused; "
                    + (leader == null ? "nobody leads" : "the leader is " + leader.conn.nodeId + " at epoch "
                    + leader.epoch));
        }
        if (fence < ns.highestFence) {
            throw new LeadershipLostException(what + ": fenced write at epoch " + fence
                    + " refused; namespace has seen epoch " + ns.highestFence);
        }
        ns.highestFence = fence;
    }

    private static final class Published {
        final LeaderInformation info;
        final long epoch;

        Published(LeaderInformation info, long epoch) {
            this.info = info;
            this.epoch = epoch;
        }
    }

    private static final class Record {
        final byte[] value;
        final long version;

        Record(byte[] value, long version) {
            this.value = value;
            this.version = version;
        }
    }

    private static final class Namespace {
        final TreeMap<String, Record> data = new TreeMap<>();
        final List<Watch> watches = new CopyOnWriteArrayList<>();
        long highestFence;
    }

    private static final class Watch {
        final String prefix;
        final Consumer<StoreEvent> listener;
        volatile boolean closed;

        Watch(String prefix, Consumer<StoreEvent> listener) {
            this.prefix = prefix;
            this.listener = listener;
        }
    }

    /** One process's connection. */
    private final class Conn implements HaBackend {
        final String nodeId;
        final BackendEvents events;
        final long operationTimeoutNanos;
        final int inlineLimit;
        // guarded by lock (of the enclosing instance; not checked by Error Prone)
        boolean suspended;
        boolean closed;
        final List<EDriver> drivers = new ArrayList<>();
        final List<RDriver> myRetrievers = new ArrayList<>();

        Conn(String nodeId, BackendEvents events, long operationTimeoutNanos, int inlineLimit) {
            this.nodeId = nodeId;
            this.events = events;
            this.operationTimeoutNanos = operationTimeoutNanos;
            this.inlineLimit = inlineLimit;
        }

        @Override
        public ElectionDriver startElection(ElectionDriver.Listener listener) {
            synchronized (lock) {
                enterLocked(this, false, "start election");
                EDriver d = new EDriver(this, listener);
                drivers.add(d);
                queue.addLast(d);
                electLocked();
                return d;
            }
        }

        @Override
        public RetrievalDriver startRetrieval(RetrievalDriver.Listener listener) {
            synchronized (lock) {
                if (closed) {
                    throw new IllegalStateException("connection of " + nodeId + " is closed");
                }
                RDriver r = new RDriver(listener);
                retrievers.add(r);
                myRetrievers.add(r);
                Map<String, LeaderInformation> snapshot = new TreeMap<>();
                infos.forEach((k, v) -> snapshot.put(k, v.info));
                deliver(() -> snapshot.forEach((k, v) -> {
                    if (!r.closed) {
                        listener.onLeaderInformationChange(k, v);
                    }
                }));
                return r;
            }
        }

        @Override
        public StoreDriver store(String namespace) {
            return new SDriver(this, namespace);
        }

        @Override
        public int inlineLimit() {
            return inlineLimit;
        }

        @Override
        public Set<String> namespaces() {
            synchronized (lock) {
                enterLocked(this, false, "list namespaces");
                Set<String> out = new TreeSet<>();
                namespaces.forEach((name, ns) -> {
                    if (!ns.data.isEmpty()) {
                        out.add(name);
                    }
                });
                return out;
            }
        }

        @Override
        public void dropNamespace(String namespace) {
            synchronized (lock) {
                Namespace ns = namespaces.get(namespace);
                if (ns != null && ns.data.isEmpty() && ns.watches.isEmpty()) {
                    namespaces.remove(namespace);
                }
            }
        }

        /** Removes the leader information and every namespace; the epoch counter (the floor) is kept. */
        @Override
        public void deleteClusterData() {
            synchronized (lock) {
                infos.clear();
                namespaces.entrySet().removeIf(e -> e.getValue().data.isEmpty() && e.getValue().watches.isEmpty());
            }
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                for (EDriver d : new ArrayList<>(drivers)) {
                    closeDriverLocked(d);
                }
                for (RDriver r : myRetrievers) {
                    r.closed = true;
                    retrievers.remove(r);
                }
                closed = true;
                conns.remove(nodeId);
                lock.notifyAll();
            }
        }
    }

    private final class EDriver implements ElectionDriver {
        final Conn conn;
        final ElectionDriver.Listener listener;
        // guarded by lock (of the enclosing instance; not checked by Error Prone)
        long epoch;
        volatile boolean closed;
        // guarded by lock (of the enclosing instance; not checked by Error Prone)
        boolean expired;

        EDriver(Conn conn, ElectionDriver.Listener listener) {
            this.conn = conn;
            this.listener = listener;
        }

        @Override
        public boolean hasLeadership() {
            synchronized (lock) {
                return leader == this;
            }
        }

        @Override
        public void publishLeaderInformation(long atEpoch, String componentId, LeaderInformation info) {
            synchronized (lock) {
                String what = "publish leader of " + componentId;
                enterLocked(conn, true, what);
                if (leader != this || epoch != atEpoch || closed) {
                    throw new LeadershipLostException(what + " at epoch " + atEpoch + " refused: " + conn.nodeId
                            + " does not lead at that epoch");
                }
                infos.put(componentId, new Published(info, atEpoch));
                publishChangeLocked(componentId, info);
                afterWriteLocked(what);
            }
        }

        @Override
        public void deleteLeaderInformation(long atEpoch, String componentId) {
            synchronized (lock) {
                enterLocked(conn, true, "delete leader of " + componentId);
                Published p = infos.get(componentId);
                if (p != null && p.epoch == atEpoch) {
                    infos.remove(componentId);
                    publishChangeLocked(componentId, LeaderInformation.empty());
                }
            }
        }

        @Override
        public void close() {
            synchronized (lock) {
                closeDriverLocked(this);
            }
        }

    }

    /** Ends an election driver: out of the queue, its leadership ended, the next one elected. */
    @GuardedBy("lock")
    private void closeDriverLocked(EDriver d) {
        if (d.closed) {
            return;
        }
        d.closed = true;
        d.conn.drivers.remove(d);
        queue.remove(d);
        if (leader == d) {
            endLeadershipLocked(false);
        }
        electLocked();
    }

    private final class RDriver implements RetrievalDriver {
        final RetrievalDriver.Listener listener;
        volatile boolean closed;

        RDriver(RetrievalDriver.Listener listener) {
            this.listener = listener;
        }

        @Override
        public void close() {
            synchronized (lock) {
                closed = true;
                retrievers.remove(this);
            }
        }
    }

    private final class SDriver implements StoreDriver {
        final Conn conn;
        final String namespace;

        SDriver(Conn conn, String namespace) {
            this.conn = conn;
            this.namespace = namespace;
        }

        @GuardedBy("EmbeddedHaBackend.this.lock")
        private Namespace ns() {
            return namespaces.computeIfAbsent(namespace, k -> new Namespace());
        }

        @Override
        public Optional<Versioned> get(String key) {
            synchronized (lock) {
                enterLocked(conn, false, "get " + key);
                Record r = ns().data.get(key);
                return r == null ? Optional.empty() : Optional.of(new Versioned(key, r.value, r.version));
            }
        }

        @Override
        public List<Versioned> list(String prefix) {
            synchronized (lock) {
                enterLocked(conn, false, "list " + prefix);
                List<Versioned> out = new ArrayList<>();
                Map<String, Record> view = prefix.isEmpty() ? ns().data
                        : ns().data.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
                view.forEach((k, r) -> out.add(new Versioned(k, r.value, r.version)));
                return out;
            }
        }

        @Override
        public long put(String key, byte[] record, long expectedVersion, long fenceEpoch) {
            synchronized (lock) {
                String what = "put " + namespace + "/" + key;
                enterLocked(conn, true, what);
                Namespace ns = ns();
                Record cur = ns.data.get(key);
                checkVersion(key, cur, expectedVersion);
                checkFenceLocked(conn, ns, fenceEpoch, what);
                long version = cur == null ? 0 : cur.version + 1;
                byte[] copy = record.clone();
                ns.data.put(key, new Record(copy, version));
                Versioned v = new Versioned(key, copy, version);
                fire(ns, key, StoreEvent.put(v));
                afterWriteLocked(what);
                return version;
            }
        }

        @Override
        public boolean delete(String key, long expectedVersion, long fenceEpoch) {
            synchronized (lock) {
                String what = "delete " + namespace + "/" + key;
                enterLocked(conn, true, what);
                Namespace ns = ns();
                Record cur = ns.data.get(key);
                if (cur == null) {
                    return false;
                }
                checkVersion(key, cur, expectedVersion);
                checkFenceLocked(conn, ns, fenceEpoch, what);
                ns.data.remove(key);
                fire(ns, key, StoreEvent.delete(key));
                afterWriteLocked(what);
                return true;
            }
        }

        private void checkVersion(String key, Record cur, long expected) {
            if (expected == StateStore.ANY) {
                return;
            }
            if (expected == StateStore.NEW) {
                if (cur != null) {
                    throw new VersionConflictException(key, expected, "key '" + key + "' already exists at version "
                            + cur.version);
                }
                return;
            }
            if (cur == null) {
                throw new VersionConflictException(key, expected, "key '" + key + "' does not exist (expected version "
                        + expected + ")");
            }
            if (cur.version != expected) {
                throw new VersionConflictException(key, expected, "key '" + key + "' is at version " + cur.version
                        + ", expected " + expected);
            }
        }

        private void fire(Namespace ns, String key, StoreEvent event) {
            for (Watch w : ns.watches) {
                if (key.startsWith(w.prefix)) {
                    deliver(() -> {
                        if (!w.closed) {
                            w.listener.accept(event);
                        }
                    });
                }
            }
        }

        @Override
        public Subscription watch(String prefix, Consumer<StoreEvent> listener) {
            synchronized (lock) {
                enterLocked(conn, false, "watch " + prefix);
                Watch w = new Watch(prefix, listener);
                Namespace ns = ns();
                ns.watches.add(w);
                return () -> {
                    w.closed = true;
                    ns.watches.remove(w);
                };
            }
        }
    }
}
