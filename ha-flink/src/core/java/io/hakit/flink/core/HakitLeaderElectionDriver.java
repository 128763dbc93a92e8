package io.hakit.flink.core;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import org.apache.flink.runtime.leaderelection.LeaderElectionDriver;
import org.apache.flink.runtime.leaderelection.LeaderInformation;
import org.apache.flink.util.concurrent.ExecutorThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Flink's {@link LeaderElectionDriver} on one HAKit process: one HAKit election ({@link HakitProcess#PROCESS_COMPONENT})
 * grants and revokes the whole JobManager, and each of Flink's components (dispatcher, resource manager, REST endpoint,
 * each job) publishes its address under its own id with {@link LeaderElection#confirmLeadership}, fenced by the
 * backend. Flink's leader session id is HAKit's session id, so Flink's RPC fencing tokens follow HAKit's grants.
 *
 * <p><b>Threading.</b> HAKit's grants and revokes reach Flink's listener in order on one thread of this driver, never
 * on HAKit's event thread: Flink's listener takes Flink's lock, and Flink calls {@link #deleteLeaderInformation}
 * holding it, which waits for HAKit's event thread. A grant or revoke that arrives after {@link #close()} is dropped.
 * Publishing runs on the caller's thread and waits for the backend (as Flink's own drivers do).
 */
final class HakitLeaderElectionDriver implements LeaderElectionDriver {

    private static final Logger LOG = LoggerFactory.getLogger(HakitLeaderElectionDriver.class);

    /** A component's election only publishes: grants and revokes reach Flink through the process election. */
    private static final LeaderContender PUBLISHER = new LeaderContender() {
        @Override
        public void grantLeadership(LeaderSession session) {
        }

        @Override
        public void revokeLeadership() {
        }
    };

    private final HakitProcess process;
    private final HaServices ha;
    private final Listener listener;
    private final ExecutorService relay;
    private final LeaderElection election;
    private final Map<String, LeaderElection> components = new ConcurrentHashMap<>();
    private volatile boolean closed;

    HakitLeaderElectionDriver(HakitProcess process, Listener listener) {
        this.process = process;
        this.ha = process.services();
        this.listener = listener;
        this.relay = Executors.newSingleThreadExecutor(new ExecutorThreadFactory("hakit-flink-leader-events-"
                + ha.config().nodeId()));
        this.election = ha.leaderElection(HakitProcess.PROCESS_COMPONENT);
        process.attach(election);
        election.startLeaderElection(new LeaderContender() {
            @Override
            public void grantLeadership(LeaderSession session) {
                LOG.info("HAKit process {} leads the JobManager at epoch {} (Flink leader session {})",
                        ha.config().nodeId(), session.epoch(), session.id());
                relay(() -> listener.onGrantLeadership(session.id()));
            }

            @Override
            public void revokeLeadership() {
                LOG.info("HAKit process {} no longer leads the JobManager", ha.config().nodeId());
                relay(listener::onRevokeLeadership);
            }

            @Override
            public void handleError(Throwable error) {
                relay(() -> listener.onError(error));
            }
        });
    }

    private void relay(Runnable event) {
        if (closed) {
            return;
        }
        try {
            relay.execute(() -> {
                if (!closed) {
                    event.run();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    @Override
    public boolean hasLeadership() {
        return election.currentSession().isPresent();
    }

    @Override
    public void publishLeaderInformation(String componentId, LeaderInformation info) {
        if (info.isEmpty()) {
            deleteLeaderInformation(componentId);
            return;
        }
        UUID flinkSession = info.getLeaderSessionID();
        Optional<LeaderSession> session = election.currentSession().filter(s -> s.id().equals(flinkSession));
        if (session.isEmpty()) {
            LOG.debug("{}: not publishing {} for session {}: no longer the current leadership", ha.config().nodeId(),
                    componentId, flinkSession);
            return;
        }
        try {
            LeaderElection component = components.computeIfAbsent(componentId, id -> {
                LeaderElection e = ha.leaderElection(id);
                e.startLeaderElection(PUBLISHER);
                return e;
            });
            if (!component.confirmLeadership(session.get(), info.getLeaderAddress())) {
                LOG.debug("{}: publishing {} at epoch {} was refused: the leadership ended meanwhile",
                        ha.config().nodeId(), componentId, session.get().epoch());
            }
        } catch (RuntimeException e) {
            relay(() -> listener.onError(e));
        }
    }

    @Override
    public void deleteLeaderInformation(String componentId) {
        LeaderElection component = components.remove(componentId);
        if (component != null) {
            component.close();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (String id : components.keySet()) {
            deleteLeaderInformation(id);
        }
        process.detach(election);
        election.close();
        relay.shutdown();
    }

    @Override
    public String toString() {
        return "HakitLeaderElectionDriver{" + ha.config().nodeId() + "}";
    }
}
