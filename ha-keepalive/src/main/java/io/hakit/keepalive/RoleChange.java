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

    public RoleChange(Role from, Role to, long epoch, String reason) {
        this.from = Objects.requireNonNull(from, "from");
        this.to = Objects.requireNonNull(to, "to");
        this.epoch = epoch;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Role from() {
        return from;
    }

    public Role to() {
        return to;
    }

    /** The node's epoch after the change: a promotion always carries a higher epoch than any seen before. */
    public long epoch() {
        return epoch;
    }

    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return from + " -> " + to + " at epoch " + epoch + " (" + reason + ")";
    }
}
