package io.hakit.testkit.junit.internal;

import io.hakit.api.Counter;
import io.hakit.api.ConnectionState;
import io.hakit.api.ConnectionStateListener;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderRetrievalListener;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.api.Subscription;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.testkit.history.LeadershipHistory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the processes of one test believe about leadership, as their contenders are told: every process's
 * {@link HaServices} is wrapped so that each contender's grant and revoke are recorded into the test's
 * {@link LeadershipHistory} (once per process and session: all components of a process share one election) before
 * the user's contender hears of them. The harness reads it to know who leads.
 *
 * <p>Thread-safe: callbacks come from each process's event executor, queries from the test's thread.
 */
public final class Recording {

    private final LeadershipHistory history;
    // guarded by this
    private final Map<String, ProcessState> processes = new LinkedHashMap<>();

    /** Records into {@code history}. */
    public Recording(LeadershipHistory history) {
        this.history = history;
    }

    /** The history the grants and revokes go into. */
    public LeadershipHistory history() {
        return history;
    }

    /** Wraps a process's services; the wrapper records its contenders' grants and revokes. */
    public synchronized HaServices wrap(HaServices process) {
        String node = process.config().nodeId();
        processes.put(node, new ProcessState());
        return new Services(process, node);
    }

    /** Whether {@code node}'s contenders believe they lead (some component holds a grant not yet revoked). */
    public synchronized boolean leads(String node) {
        ProcessState p = processes.get(node);
        return p != null && p.recorded != null;
    }

    /** The session {@code node} believes it leads with, if any. */
    public synchronized Optional<LeaderSession> session(String node) {
        ProcessState p = processes.get(node);
        return Optional.ofNullable(p == null ? null : p.recorded);
    }

    /** The processes that believe they lead, in the order they were started. */
    public synchronized List<String> leaders() {
        List<String> out = new ArrayList<>();
        processes.forEach((node, p) -> {
            if (p.recorded != null) {
                out.add(node);
            }
        });
        return out;
    }

    /** Whether {@code node} has an election started and not closed. */
    public synchronized boolean contends(String node) {
        ProcessState p = processes.get(node);
        return p != null && !p.contending.isEmpty();
    }

    /** The processes with an election started and not closed, in the order they were started. */
    public synchronized List<String> contenders() {
        List<String> out = new ArrayList<>();
        processes.forEach((node, p) -> {
            if (!p.contending.isEmpty()) {
                out.add(node);
            }
        });
        return out;
    }

    /** How many times {@code node}'s leadership has ended so far (revokes recorded). */
    public synchronized int revocations(String node) {
        ProcessState p = processes.get(node);
        return p == null ? 0 : p.revocations;
    }

    /** A description for messages: who believes it leads, at which epoch, who contends. */
    public synchronized String describe() {
        StringBuilder sb = new StringBuilder();
        processes.forEach((node, p) -> sb.append(sb.length() == 0 ? "" : ", ").append(node).append(' ')
                .append(p.recorded != null ? "leads at epoch " + p.recorded.epoch()
                        : p.contending.isEmpty() ? "does not contend" : "follows"));
        return sb.length() == 0 ? "no process" : sb.toString();
    }

    private synchronized void started(String node, String component) {
        processes.get(node).contending.add(component);
    }

    private synchronized void stopped(String node, String component) {
        processes.get(node).contending.remove(component);
    }

    private synchronized void granted(String node, String component, LeaderSession session) {
        ProcessState p = processes.get(node);
        p.held.put(component, session);
        if (!session.equals(p.recorded)) {
            if (p.recorded != null) {
                // a newer grant before the old one's revoke reached every component
                history.revoked(node, p.recorded);
                p.revocations++;
            }
            history.granted(node, session);
            p.recorded = session;
        }
    }

    private synchronized void revoked(String node, String component) {
        ProcessState p = processes.get(node);
        LeaderSession s = p.held.remove(component);
        if (s != null && s.equals(p.recorded) && !p.held.containsValue(s)) {
            history.revoked(node, s);
            p.recorded = null;
            p.revocations++;
        }
    }

    /** One process's state. */
    private static final class ProcessState {
        final Map<String, LeaderSession> held = new HashMap<>();
        final Set<String> contending = new HashSet<>();
        LeaderSession recorded;
        int revocations;
    }

    /** A process's services whose elections record. */
    private final class Services implements HaServices {
        private final HaServices delegate;
        private final String node;

        Services(HaServices delegate, String node) {
            this.delegate = delegate;
            this.node = node;
        }

        @Override
        public HaConfig config() {
            return delegate.config();
        }

        @Override
        public LeaderElection leaderElection(String componentId) {
            return new Election(delegate.leaderElection(componentId), node);
        }

        @Override
        public Subscription watchLeader(String componentId, LeaderRetrievalListener listener) {
            return delegate.watchLeader(componentId, listener);
        }

        @Override
        public StateStore stateStore(String namespace) {
            return delegate.stateStore(namespace);
        }

        @Override
        public Counter counter(String name) {
            return delegate.counter(name);
        }

        @Override
        public Counter counter(String name, long initialValue) {
            return delegate.counter(name, initialValue);
        }

        @Override
        public int deleteNamespace(String namespace) {
            return delegate.deleteNamespace(namespace);
        }

        @Override
        public int deleteNamespace(LeaderSession session, String namespace) {
            return delegate.deleteNamespace(session, namespace);
        }

        @Override
        public ConnectionState connectionState() {
            return delegate.connectionState();
        }

        @Override
        public Subscription addConnectionStateListener(ConnectionStateListener listener) {
            return delegate.addConnectionStateListener(listener);
        }

        @Override
        public AlarmRegistry alarms() {
            return delegate.alarms();
        }

        @Override
        public void closeAndDeleteAllData() {
            delegate.closeAndDeleteAllData();
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }

    /** A component's election whose contender records. */
    private final class Election implements LeaderElection {
        private final LeaderElection delegate;
        private final String node;

        Election(LeaderElection delegate, String node) {
            this.delegate = delegate;
            this.node = node;
        }

        @Override
        public String componentId() {
            return delegate.componentId();
        }

        @Override
        public void startLeaderElection(LeaderContender contender) {
            String component = delegate.componentId();
            started(node, component);
            try {
                delegate.startLeaderElection(new Contender(contender, node, component));
            } catch (RuntimeException e) {
                stopped(node, component);
                throw e;
            }
        }

        @Override
        public boolean confirmLeadership(LeaderSession session, String address) {
            return delegate.confirmLeadership(session, address);
        }

        @Override
        public boolean hasLeadership(LeaderSession session) {
            return delegate.hasLeadership(session);
        }

        @Override
        public Optional<LeaderSession> currentSession() {
            return delegate.currentSession();
        }

        @Override
        public void close() {
            try {
                delegate.close();
            } finally {
                stopped(node, delegate.componentId());
            }
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }

    /** The user's contender, its grants and revokes recorded before it hears of them. */
    private final class Contender implements LeaderContender {
        private final LeaderContender delegate;
        private final String node;
        private final String component;

        Contender(LeaderContender delegate, String node, String component) {
            this.delegate = delegate;
            this.node = node;
            this.component = component;
        }

        @Override
        public void grantLeadership(LeaderSession session) {
            granted(node, component, session);
            delegate.grantLeadership(session);
        }

        @Override
        public void revokeLeadership() {
            revoked(node, component);
            delegate.revokeLeadership();
        }

        @Override
        public void handleError(Throwable error) {
            delegate.handleError(error);
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
