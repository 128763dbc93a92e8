package io.hakit.keepalive;

import java.util.Objects;

/**
 * One role transition of a node: from, to, the epoch it holds after the change, and why (for logs, hooks and
 * operators). Immutable.
 */
public final class RoleChange {

    private final Role from;
    private final Role to;
    private final long epoch;
    private final String reason;

    /**
     * A role change as the node reports it; public so that a listener can be tested without a node.
     *
     * @param from   the role before
     * @param to     the role after
     * @param epoch  the node's epoch after the change
     * @param reason why, for logs, hooks and operators, such as {@code health check failed: ...}
     * @throws NullPointerException if {@code from}, {@code to} or {@code reason} is null
     */
    public RoleChange(Role from, Role to, long epoch, String reason) {
        this.from = Objects.requireNonNull(from, "from");
        this.to = Objects.requireNonNull(to, "to");
        this.epoch = epoch;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * The role the node left.
     *
     * @return the role before the change; STOPPED for the first change of a node
     */
    public Role from() {
        return from;
    }

    /**
     * The role the node entered.
     *
     * @return the role after the change; it may already have changed again when a listener looks
     */
    public Role to() {
        return to;
    }

    /**
     * The node's epoch after the change: a promotion always carries a higher epoch than any seen before.
     *
     * @return the epoch
     */
    public long epoch() {
        return epoch;
    }

    /**
     * Why the role changed, in words for logs, notify commands and operators.
     *
     * @return the reason, never null
     */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return from + " -> " + to + " at epoch " + epoch + " (" + reason + ")";
    }
}
