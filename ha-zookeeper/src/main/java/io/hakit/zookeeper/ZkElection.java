package io.hakit.zookeeper;

import io.hakit.api.BackendUnavailableException;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.spi.ElectionDriver;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One process's contention: an ephemeral sequential latch node; the lowest leads. On winning it increments
 * {@code election/epoch} by compare-and-set in one multi-op with a check of its own latch node, and that epoch and
 * the epoch znode's new version fence every leader-only write. All ZooKeeper work runs on the backend's driver
 * thread; listener calls come from it, one at a time.
 */
final class ZkElection implements ElectionDriver {

    private static final Logger LOG = LoggerFactory.getLogger(ZkElection.class);
    private static final int MAX_EPOCH_ATTEMPTS = 32;

    private final ZooKeeperBackend b;
    private final Listener listener;
    private final CuratorFramework client;
    private final String nodeId;

    // all @GuardedBy("this")
    private String ourPath;
    private boolean leader;
    private long epoch;
    private int epochVersion;
    private long ownerSession;
    private boolean closed;
    private final Set<String> published = new LinkedHashSet<>();

    ZkElection(ZooKeeperBackend backend, Listener listener) {
        this.b = backend;
        this.listener = listener;
        this.client = backend.client;
        this.nodeId = backend.config.nodeId();
    }

    void start() {
        b.runAsync(this::enter);
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Creates the latch node if needed and checks the queue. Driver thread. */
    private void enter() {
        if (isClosed()) {
            return;
        }
        try {
            String path;
            synchronized (this) {
                path = ourPath;
            }
            if (path == null) {
                b.ensurePath(b.electionPath);
                path = client.create().withProtection().withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                        .forPath(b.electionPath + "/latch-", nodeId.getBytes(StandardCharsets.UTF_8));
                synchronized (this) {
                    ourPath = path;
                    if (closed) {
                        // close() ran while we created it: its clean-up task is queued behind us and deletes it
                        return;
                    }
                }
            }
            checkQueue();
        } catch (Exception e) {
            retryLater("entering the election", e);
        }
    }

    private void retryLater(String what, Exception e) {
        if (isClosed()) {
            return;
        }
        LOG.warn("{}: {} failed ({}); retrying", nodeId, what, e.toString());
        Duration wait = b.config.retryPeriod();
        b.schedule(this::enter, wait);
    }

    /** Leads if our node is the lowest, else watches the one before it. Driver thread. */
    private void checkQueue() throws Exception {
        for (int round = 0; round < 1000; round++) {
            String path;
            synchronized (this) {
                if (closed) {
                    return;
                }
                path = ourPath;
            }
            List<String> children = new ArrayList<>();
            for (String c : client.getChildren().forPath(b.electionPath)) {
                if (Records.sequence(c) >= 0 && c.contains("latch-")) {
                    children.add(c);
                }
            }
            children.sort(Comparator.comparingLong(Records::sequence));
            String ourName = path.substring(path.lastIndexOf('/') + 1);
            int idx = children.indexOf(ourName);
            if (idx < 0) {
                lostNode("our latch node " + path + " is gone");
                return;
            }
            if (idx == 0) {
                becomeLeader(path);
                return;
            }
            String predecessor = b.electionPath + "/" + children.get(idx - 1);
            Stat s = client.checkExists().usingWatcher((Watcher) this::onWatch).forPath(predecessor);
            if (s != null) {
                return;
            }
        }
        throw new IllegalStateException("the election queue kept changing under us");
    }

    private void onWatch(WatchedEvent event) {
        if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
            b.runAsync(() -> {
                try {
                    boolean lead;
                    String path;
                    synchronized (this) {
                        lead = leader;
                        path = ourPath;
                    }
                    if (lead && event.getPath().equals(path)) {
                        lostNode("our latch node was deleted");
                    } else if (!lead) {
                        checkQueue();
                    }
                } catch (Exception e) {
                    retryLater("checking the election queue", e);
                }
            });
        }
    }

    /** Our node vanished (deleted, or the session expired): lose leadership, and contend again. */
    private void lostNode(String why) {
        boolean wasLeader;
        synchronized (this) {
            if (closed) {
                return;
            }
            wasLeader = leader;
            leader = false;
            ourPath = null;
            published.clear();
        }
        LOG.info("{}: {}", nodeId, why);
        if (wasLeader) {
            listener.onRevokeLeadership();
        }
        b.runAsync(this::enter);
    }

