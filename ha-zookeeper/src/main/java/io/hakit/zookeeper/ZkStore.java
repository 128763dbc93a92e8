package io.hakit.zookeeper;

import io.hakit.api.CorruptValueException;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.StoreEvent;
import io.hakit.api.Subscription;
import io.hakit.api.VersionConflictException;
import io.hakit.api.Versioned;
import io.hakit.api.spi.StoreDriver;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.data.Stat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The state store of one namespace: one persistent znode per key under {@code stores/<namespace>}.
 *
 * <p>A key's version is its znode's data version, which ZooKeeper keeps in 32 bits and wraps to a negative number
 * after {@link Integer#MAX_VALUE}. The API's versions are 64-bit, so this store refuses an expected version that no
 * znode can have ({@link IllegalArgumentException}, before anything is sent), refuses a write that would wrap a key's
 * version ({@link IllegalStateException}: delete and recreate the key), and reports a wrapped version read back as
 * {@link CorruptValueException}. A version is never cut to fewer bits.
 */
final class ZkStore implements StoreDriver {

    private static final int MAX_ATTEMPTS = 8;

    private final ZooKeeperBackend b;
    private final String namespace;
    private final String nsPath;
    private volatile boolean nsCreated;

    ZkStore(ZooKeeperBackend backend, String namespace) {
        this.b = backend;
        this.namespace = namespace;
        this.nsPath = backend.storesPath + "/" + namespace;
    }

    private String path(String key) {
        return nsPath + "/" + Records.encodeKey(key);
    }

    @Override
    public Optional<Versioned> get(String key) {
        b.syncForRead(nsPath, "get " + namespace + "/" + key);
        return read(key);
    }

    private Optional<Versioned> read(String key) {
        Stat stat = new Stat();
        try {
            String what = "get " + namespace + "/" + key;
            byte[] data = b.bounded(what, zk -> zk.getData(path(key), false, stat));
            return Optional.of(new Versioned(key, data == null ? new byte[0] : data, readVersion(key, stat)));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (KeeperException e) {
            throw b.readFailure("get " + namespace + "/" + key, e);
        }
    }

    @Override
    public List<Versioned> list(String prefix) {
        b.syncForRead(nsPath, "list " + namespace + "/" + prefix);
        List<String> names;
        try {
            names = b.bounded("list " + namespace + "/" + prefix, zk -> zk.getChildren(nsPath, false));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (KeeperException e) {
            throw b.readFailure("list " + namespace + "/" + prefix, e);
        }
        List<String> keys = new ArrayList<>();
        for (String name : names) {
            String key = Records.decodeKey(name);
            if (key.startsWith(prefix)) {
                keys.add(key);
            }
        }
        keys.sort(null);
        List<Versioned> out = new ArrayList<>(keys.size());
        for (String key : keys) {
            read(key).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public long put(String key, byte[] record, long expectedVersion, long fenceEpoch) {
        String what = "put " + namespace + "/" + key;
        if (fenceEpoch > 0) {
            b.checkSession(b.fence(fenceEpoch, what), what); // fail at once, before anything waits for a connection
        }
        int expectedZk = expectedVersion == StateStore.ANY || expectedVersion == StateStore.NEW ? -1
                : writableVersion(key, expectedVersion);
        ensureNamespace();
        String path = path(key);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ZkElection.Fence fence = fenceEpoch > 0 ? b.fence(fenceEpoch, what) : ZkElection.Fence.NONE;
            b.checkSession(fence, what);
            List<Op> ops = new ArrayList<>(fence.ops());
            NamespaceFence nsFence = fenceEpoch > 0 ? namespaceFence(fenceEpoch, what) : null;
            if (nsFence != null) {
                ops.add(nsFence.op(nsPath, fenceEpoch));
            }
            boolean create;
            int version = expectedZk;
            if (expectedVersion == StateStore.NEW) {
                create = true;
            } else if (expectedVersion == StateStore.ANY) {
                Stat current;
                try {
                    current = b.bounded(what, zk -> zk.exists(path, false));
                } catch (KeeperException e) {
                    throw b.readFailure(what, e);
                }
                create = current == null;
                // conditional on the version just read, so that a write never wraps a version it did not check
                version = create ? -1 : writableVersion(key, readVersion(key, current));
            } else {
                create = false;
            }
            ops.add(create ? Op.create(path, record, b.acl, CreateMode.PERSISTENT) : Op.setData(path, record, version));
            try {
                List<OpResult> results = b.multi(ops, fence, what);
                accepted(nsFence, fenceEpoch, results, fence.ops().size());
                OpResult last = results.get(results.size() - 1);
                return last instanceof OpResult.SetDataResult ? ((OpResult.SetDataResult) last).getStat().getVersion()
                        : 0;
            } catch (KeeperException e) {
                if (namespaceFenceFailed(nsFence, e, fence.ops().size())) {
                    continue;
                }
                KeeperException.Code code = ZooKeeperBackend.failedCode(e);
                if (expectedVersion == StateStore.ANY && (code == KeeperException.Code.NODEEXISTS
                        || code == KeeperException.Code.NONODE || code == KeeperException.Code.BADVERSION)) {
                    continue; // created, deleted or written concurrently: decide again
                }
                if (create && code == KeeperException.Code.NONODE) {
                    nsCreated = false; // the namespace znode was removed under us
                    ensureNamespace();
                    continue;
                }
                throw conflict(key, expectedVersion, code, e);
            }
        }
        throw new VersionConflictException(key, expectedVersion, what + ": lost the race to concurrent writers "
                + MAX_ATTEMPTS + " times");
    }

    @Override
    public boolean delete(String key, long expectedVersion, long fenceEpoch) {
        String what = "delete " + namespace + "/" + key;
        int version = expectedVersion == StateStore.ANY ? -1 : expectedVersion(key, expectedVersion);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ZkElection.Fence fence = fenceEpoch > 0 ? b.fence(fenceEpoch, what) : ZkElection.Fence.NONE;
            List<Op> ops = new ArrayList<>(fence.ops());
            NamespaceFence nsFence = fenceEpoch > 0 ? namespaceFence(fenceEpoch, what) : null;
            if (nsFence != null) {
                ops.add(nsFence.op(nsPath, fenceEpoch));
            }
            ops.add(Op.delete(path(key), version));
            try {
                List<OpResult> results = b.multi(ops, fence, what);
                accepted(nsFence, fenceEpoch, results, fence.ops().size());
                return true;
            } catch (KeeperException e) {
                if (namespaceFenceFailed(nsFence, e, fence.ops().size())) {
                    continue;
                }
                KeeperException.Code code = ZooKeeperBackend.failedCode(e);
                if (code == KeeperException.Code.NONODE) {
                    return false;
                }
                throw conflict(key, expectedVersion, code, e);
            }
        }
        throw new VersionConflictException(key, expectedVersion, what + ": the namespace's fence kept changing "
                + MAX_ATTEMPTS + " times");
    }

    /**
     * The highest fence epoch this namespace accepted, with the version of the namespace znode that records it:
     * cached from the last fenced write (or read once), so a fenced write costs no extra round trip. The cache may
     * be behind, never ahead (the record only grows): a write checks the version it holds, and a stale one fails that
     * check, is read again and retried.
     */
    private record NamespaceFence(long epoch, int version) {
        /** The op that carries the rule for a write at {@code writeEpoch} (never lower than {@link #epoch}). */
        Op op(String nsPath, long writeEpoch) {
            return writeEpoch == epoch ? Op.check(nsPath, version)
                    : Op.setData(nsPath, Records.namespaceFence(writeEpoch), version);
        }
    }

    private volatile NamespaceFence nsFence;

    /**
     * The namespace's fence, checked against a write at {@code epoch}.
     *
     * @throws LeadershipLostException if the namespace accepted a higher fence (nothing is sent)
     */
    private NamespaceFence namespaceFence(long epoch, String what) {
        NamespaceFence f = nsFence;
        if (f == null) {
            f = readNamespaceFence(what);
        }
        if (epoch < f.epoch()) {
            throw new LeadershipLostException(what + ": fenced write at epoch " + epoch + " refused; namespace "
                    + namespace + " has accepted a write at epoch " + f.epoch());
        }
        return f;
    }

    private NamespaceFence readNamespaceFence(String what) {
        ensureNamespace();
        Stat stat = new Stat();
        byte[] data;
        try {
            data = b.bounded(what, zk -> zk.getData(nsPath, false, stat));
        } catch (KeeperException.NoNodeException e) {
            nsCreated = false;
            ensureNamespace();
            return readNamespaceFence(what);
        } catch (KeeperException e) {
            throw b.readFailure(what, e);
        }
        long epoch = Records.namespaceFence(data).orElseThrow(() -> new CorruptValueException(what + ": the znode of "
                + "namespace " + namespace + " (" + nsPath + ") holds data that is not HAKit's fence record; fenced "
                + "writes are refused until it is removed"));
        NamespaceFence f = new NamespaceFence(epoch, stat.getVersion());
        nsFence = f;
        return f;
    }

    /** Remembers the namespace's fence after a fenced write was applied. */
    private void accepted(NamespaceFence used, long epoch, List<OpResult> results, int at) {
        if (used != null && results.get(at) instanceof OpResult.SetDataResult) {
            nsFence = new NamespaceFence(epoch, ((OpResult.SetDataResult) results.get(at)).getStat().getVersion());
        }
    }

    /**
     * Whether a multi-op failed on its namespace-fence op (the cache was stale, or the namespace znode went); the
     * cache is then dropped and the caller retries, which reads the fence again.
     */
    private boolean namespaceFenceFailed(NamespaceFence used, KeeperException e, int at) {
        if (used == null || ZooKeeperBackend.failedOp(e) != at) {
            return false;
        }
        nsFence = null;
        if (ZooKeeperBackend.failedCode(e) == KeeperException.Code.NONODE) {
            nsCreated = false;
            ensureNamespace();
        }
        return true;
    }

    /**
     * {@code expected} as a znode version.
     *
     * @throws IllegalArgumentException if no znode can be at that version (ZooKeeper's versions are 32-bit)
     */
    static int expectedVersion(String key, long expected) {
        if (expected < 0 || expected > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("expected version " + expected + " of key '" + key + "' is above "
                    + Integer.MAX_VALUE + ", the highest version a ZooKeeper znode can have; no key is at it");
        }
        return (int) expected;
    }

    /**
     * {@code expected} as the version a setData may be conditional on.
     *
     * @throws IllegalArgumentException as {@link #expectedVersion(String, long)}
     * @throws IllegalStateException if the write would wrap the key's version past {@link Integer#MAX_VALUE}
     */
    static int writableVersion(String key, long expected) {
        int v = expectedVersion(key, expected);
        if (v == Integer.MAX_VALUE) {
            throw new IllegalStateException("key '" + key + "' is at version " + v + ", the highest ZooKeeper "
                    + "counts to; another write would wrap its version. Delete the key and create it again");
        }
        return v;
    }

    /**
     * A znode's version as a key's version.
     *
     * @throws CorruptValueException if the version has wrapped (written by something other than this store)
     */
    static long readVersion(String key, Stat stat) {
        int v = stat.getVersion();
        if (v < 0) {
            throw new CorruptValueException("key '" + key + "' has version " + v + ": its znode's 32-bit version "
                    + "wrapped after " + Integer.MAX_VALUE + " writes, so versions no longer increase; delete the key "
                    + "and create it again");
        }
        return v;
    }

    private RuntimeException conflict(String key, long expected, KeeperException.Code code, KeeperException e) {
        switch (code) {
            case BADVERSION:
                return new VersionConflictException(key, expected, "key '" + key + "' is not at version " + expected);
            case NODEEXISTS:
                return new VersionConflictException(key, expected, "key '" + key + "' already exists");
            case NONODE:
                return new VersionConflictException(key, expected, "key '" + key + "' does not exist (expected "
                        + "version " + expected + ")");
            default:
                return b.readFailure("write of key '" + key + "' (" + code + ")", e);
        }
    }

    private void ensureNamespace() {
        if (!nsCreated) {
            b.ensurePath(nsPath);
            nsCreated = true;
        }
    }

    @Override
    public Subscription watch(String prefix, Consumer<StoreEvent> listener) {
        return b.watchStore(namespace, prefix, listener);
    }
}
