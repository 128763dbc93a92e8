package io.hakit.zookeeper;

import com.google.errorprone.annotations.concurrent.GuardedBy;
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
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One process's contention: an ephemeral sequential latch node; the lowest leads.
 *
 * <p><b>Epoch.</b> A leader's epoch is its latch node's {@code czxid}: the zxid of the transaction that created it,
 * which the contender reads from the stat of the own-node check it makes when it enters the queue, so a grant costs
 * no read and no write beyond the latch recipe's. A zxid is unique and only grows over the ensemble's whole life
 * (ZooKeeper numbers every committed transaction, a new ZooKeeper leader starts a higher zxid epoch, and the counter
 * survives restarts with the transaction log), also across the deletion and re-creation of the election znode. Why
 * successive leaders' epochs strictly increase:
 * <ul>
 *   <li>Every latch node is created by a create request of its own, one transaction, so no two share a czxid. (A
 *   multi-op creating two latch nodes would break this; HAKit never sends one, and nothing else may write here.)</li>
 *   <li>Say A leads because a read of ZooKeeper's state s_A showed its node as the lowest live one, and B leads later,
 *   from a read of a state s_B after s_A. If B's czxid were lower than A's, B's node was created before A's, so before
 *   s_A; it is still there at s_B, and a deleted znode never comes back (a node created again under the same name
 *   has a new czxid), so it was there at s_A too. Two children alive at one moment belong to one incarnation of the
 *   election znode (it can be deleted only when empty), and within one incarnation ZooKeeper numbers children in
 *   creation order, so B's sequence number was lower than A's at s_A: A was not the lowest, a contradiction. So B's
 *   czxid is higher; nodes of a later incarnation (after an operator deleted the election) are created after every
 *   node of an earlier one, and their czxids are higher anyway. A grant decided by a deletion event instead of a
 *   read keeps this order too (see onWatch).</li>
 * </ul>
 * The order is ZooKeeper's, of the states that decided the grants. A process whose deciding read was answered before
 * its node went (by a server behind the leader, say), or that saw its predecessor's deletion just before its own, may
 * still report its grant after a later one was reported elsewhere, with the lower epoch; its node is gone, so
 * everything it fences is refused, as for any deposed leader that has not heard yet. What the epochs cannot survive is the tree copied into another ensemble whose zxids are lower;
 * the store's namespace fence ({@link ZkStore}) still refuses fenced writes below the highest a namespace accepted.
 *
 * <p>In 0.2.0 the epoch was the latch sequence + 1, kept above an epoch floor that every grant raised in the cluster
 * znode's data (one quorum write more per grant). Nothing reads or writes that floor any more; it is left where it is
 * and goes with the cluster's data. On the same ZooKeeper database every czxid epoch is above every epoch granted
 * that way: such an epoch never exceeded the number of latch nodes created until then, each creation was a
 * transaction, and a zxid is at least the number of transactions before it (after the first ZooKeeper leader election
 * it is at least 2^32).
 *
 * <p><b>Fence.</b> Every leader-only write is one multi-op that first checks the leader's latch node, sent only in
 * the ZooKeeper session that owns that node. While that node exists no other process can be the lowest, so no other
 * process leads; the node goes when the leader releases or its session ends, and from then on every write it fences
 * fails. A node whose session this client no longer has (given up after a long disconnection, still on the servers
 * until they expire it) never leads, and a write of its leadership is refused before it is sent.
 *
 * <p>A handover costs as few round trips as the protocol allows: the leader releases with one multi-op (its leader
 * records and its latch node together); the next process, which watches every node below its own, leads on the
 * deletion event of the last of them without reading the queue again (see onWatch), its own-node watch and its epoch
 * having been set when it entered; and a publish is one fenced multi-op with no look at the record first.
 *
 * <p>All ZooKeeper work runs on the backend's driver thread; listener calls come from it, one at a time.
 */