    /** Increments the epoch atomically with a check of our latch node. Driver thread. */
    private void becomeLeader(String path) throws Exception {
        Stat latch = client.checkExists().forPath(path);
        if (latch == null) {
            lostNode("our latch node vanished before we could lead");
            return;
        }
        long owner = latch.getEphemeralOwner();
        for (int attempt = 0; attempt < MAX_EPOCH_ATTEMPTS; attempt++) {
            Stat stat = new Stat();
            byte[] data;
            try {
                data = client.getData().storingStatIn(stat).forPath(b.epochPath);
            } catch (KeeperException.NoNodeException e) {
                try {
                    client.create().creatingParentsIfNeeded().forPath(b.epochPath, Records.epoch(0));
                } catch (KeeperException.NodeExistsException ignored) {
                    // created concurrently
                }
                continue;
            }
            long next = Records.epoch(data) + 1;
            ZooKeeper zk = b.zk();
            if (zk.getSessionId() != owner) {
                // the session that created our node is gone from this client (expired, or given up after a long
                // disconnection); the node lingers on the servers until they expire it, and must not lead
                lostNode("our latch node belongs to ZooKeeper session 0x" + Long.toHexString(owner)
                        + ", which this client no longer has");
                return;
            }
            try {
                zk.multi(List.of(Op.check(path, -1),
                        Op.setData(b.epochPath, Records.epoch(next), stat.getVersion())));
            } catch (KeeperException e) {
                int failed = ZooKeeperBackend.failedOp(e);
                if (failed == 0) {
                    lostNode("our latch node vanished before we could lead");
                    return;
                }
                if (failed == 1) {
                    continue; // the epoch moved (our own earlier attempt whose answer was lost): read it again
                }
                throw e;
            }
            synchronized (this) {
                if (closed || !path.equals(ourPath)) {
                    return;
                }
                leader = true;
                epoch = next;
                epochVersion = stat.getVersion() + 1;
                ownerSession = owner;
            }
            // watch our own node: its deletion ends our leadership
            Stat own = client.checkExists().usingWatcher((Watcher) this::onWatch).forPath(path);
            if (own == null) {
                lostNode("our latch node vanished as we became leader");
                return;
            }
            LOG.info("{}: leads at epoch {} ({})", nodeId, next, path);
            listener.onGrantLeadership(next);
            return;
        }
        throw new IllegalStateException("could not increment " + b.epochPath + " in " + MAX_EPOCH_ATTEMPTS
                + " attempts");
    }

    /**
     * What fences a leader-only write: the checks that lead its multi-op (our latch node exists, the epoch znode is at
     * the version our grant set) and the ZooKeeper session that owns our latch node, which the write must be sent in.
     *
     * @param ops the fence checks, first in the multi-op; none for an unfenced write
     * @param session the session id the write must be sent in; 0 for an unfenced write
     */
    record Fence(List<Op> ops, long session) {
        static final Fence NONE = new Fence(List.of(), 0);
    }

    /** The fence of a write at {@code atEpoch}. Any thread. */
    synchronized Fence fence(long atEpoch, String what) {
        if (closed || !leader || epoch != atEpoch) {
            throw new LeadershipLostException(what + ": " + nodeId + " does not lead at epoch " + atEpoch
                    + (leader ? " (it leads at " + epoch + ")" : ""));
        }
        return new Fence(List.of(Op.check(ourPath, -1), Op.check(b.epochPath, epochVersion)), ownerSession);
    }

    @Override
    public synchronized boolean hasLeadership() {
        return leader && !closed;
    }

    @Override
    public void publishLeaderInformation(long atEpoch, String componentId, LeaderInformation info) {
        String what = "publish leader of " + componentId;
        String path = b.leadersPath + "/" + componentId;
        byte[] data = Records.leader(info);
        b.checkSession(fence(atEpoch, what), what); // fail at once, before anything waits for a connection
        b.ensurePath(b.leadersPath);
        for (int attempt = 0; attempt < 8; attempt++) {
            Fence fence = fence(atEpoch, what);
            b.checkSession(fence, what);
            List<Op> ops = new ArrayList<>(fence.ops());
            Stat existing;
            try {
                existing = client.checkExists().forPath(path);
            } catch (Exception e) {
                throw b.readFailure(what, e);
            }
            if (existing != null) {
                ops.add(Op.delete(path, existing.getVersion()));
            }
            ops.add(Op.create(path, data, b.acl, CreateMode.EPHEMERAL));
            try {
                b.multi(ops, fence, what);
                synchronized (this) {
                    published.add(componentId);
                }
                return;
            } catch (KeeperException e) {
                // the leader record changed between our look and our write: look again
                LOG.debug("{}: {} raced ({}), retrying", nodeId, what, e.code());
            }
        }
        throw new BackendUnavailableException(what + ": the leader record kept changing concurrently");
    }

    @Override
    public void deleteLeaderInformation(long atEpoch, String componentId) {
        synchronized (this) {
            if (!published.remove(componentId)) {
                return;
            }
        }
        deleteOwnRecord(componentId);
    }

    /** Deletes a leader record only if our session owns it, so a newer leader's record is never touched. */
    private void deleteOwnRecord(String componentId) {
        String path = b.leadersPath + "/" + componentId;
        try {
            Stat s = client.checkExists().forPath(path);
            long session = b.sessionId();
            if (s != null && session != 0 && s.getEphemeralOwner() == session) {
                client.delete().withVersion(s.getVersion()).forPath(path);
            }
        } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
            // gone or replaced: not ours any more
        } catch (Exception e) {
            LOG.warn("{}: could not remove the leader record of {} (it goes with our session): {}", nodeId,
                    componentId, e.toString());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            leader = false;
        }
        // on the driver thread, after any enter() in flight, so we see the latch node it created
        b.runAsync(() -> {
            String path;
            List<String> records;
            synchronized (this) {
                path = ourPath;
                records = new ArrayList<>(published);
                published.clear();
            }
            for (String component : records) {
                deleteOwnRecord(component);
            }
            if (path != null) {
                try {
                    client.delete().guaranteed().inBackground().forPath(path);
                } catch (Exception e) {
                    LOG.warn("{}: could not delete latch node {} (it goes with our session): {}", nodeId, path,
                            e.toString());
                }
            }
        });
    }

    @Override
    public String toString() {
        return "ZkElection{" + nodeId + "}";
    }

}
