package io.hakit.api;

/**
 * Observes what the core services do, for metrics: grants, revokes and confirmations of each component's leadership,
 * and every state store operation with its outcome and duration. Set one with {@link HaConfig.Builder#observer}; the
 * default, {@link #NONE}, does nothing and costs nothing (the services do not even read the ticker for it).
 * {@code io.hakit:ha-micrometer}'s {@code HaServicesMetrics} is one that records into a Micrometer registry. Connection
 * states and alarms have listeners of their own ({@link HaServices#addConnectionStateListener},
 * {@link io.hakit.api.alarm.AlarmRegistry#addListener}); {@link #started} hands the services over so that an
 * observer can use them.
 *
 * <p><b>Threading contract.</b> {@link #started} is called once, on the thread that creates the services, when they
 * are ready and before {@link HaServices#create} returns. The leadership methods are called on the services' serial
 * event executor (the thread that calls the contenders), one at a time, in the order of the changes, never while the
 * services hold a lock; a grant is reported right before the contender's {@code grantLeadership}, a revoke right
 * before its {@code revokeLeadership}. {@link #leadershipConfirmed}, {@link #storeOperation}, {@link #blobWritten}
 * and {@link #blobRead} are called on the thread that made the call, so concurrently from many threads, after the
 * operation ended and before it returns or throws. Every method must return quickly, must not block and should not
 * throw: it runs in the services' hot paths (what an observer throws is logged and otherwise ignored). Durations are
 * measured on {@link HaConfig#ticker()}.
 *
 * <p>Every method has an empty default, so an observer implements only what it needs.
 */
public interface HaObserver {

    /** The observer that does nothing: the default of {@link HaConfig.Builder#observer}. */
    HaObserver NONE = new HaObserver() {
        @Override
        public String toString() {
            return "HaObserver.NONE";
        }
    };

    /** What a state store operation was (a {@link Counter}'s operations count as the store operations they make). */
    enum StoreOperation {
        /** {@link StateStore#get}. */
        GET,
        /** {@link StateStore#list}. */
        LIST,
        /** {@link StateStore#put}, fenced or not. */
        PUT,
        /** {@link StateStore#delete}, fenced or not. */
        DELETE
    }

    /** How a state store operation ended. */
    enum StoreOutcome {
        /** It returned (a delete of a missing key, or a get of one, too). */
        SUCCESS,
        /** {@link VersionConflictException}: the expected version did not match. */
        CONFLICT,
        /** {@link LeadershipLostException}: the session was not current, or the backend had seen a higher epoch. */
        LEADERSHIP_LOST,
        /** {@link UnknownOutcomeException}: it may or may not have been applied. */
        UNKNOWN_OUTCOME,
        /** {@link BackendUnavailableException}: the backend or the blob store could not be reached; not applied. */
        UNAVAILABLE,
        /** {@link CorruptValueException}: a stored value failed its checks. */
        CORRUPT,
        /** Any other exception: a bad argument, a value above the size limit, an unexpected failure. */
        OTHER;

        /**
         * The outcome an exception thrown by a store operation stands for.
         *
         * @param e what the operation threw
         * @return its outcome; {@link #OTHER} for an exception of no HAKit kind
         */
        public static StoreOutcome of(Throwable e) {
            if (e instanceof VersionConflictException) {
                return CONFLICT;
            }
            if (e instanceof LeadershipLostException) {
                return LEADERSHIP_LOST;
            }
            if (e instanceof UnknownOutcomeException) {
                return UNKNOWN_OUTCOME;
            }
            if (e instanceof BackendUnavailableException) {
                return UNAVAILABLE;
            }
            if (e instanceof CorruptValueException) {
                return CORRUPT;
            }
            return OTHER;
        }
    }

    /**
     * The services are ready. Called once, before {@link HaServices#create} returns, on the creating thread.
     *
     * @param services the services this observer watches
     */
    default void started(HaServices services) {
    }

    /**
     * A component of this process was granted leadership.
     *
     * @param componentId the component
     * @param epoch the session's epoch
     * @param waitNanos how long the component waited for it: from its {@link LeaderElection#startLeaderElection} or
     *     its last revoke, whichever came later, to this grant
     */
    default void leadershipGranted(String componentId, long epoch, long waitNanos) {
    }

    /**
     * A component of this process lost the leadership it was granted (revoked by the backend, a connection state,
     * its lease, or closed).
     *
     * @param componentId the component
     * @param epoch the epoch of the session it held
     */
    default void leadershipRevoked(String componentId, long epoch) {
    }

    /**
     * A {@link LeaderElection#confirmLeadership} ended.
     *
     * @param componentId the component
     * @param epoch the epoch of the session it was called with
     * @param confirmed what it returned: false when the session was stale, or the backend refused it or failed
     * @param nanos how long it took, mostly the backend's write of the leader information
     */
    default void leadershipConfirmed(String componentId, long epoch, boolean confirmed, long nanos) {
    }

    /**
     * A state store operation ended (its blob transfer included). {@link HaServices#deleteNamespace} and
     * {@link StateStore#collectGarbage} are not reported.
     *
     * @param namespace the store's namespace
     * @param operation what it was
     * @param outcome how it ended
     * @param nanos how long it took
     */
    default void storeOperation(String namespace, StoreOperation operation, StoreOutcome outcome, long nanos) {
    }

    /**
     * A value too large to keep inline was written to the blob store.
     *
     * @param namespace the store's namespace
     * @param bytes the value's size
     */
    default void blobWritten(String namespace, long bytes) {
    }

    /**
     * A value kept in the blob store was read (and verified): by a get or list, or for a store watch's event (then on
     * the backend's thread that delivers the change).
     *
     * @param namespace the store's namespace
     * @param bytes the value's size
     */
    default void blobRead(String namespace, long bytes) {
    }
}