final class ZkElection implements ElectionDriver {

    private static final Logger LOG = LoggerFactory.getLogger(ZkElection.class);

    private final ZooKeeperBackend b;
    private final Listener listener;
    private final CuratorFramework client;
    private final String nodeId;

    @GuardedBy("this")
    private String ourPath;
    @GuardedBy("this")
    private boolean leader;
    @GuardedBy("this")
    private long epoch;
    // the ZooKeeper session that created ourPath (its ephemeral owner); 0 until our own-node watch is set
    @GuardedBy("this")
    private long ownerSession;
    // ourPath's czxid, the epoch it leads at; set with ownerSession
    @GuardedBy("this")
    private long ourCzxid;
    // the latch nodes below ours in our last read of the queue, each watched, less those whose deletion we saw: when
    // the last goes ours is the lowest, with no read (see onWatch)
    @GuardedBy("this")
    private final Set<String> below = new HashSet<>();
    @GuardedBy("this")
    private boolean closed;
    @GuardedBy("this")
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
                    ownerSession = 0;
                    if (closed) {
                        // close() ran while we created it: its clean-up task is queued behind us and deletes it
                        return;
                    }
                }
            }
            boolean watched;
            synchronized (this) {
                watched = ownerSession != 0;
            }
            if (!watched) {
                // watch our own node from the start, not only once we lead: its deletion ends our place in the
                // queue or our leadership, and the grant then needs no extra round trip to set this watch. The
                // same answer tells which session owns the node (checked before leading and on every fenced write) and
                // its czxid, the epoch it leads at.
                // Done again on a retry of enter() if it failed after the create.
                Stat own = client.checkExists().usingWatcher((Watcher) this::onWatch).forPath(path);
                if (own == null) {
                    lostNode("our latch node vanished as we entered");
                    return;
                }
                synchronized (this) {
                    if (!path.equals(ourPath)) {
                        return;
                    }
                    ownerSession = own.getEphemeralOwner();
                    ourCzxid = own.getCzxid();
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

    /** Leads if our node is the lowest, else watches every one below it. Driver thread. */
    private void checkQueue() throws Exception {
        for (int round = 0; round < 1000; round++) {
            String path;
            synchronized (this) {
                if (closed) {
                    return;
                }
                path = ourPath;
            }
            if (path == null) {
                return; // lost and not yet re-entered: enter() is queued and checks the queue itself
            }
            synchronized (this) {
                below.clear();
            }
            List<String> read;
            try {
                read = b.bounded("read the election " + b.electionPath,
                        zk -> zk.getChildren(b.electionPath, false));
            } catch (KeeperException.NoNodeException e) {
                lostNode("the election " + b.electionPath + " is gone");
                return;
            }
            List<String> children = new ArrayList<>();
            for (String c : read) {
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
            // Watch every node below ours, not only the one before it: when the last of them goes we lead on its
            // deletion event, without reading the queue again (onWatch). With a handful of contenders this is a few
            // watches more; the herd a lock recipe avoids (every waiter told of every deletion) is the contenders
            // below ours, each told once per node that goes.
            List<String> lower = new ArrayList<>(idx);
            for (int i = idx - 1; i >= 0; i--) {
                lower.add(b.electionPath + "/" + children.get(i));
            }
            synchronized (this) {
                if (!path.equals(ourPath)) {
                    return;
                }
                below.addAll(lower);
            }
            for (String node : lower) {
                Stat s = client.checkExists().usingWatcher((Watcher) this::onWatch).forPath(node);
                if (s == null) {
                    synchronized (this) {
                        below.remove(node);
                    }
                }
            }
            synchronized (this) {
                if (!below.isEmpty() || !path.equals(ourPath)) {
                    return;
                }
            }
            // every node below ours went while we set the watches: read again
        }
        throw new IllegalStateException("the election queue kept changing under us");
    }

    private void onWatch(WatchedEvent event) {
        if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
            b.runAsync(() -> {
                try {
                    boolean lead;
                    String path;
                    boolean wasBelow;
                    boolean lowest;
                    synchronized (this) {
                        lead = leader;
                        path = ourPath;
                        wasBelow = !lead && path != null && below.remove(event.getPath());
                        lowest = wasBelow && below.isEmpty();
                    }
                    if (lead && event.getPath().equals(path)) {
                        lostNode("our latch node was deleted");
                    } else if (lowest) {
                        // The last node below ours in our last read is gone: ours is the lowest now, without reading
                        // the queue again. Every lower node was created before ours, so it was in that read (which
                        // showed ours) unless deleted before it, and a deleted znode never comes back; we saw each of
                        // them go. Had our own node gone first, its deletion event, delivered before this one, would
                        // have ended our place (lostNode) on this thread already. If both went in one transaction
                        // (the election deleted), or after a reconnection the server re-sent the events out of order,
                        // we lead on a node already gone: its own event follows and revokes, and nothing it fences can
                        // land. Epochs keep their order either way: a node granted before this deletion has a lower
                        // czxid than ours (with a higher one, it had this last lower node, older and still alive,
                        // below it), and a node granted after it has a higher one (a lower one is older than ours, so
                        // it was in our read, and we saw it go).
                        becomeLeader(path);
                    } else if (!lead && !wasBelow && event.getPath().equals(path)) {
                        checkQueue(); // our own node went before we led: the read finds it gone and contends again
                    }
                    // else: a node below ours went and others below remain (all watched), or a watch we no longer
                    // need fired (set before our last read, or for a node of an earlier entry)
                } catch (Exception e) {
                    retryLater("checking the election queue", e);
                }
            });
        }
    }

    /**
     * Our node vanished (deleted, or the session expired): lose leadership, delete the leader records this leadership
     * published (those our session still owns; an operator's deletion of the election leaves them behind otherwise),
     * and contend again.
     */
    private void lostNode(String why) {
        boolean wasLeader;
        List<String> records;
        synchronized (this) {
            if (closed) {
                return;
            }
            wasLeader = leader;
            leader = false;
            ourPath = null;
            below.clear();
            records = new ArrayList<>(published);
            published.clear();
        }
        LOG.info("{}: {}", nodeId, why);
        if (wasLeader) {
            listener.onRevokeLeadership();
        }
        for (String component : records) {
            deleteOwnRecord(component);
        }
        b.runAsync(this::enter);
    }

    /**
     * Our node is the lowest: we lead at its czxid, if our client still has the node's session. Driver thread.
     */
    private void becomeLeader(String path) {
        long owner;
        long next;
        synchronized (this) {
            if (closed || leader || !path.equals(ourPath)) {
                return;
            }
            owner = ownerSession;
            next = ourCzxid;
        }
        if (owner == 0) {
            return; // enter() failed after creating our node and is queued again: it sets the watch, then checks
        }
        long current = b.sessionId();
        if (current == 0) {
            // no session known right now (a new handle not yet connected): not a verdict on our node; look again
            throw new BackendUnavailableException("no ZooKeeper session to compare with our latch node's owner");
        }
        if (current != owner) {
            // the session that created our node is gone from this client (expired, or given up after a long
            // disconnection); the node lingers on the servers until they expire it, and must not lead
            lostNode("our latch node belongs to ZooKeeper session 0x" + Long.toHexString(owner)
                    + ", which this client no longer has (it is in 0x" + Long.toHexString(current) + ")");
            return;
        }
        synchronized (this) {
            if (closed || leader || !path.equals(ourPath)) {
                return;
            }
            leader = true;
            epoch = next;
        }
        // the watch on our own node, set in enter(), ends this leadership when the node goes
        LOG.info("{}: leads at epoch {} (0x{}, {})", nodeId, next, Long.toHexString(next), path);
        listener.onGrantLeadership(next);
    }

    /**
     * What fences a leader-only write: the check that leads its multi-op (our latch node exists) and the ZooKeeper
     * session that owns our latch node, which the write must be sent in. The session matters: after this client gave
     * up a session (a long disconnection) its latch node lingers on the servers until they expire it, and a write sent
     * in the client's new session would pass the existence check although this process no longer leads.
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
        return new Fence(List.of(Op.check(ourPath, -1)), ownerSession);
    }

    @Override
    public synchronized boolean hasLeadership() {
        return leader && !closed;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One fenced multi-op, without reading the record first: under the fence any record already there is stale
     * (an earlier leader's, or this leadership's own earlier confirmation), so it is deleted whatever its version.
     * Whether there is one to delete is guessed (there is if this leadership published the component before) and
     * corrected by the answer: NODEEXISTS means replace, NONODE on the delete means create only.
     */
    @Override
    public void publishLeaderInformation(long atEpoch, String componentId, LeaderInformation info) {
        String what = "publish leader of " + componentId;
        String path = b.leadersPath + "/" + componentId;
        byte[] data = Records.leader(info);
        b.checkSession(fence(atEpoch, what), what); // fail at once, before anything waits for a connection
        if (!b.leadersPathReady) {
            // once per backend, not per election: a process contends with a new election after each release, and
            // this read was on the path of every handover (a create that finds leaders/ gone makes it again, below)
            b.ensurePath(b.leadersPath);
            b.leadersPathReady = true;
        }
        boolean replace;
        synchronized (this) {
            replace = published.contains(componentId);
        }
        for (int attempt = 0; attempt < 8; attempt++) {
            Fence fence = fence(atEpoch, what);
            List<Op> ops = new ArrayList<>(fence.ops());
            int fences = ops.size();
            if (replace) {
                ops.add(Op.delete(path, -1));
            }
            ops.add(Op.create(path, data, b.acl, CreateMode.EPHEMERAL));
            try {
                b.multi(ops, fence, what);
                synchronized (this) {
                    published.add(componentId);
                }
                return;
            } catch (KeeperException e) {
                KeeperException.Code code = ZooKeeperBackend.failedCode(e);
                int failed = ZooKeeperBackend.failedOp(e);
                if (code == KeeperException.Code.NODEEXISTS) {
                    replace = true;
                } else if (code == KeeperException.Code.NONODE && replace && failed == fences) {
                    replace = false;
                } else if (code == KeeperException.Code.NONODE) {
                    b.ensurePath(b.leadersPath); // leaders/ itself was removed under us
                } else {
                    throw b.readFailure(what, e);
                }
                LOG.debug("{}: {} raced ({} on op {}), retrying", nodeId, what, code, failed);
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
            if (path != null && releaseAtOnce(path, records)) {
                return;
            }
            // the latch node is gone already, or ZooKeeper cannot be reached now: records first (only those our
            // session owns), then the latch node, retried by Curator until it is gone
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

    /**
     * Deletes our leader records and our latch node in one multi-op, so that leadership moves on after one round
     * trip. The records need no look first: while our latch node exists nobody else can have been granted, so every
     * record this leadership published is still ours; if the latch node is already gone, the whole multi-op fails
     * and changes nothing. Returns whether it was applied; on any failure the caller falls back to the careful path.
     */
    private boolean releaseAtOnce(String latchPath, List<String> components) {
        List<Op> ops = new ArrayList<>(components.size() + 1);
        for (String component : components) {
            ops.add(Op.delete(b.leadersPath + "/" + component, -1));
        }
        ops.add(Op.delete(latchPath, -1));
        try {
            b.zk().multi(ops);
            return true;
        } catch (KeeperException | BackendUnavailableException e) {
            LOG.debug("{}: releasing {} in one multi-op failed ({}); deleting one by one", nodeId, latchPath,
                    e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return "ZkElection{" + nodeId + "}";
    }

}
