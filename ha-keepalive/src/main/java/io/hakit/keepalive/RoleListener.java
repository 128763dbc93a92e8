package io.hakit.keepalive;

/**
 * Told about every role change of a node.
 *
 * <p><b>Threading contract.</b> Called on the node's own serial thread, one change at a time, in order, never while
 * the node holds a lock. A listener that blocks delays the node's reaction to its peer: finish quickly or hand the
 * work to another thread. An ACTIVE listener runs before the node announces itself active to its peer only in the
 * sense that both happen on that thread; do not rely on more. The role may have changed again by the time a slow
 * listener looks.
 */
@FunctionalInterface
public interface RoleListener {

    /**
     * The node's role changed. Called under the threading contract above; an exception thrown here is logged and
     * does not stop the node or the other listeners.
     *
     * @param change from which role to which, at which epoch, and why
     */
    void roleChanged(RoleChange change);

    /**
     * This node is still ACTIVE at {@code epoch} after a split brain ended (the peer, also active meanwhile, stepped
     * down): whatever the peer announced while it was active (gratuitous ARP, a DNS record) should be announced
     * again. Called on the same thread and under the same contract as {@link #roleChanged}. Does nothing by default.
     *
     * @param epoch this node's epoch, the one it stayed active at
     */
    default void splitBrainResolved(long epoch) {
    }
}
