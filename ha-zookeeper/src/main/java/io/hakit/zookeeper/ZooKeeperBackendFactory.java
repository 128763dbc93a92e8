package io.hakit.zookeeper;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.HaBackendFactory;

import java.util.List;

/**
 * {@code high-availability.type=zookeeper}: HAKit on Apache ZooKeeper through Curator. See {@link ZooKeeperOptions}
 * for the keys.
 *
 * <h2>Layout</h2> Under {@code <path.root>/<cluster-id>}:
 * <ul>
 *   <li>{@code election/latch-NNNNNNNNNN}: one ephemeral sequential znode per contending process; the lowest leads,
 *   at epoch NNNNNNNNNN + 1. ZooKeeper's sequence numbers only grow, so epochs strictly increase from grant to grant
 *   and no two contenders ever share one.
 *   <li>{@code leaders/<component>}: ephemeral leader information (epoch, session id, address).
 *   <li>{@code stores/<namespace>/<key>}: persistent state, {@code /} in keys written as {@code %}.
 * </ul>
 *
 * <h2>Safety</h2> Every leader-only write (publishing leader information, fenced store writes) is one ZooKeeper
 * multi-op that first checks that the writer's latch node exists, sent only in the ZooKeeper session that owns that
 * node. While it does, no other process can be the lowest and lead; a leader that released, was superseded or whose
 * session is gone has lost that node and can never write. A latch node whose session the client has given up (it
 * lingers on the servers until they expire it) never leads, and a write of its leadership is
 * {@link io.hakit.api.LeadershipLostException} before anything is sent.
 * Writes are
 * sent once, never retried blindly: a connection loss after sending raises
 * {@link io.hakit.api.UnknownOutcomeException} (a blind retry could turn an applied write into a false conflict).
 * Reads are retried with Curator's exponential backoff, and {@code get}/{@code list} first {@code sync} the
 * connected server with the ensemble's leader, so a read sees every write committed before it by any process
 * (plain ZooKeeper reads may lag behind other clients' writes; a new leader must not read a stale checkpoint). Retrieval and store watches share one {@code CuratorCache}
 * on the cluster root per process.
 */
public final class ZooKeeperBackendFactory implements HaBackendFactory {

    /**
     * Called by {@link java.util.ServiceLoader} when {@code high-availability.type} is {@code zookeeper}; there is no
     * need to call it directly. Stateless: each {@link #create} connects a backend of its own.
     */
    public ZooKeeperBackendFactory() {
    }

    @Override
    public String type() {
        return "zookeeper";
    }

    @Override
    public List<ConfigOption> options() {
        return ZooKeeperOptions.OPTIONS;
    }

    @Override
    public HaBackend create(HaConfig config, BackendEvents events) {
        return ZooKeeperBackend.connect(config, ZooKeeperOptions.of(config), events);
    }
}
