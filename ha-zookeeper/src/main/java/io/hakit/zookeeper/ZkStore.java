package io.hakit.zookeeper;

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

/** The state store of one namespace: one persistent znode per key under {@code stores/<namespace>}. */
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
            return Optional.of(new Versioned(key, data == null ? new byte[0] : data, stat.getVersion()));
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
        ensureNamespace();
        String path = path(key);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            ZkElection.Fence fence = fenceEpoch > 0 ? b.fence(fenceEpoch, what) : ZkElection.Fence.NONE;
            b.checkSession(fence, what);
            List<Op> ops = new ArrayList<>(fence.ops());
            boolean create;
            if (expectedVersion == StateStore.NEW) {
                create = true;
            } else if (expectedVersion == StateStore.ANY) {
                try {
                    create = b.bounded(what, zk -> zk.exists(path, false)) == null;
                } catch (KeeperException e) {
                    throw b.readFailure(what, e);
                }
            } else {
                create = false;
            }
            ops.add(create ? Op.create(path, record, b.acl, CreateMode.PERSISTENT)
                    : Op.setData(path, record, expectedVersion == StateStore.ANY ? -1 : (int) expectedVersion));
            try {
                List<OpResult> results = b.multi(ops, fence, what);
                OpResult last = results.get(results.size() - 1);
                return last instanceof OpResult.SetDataResult ? ((OpResult.SetDataResult) last).getStat().getVersion()
                        : 0;
            } catch (KeeperException e) {
                KeeperException.Code code = ZooKeeperBackend.failedCode(e);
                if (expectedVersion == StateStore.ANY
                        && (code == KeeperException.Code.NODEEXISTS || code == KeeperException.Code.NONODE)) {
                    continue; // created or deleted concurrently: decide again
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
        ZkElection.Fence fence = fenceEpoch > 0 ? b.fence(fenceEpoch, what) : ZkElection.Fence.NONE;
        List<Op> ops = new ArrayList<>(fence.ops());
        ops.add(Op.delete(path(key), expectedVersion == StateStore.ANY ? -1 : (int) expectedVersion));
        try {
            b.multi(ops, fence, what);
            return true;
        } catch (KeeperException e) {
            KeeperException.Code code = ZooKeeperBackend.failedCode(e);
            if (code == KeeperException.Code.NONODE) {
                return false;
            }
            throw conflict(key, expectedVersion, code, e);
        }
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

    /** Deletes the namespace's znode unless a key was written since; the shared cache keeps watching the path. */
    @Override
    public void removeIfEmpty() {
        String what = "remove namespace " + namespace;
        try {
            b.bounded(what, zk -> {
                zk.delete(nsPath, -1);
                return null;
            });
        } catch (KeeperException.NoNodeException | KeeperException.NotEmptyException e) {
            // gone already, or a key was written since: it stays
        } catch (KeeperException e) {
            throw b.readFailure(what, e);
        }
        nsCreated = false;
    }

    @Override
    public Subscription watch(String prefix, Consumer<StoreEvent> listener) {
        return b.watchStore(namespace, prefix, listener);
    }
}
