package io.hakit.flink.core;

import org.apache.flink.runtime.leaderelection.LeaderContender;
import org.apache.flink.runtime.leaderelection.LeaderElection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link LeaderElection} HAKit's HA services hand to Flink's components: Flink's own, except that once closed it
 * answers {@link #confirmLeadershipAsync} with a completed future and {@link #hasLeadershipAsync} with false instead
 * of passing them on.
 *
 * <p>Why: Flink's {@code DefaultLeaderElectionService} refuses the confirmation of a component that is no longer
 * registered with an {@link IllegalArgumentException} thrown at once, and {@code DefaultDispatcherRunner} passes its
 * new leader process's address to {@code confirmLeadershipAsync} under {@code FutureUtils.assertNoException}. So a
 * leadership granted just before the runner closed (a JobManager shutting down while the leadership comes to it, as
 * when the whole cluster stops at once) ended the JVM through Flink's {@code FatalExitExceptionHandler} (exit code
 * 239) as the address arrived. A confirmation after the close confirms nothing any more: the component is gone.
 *
 * <p>Thread-safe. Not API: shared by the Flink 2.3 and 1.20 adapters.
 */
public final class CloseGuardedLeaderElection implements LeaderElection {

    private static final Logger LOG = LoggerFactory.getLogger(CloseGuardedLeaderElection.class);

    private final LeaderElection delegate;
    private final String componentId;
    private final Object lock = new Object();
    private boolean closed;

    /**
     * Guards {@code delegate}.
     *
     * @param delegate    the election Flink created for the component
     * @param componentId the component's id, for the log
     */
    public CloseGuardedLeaderElection(LeaderElection delegate, String componentId) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.componentId = Objects.requireNonNull(componentId, "componentId");
    }

    @Override
    public void startLeaderElection(LeaderContender contender) throws Exception {
        delegate.startLeaderElection(contender);
    }

    @Override
    public CompletableFuture<Void> confirmLeadershipAsync(UUID leaderSessionId, String leaderAddress) {
        synchronized (lock) { // a close cannot remove the component between the check and the call
            if (closed) {
                LOG.debug("HAKit: leader session {} of {} confirmed after its election closed: ignored",
                        leaderSessionId, componentId);
                return CompletableFuture.completedFuture(null);
            }
            return delegate.confirmLeadershipAsync(leaderSessionId, leaderAddress);
        }
    }

    @Override
    public CompletableFuture<Boolean> hasLeadershipAsync(UUID leaderSessionId) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.completedFuture(false);
            }
            return delegate.hasLeadershipAsync(leaderSessionId);
        }
    }

    @Override
    public void close() throws Exception {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        delegate.close();
    }
}
