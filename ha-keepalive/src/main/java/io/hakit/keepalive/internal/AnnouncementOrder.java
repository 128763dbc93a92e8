package io.hakit.keepalive.internal;

/**
 * What the peer said, in the order it said it. Both nodes dial, so each message of the peer arrives twice, on two
 * connections read by different threads: a heartbeat sent before a role change can be taken after it, and for a moment
 * the peer would seem to be in the role it just left (an active node hearing its peer "active" again right after a
 * handover raises SPLIT_BRAIN for nothing). The peer numbers its heartbeats, role changes and goodbyes per process
 * ({@code incarnation}, a random number per start, and {@code order}); an announcement is taken only if its order is
 * above every one already taken from the same incarnation. A new incarnation (the peer restarted) starts over; order
 * 0 comes from a node that does not number (an older version) and is always taken.
 *
 * <p>Not thread-safe: the node's thread only.
 */
public final class AnnouncementOrder {

    private long incarnation;
    private long last;

    /**
     * Whether to take an announcement of the peer's, and if so remembers it as the latest.
     *
     * @param incarnation the peer process's number, from the message
     * @param order the announcement's number within that process; 0 when the peer does not number them
     * @return false if an announcement of the same incarnation with this order or a later one was already taken
     */
    public boolean take(long incarnation, long order) {
        if (order == 0) {
            return true;
        }
        if (incarnation != this.incarnation) {
            this.incarnation = incarnation;
            this.last = order;
            return true;
        }
        if (Long.compareUnsigned(order, last) <= 0) {
            return false;
        }
        last = order;
        return true;
    }
}
