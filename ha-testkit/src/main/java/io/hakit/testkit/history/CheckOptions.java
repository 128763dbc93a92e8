package io.hakit.testkit.history;

/**
 * Options of {@link LeadershipHistory#check(CheckOptions)}. Immutable; start from {@link #defaults()} and derive
 * variants with the {@code with...} methods.
 */
public final class CheckOptions {

    private static final CheckOptions DEFAULTS = new CheckOptions(false, true);

    private final boolean strictExclusion;
    private final boolean globalGrantOrder;

    private CheckOptions(boolean strictExclusion, boolean globalGrantOrder) {
        this.strictExclusion = strictExclusion;
        this.globalGrantOrder = globalGrantOrder;
    }

    /**
     * Strict exclusion off, global grant order on.
     *
     * @return the default options (the same instance every time)
     */
    public static CheckOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Whether overlapping leadership intervals (see {@link LeadershipHistory#overlaps()}) are reported as
     * {@link Violation.Kind#OVERLAPPING_LEADERS}. Default false, because an old leader may legitimately learn of its
     * revoke after the new leader's grant; fencing is what keeps that window safe. Turn it on only for a backend and
     * scenario where the old leader's revoke is always recorded before the next grant (for example an in-process
     * backend that revokes synchronously before granting).
     *
     * @return whether overlapping leaders are violations; default false
     */
    public boolean strictExclusion() {
        return strictExclusion;
    }

    /**
     * Returns a copy with {@link #strictExclusion()} set.
     *
     * @param strictExclusion whether overlapping leadership intervals are violations
     * @return new options; these are unchanged
     */
    public CheckOptions withStrictExclusion(boolean strictExclusion) {
        return new CheckOptions(strictExclusion, globalGrantOrder);
    }

    /**
     * Whether grants must have strictly increasing epochs across all contenders in record order (true, the default)
     * or only per contender (false). The global rule assumes each contender records its grant inside its grant
     * callback and that a backend never delivers a grant whose epoch was already superseded when it was recorded.
     * Hazard: a contender whose callback executor is stalled (a GC pause, an overloaded test machine) may record an
     * old grant after a newer one was recorded; switch this off for randomized campaigns where that can happen and
     * rely on the fencing checks instead.
     *
     * @return whether grant epochs must increase across all contenders; default true
     */
    public boolean globalGrantOrder() {
        return globalGrantOrder;
    }

    /**
     * Returns a copy with {@link #globalGrantOrder()} set.
     *
     * @param globalGrantOrder true to check grant epochs across all contenders, false per contender only
     * @return new options; these are unchanged
     */
    public CheckOptions withGlobalGrantOrder(boolean globalGrantOrder) {
        return new CheckOptions(strictExclusion, globalGrantOrder);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CheckOptions)) {
            return false;
        }
        CheckOptions that = (CheckOptions) o;
        return strictExclusion == that.strictExclusion && globalGrantOrder == that.globalGrantOrder;
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(strictExclusion) * 31 + Boolean.hashCode(globalGrantOrder);
    }

    @Override
    public String toString() {
        return "CheckOptions{strictExclusion=" + strictExclusion + ", globalGrantOrder=" + globalGrantOrder + "}";
    }
}
