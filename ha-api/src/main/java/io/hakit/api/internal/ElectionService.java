package io.hakit.api.internal;

import io.hakit.api.support.EventExecutor;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.hakit.api.ConnectionState;
import io.hakit.api.ConnectionStatePolicy;
import io.hakit.api.HaObserver;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.Ticker;
import io.hakit.api.spi.ElectionDriver;
import io.hakit.api.spi.HaBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The core of leader election for one process: one {@link ElectionDriver} shared by every component, sessions,
 * confirmation, the connection-state policy and the locally measured lease. All callbacks go through the
 * {@link EventExecutor}; state is guarded by {@link #lock}; user code is never called holding it.
 *
 * <p>The process contends while at least one component is started; it gives up leadership when the last one
 * closes. A revoking connection state closes the driver; the process contends again (a new driver, a new epoch)
 * once the connection is back.
 *
 * <p><b>The lease of a suspended connection.</b> When the policy keeps leadership through SUSPENDED, the suspension
 * gets one deadline, {@code min(suspension + lease-duration, suspension + the backend's bound)}, measured on the
 * ticker. Every leadership held during the suspension ends by it, whether it was granted before the suspension or
 * while suspended (a grant then does not get a fresh lease: the backend's session may expire at the same moment); a
 * grant handled after the deadline is not delivered, and a reconnection after the deadline does not revive the
 * leadership. {@link #currentSession()}, the components' {@code hasLeadership}/{@code currentSession}/
 * {@code confirmLeadership} and the local half of fenced writes read the ticker themselves, so the answer is right
 * even before the timed check has run.
 */
final class ElectionService {

    private static final Logger LOG = LoggerFactory.getLogger(ElectionService.class);

    private final Object lock = new Object();
    private final HaBackend backend;
    private final EventExecutor events;
    private final Ticker ticker;
    private final ConnectionStatePolicy policy;
    private final long leaseNanos;
    private final long retryNanos;
    private final long operationTimeoutNanos;
    private final String nodeId;
    private final LongConsumer onGrant;
    private final HaObserver observer;
    /** Whether {@link #observer} is a real one: without one, nothing reads the ticker for it. */
    private final boolean observed;

    @GuardedBy("lock")
    private final Map<String, Component> components = new LinkedHashMap<>();
    @GuardedBy("lock")
    private ElectionDriver driver;
    @GuardedBy("lock")
    private long generation;
    @GuardedBy("lock")
    private LeaderSession session;
    @GuardedBy("lock")
    private ConnectionState connectionState = ConnectionState.CONNECTED;
    // ticker reading when the lease of a suspended leader runs out; valid while suspended
    @GuardedBy("lock")
    private long suspendedLeaseDeadline;
    @GuardedBy("lock")
    private boolean closed;

    ElectionService(HaBackend backend, EventExecutor events, Ticker ticker, ConnectionStatePolicy policy,
            long leaseNanos, long retryNanos, long operationTimeoutNanos, String nodeId, LongConsumer onGrant,
            HaObserver observer) {
        this.backend = backend;
        this.events = events;
        this.ticker = ticker;
        this.policy = policy;
        this.leaseNanos = leaseNanos;
        this.retryNanos = retryNanos;
        this.operationTimeoutNanos = operationTimeoutNanos;
        this.nodeId = nodeId;
        this.onGrant = onGrant;
        this.observer = observer;
        this.observed = observer != HaObserver.NONE;
    }

    LeaderElection create(String componentId) {
        Names.id("componentId", componentId);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("HA services of " + nodeId + " are closed");
            }
            if (components.containsKey(componentId)) {
                throw new IllegalStateException("an election for component '" + componentId
                        + "' is already open in this process");
            }
            Component c = new Component(componentId);
            components.put(componentId, c);
            return c;
        }
    }

    /** The process's current session, if it leads. */
    Optional<LeaderSession> currentSession() {
        synchronized (lock) {
            return suspendedLeaseRanOutLocked() ? Optional.empty() : Optional.ofNullable(session);
        }
    }

    /** Whether the connection is suspended (under a policy that keeps leadership) and its local lease ran out. */
    @GuardedBy("lock")
    private boolean suspendedLeaseRanOutLocked() {
        return connectionState == ConnectionState.SUSPENDED && !policy.revokesOn(ConnectionState.SUSPENDED)
                && ticker.read() - suspendedLeaseDeadline >= 0;
    }

    /** Throws unless {@code s} is the process's current session (the local half of a fenced write). */
    void checkCurrent(LeaderSession s) {
        Objects.requireNonNull(s, "session");
        synchronized (lock) {
            if (s.equals(session) && suspendedLeaseRanOutLocked()) {
                throw new LeadershipLostException("session at epoch " + s.epoch() + " of " + nodeId + " ended: the "
                        + "local lease ran out while the connection was suspended");
            }
            if (!s.equals(session)) {
                throw new LeadershipLostException("session at epoch " + s.epoch() + " is not the current leadership of "
                        + nodeId + (session == null ? " (it does not lead)" : " (current epoch " + session.epoch() + ")"));
            }
        }
    }

    // ---------------------------------------------------------------- driver lifecycle

    /** Starts a driver if components want one and the connection allows it. Called holding no lock. */
    private void ensureDriver() {
        synchronized (lock) {
            if (closed || driver != null || components.values().stream().noneMatch(c -> c.contender != null)
                    || !connectionState.isConnected()) {
                return;
            }
            long gen = ++generation;
            try {
                driver = backend.startElection(new DriverListener(gen));
            } catch (RuntimeException e) {
                LOG.warn("{}: could not start contending, will retry when the connection changes", nodeId, e);
                events.schedule(this::ensureDriver, retryNanos);
            }
        }
    }

    /** Closes the driver and revokes locally. Runs on the event thread. */
    private void stopContending(String reason) {
        ElectionDriver old;
        List<Component> revoked;
        synchronized (lock) {
            old = driver;
            driver = null;
            generation++;
            revoked = clearSessionLocked();
        }
        if (!revoked.isEmpty()) {
            LOG.info("{}: leadership revoked ({})", nodeId, reason);
        }
        deliverRevokes(revoked);
        closeQuietly(old);
    }

    /** Ends the current session; returns the components that held it. */
    @GuardedBy("lock")
    private List<Component> clearSessionLocked() {
        List<Component> held = new ArrayList<>();
        if (session != null) {
            for (Component c : components.values()) {
                if (session.equals(c.granted)) {
                    c.granted = null;
                    held.add(c);
                }
            }
            session = null;
        }
        return held;
    }

    private void deliverRevokes(List<Component> revoked) {
        for (Component c : revoked) {
            LeaderContender contender = c.contender;
            if (contender != null) {
                c.observeRevoke();
                try {
                    contender.revokeLeadership();
                } catch (RuntimeException e) {
                    LOG.error("{}: contender of {} threw from revokeLeadership", nodeId, c.componentId, e);
                }
            }
        }
    }

    private void closeQuietly(ElectionDriver d) {
        if (d == null) {
            return;
        }
        try {
            d.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the election driver failed", nodeId, e);
        }
    }

    private final class DriverListener implements ElectionDriver.Listener {
        private final long gen;

        DriverListener(long gen) {
            this.gen = gen;
        }

        @Override
        public void onGrantLeadership(long epoch) {
            events.execute(() -> handleGrant(gen, epoch));
        }

        @Override
        public void onRevokeLeadership() {
            events.execute(() -> handleRevoke(gen));
        }

        @Override
        public void onError(Throwable error) {
            events.execute(() -> handleError(gen, error));
        }
    }

    private void handleGrant(long gen, long epoch) {
        LeaderSession s;
        List<Component> toGrant = new ArrayList<>();
        List<Component> revoked;
        long leaseCheck = -1;
        synchronized (lock) {
            if (gen != generation || closed) {
                return;
            }
            if (connectionState == ConnectionState.SUSPENDED && !policy.revokesOn(ConnectionState.SUSPENDED)) {
                long remaining = suspendedLeaseDeadline - ticker.read();
                if (remaining <= 0) {
                    leaseCheck = -2;
                } else {
                    // the grant holds only until the suspension's deadline, not for a lease of its own
                    leaseCheck = Math.min(remaining, retryNanos);
                }
            }
        }
        if (leaseCheck == -2) {
            // the backend's session may be gone by now: do not report it; contend again once reconnected
            stopContending("granted epoch " + epoch + " after the local lease of the suspended connection ran out");
            return;
        }
        synchronized (lock) {
            if (gen != generation || closed) {
                return;
            }
            if (session != null && session.epoch() >= epoch) {
                LOG.error("{}: backend granted epoch {} while holding epoch {}; ignoring the grant", nodeId, epoch,
                        session.epoch());
                return;
            }
            revoked = clearSessionLocked();
            s = LeaderSession.random(epoch);
            session = s;
            for (Component c : components.values()) {
                if (c.contender != null && !c.closed) {
                    c.granted = s;
                    toGrant.add(c);
                }
            }
        }
        deliverRevokes(revoked);
        LOG.info("{}: granted leadership at epoch {}", nodeId, epoch);
        onGrant.accept(epoch);
        for (Component c : toGrant) {
            c.deliverGrant(s);
        }
        if (leaseCheck >= 0) {
            events.schedule(this::checkSuspendedLease, leaseCheck);
        }
    }

    private void handleRevoke(long gen) {
        List<Component> revoked;
        synchronized (lock) {
            if (gen != generation || closed) {
                return;
            }
            revoked = clearSessionLocked();
        }
        if (!revoked.isEmpty()) {
            LOG.info("{}: leadership revoked by the backend", nodeId);
        }
        deliverRevokes(revoked);
    }

    private void handleError(long gen, Throwable error) {
        List<Component> all;
        synchronized (lock) {
            if (gen != generation || closed) {
                return;
            }
            all = new ArrayList<>(components.values());
        }
        for (Component c : all) {
            if (c.contender != null) {
                try {
                    c.contender.handleError(error);
                } catch (RuntimeException e) {
                    LOG.error("{}: contender of {} threw from handleError", nodeId, c.componentId, e);
                }
            }
        }
    }

    // ---------------------------------------------------------------- connection policy

    /** Applies the connection policy. Runs on the event thread. */
    void onConnectionState(ConnectionState state) {
        boolean revoke = state == ConnectionState.LOST || policy.revokesOn(state);
        long firstLeaseCheck = -1;
        boolean ranOutMeanwhile = false;
        synchronized (lock) {
            if (closed) {
                connectionState = state;
                return;
            }
            boolean keepsThroughSuspension = !policy.revokesOn(ConnectionState.SUSPENDED);
            // a reconnection after the suspension's lease ran out does not revive the leadership held through it
            ranOutMeanwhile = !revoke && state.isConnected() && session != null && suspendedLeaseRanOutLocked();
            if (!revoke && state == ConnectionState.SUSPENDED && keepsThroughSuspension
                    && connectionState != ConnectionState.SUSPENDED) {
                // one deadline per suspension, whether or not this process leads now: a grant handled while
                // suspended holds only until it
                long lease = backend.sessionLeaseAfterSuspend().map(d -> Math.min(d.toNanos(), leaseNanos))
                        .orElse(leaseNanos);
                suspendedLeaseDeadline = ticker.read() + lease;
                if (session != null) {
                    // the first check at the end of the lease if that comes before the next retry period: a
                    // backend's session lease (a part of a ZooKeeper session timeout) can be shorter than that
                    firstLeaseCheck = Math.max(0, Math.min(lease, retryNanos));
                }
            }
            connectionState = state;
        }
        if (revoke) {
            stopContending("connection " + state);
        } else if (ranOutMeanwhile) {
            stopContending("the local lease ran out while the connection was suspended, before it came back");
        }
        if (firstLeaseCheck >= 0) {
            LOG.info("{}: connection suspended; keeping leadership while the local lease holds", nodeId);
            events.schedule(this::checkSuspendedLease, firstLeaseCheck);
        }
        if (state.isConnected()) {
            ensureDriver();
        }
    }

    /** Revokes a suspended leader whose locally measured lease ran out. Runs on the event thread. */
    void checkSuspendedLease() {
        long remaining;
        synchronized (lock) {
            if (closed || connectionState != ConnectionState.SUSPENDED || session == null) {
                return;
            }
            remaining = suspendedLeaseDeadline - ticker.read();
        }
        if (remaining <= 0) {
            stopContending("the local lease ran out while suspended");
        } else {
            events.schedule(this::checkSuspendedLease, Math.min(remaining, retryNanos));
        }
    }

    // ---------------------------------------------------------------- shutdown

    /** Closes every component (revokes delivered) and the driver. */
    void close() {
        List<Component> all;
        synchronized (lock) {
            all = new ArrayList<>(components.values());
        }
        for (Component c : all) {
            c.close();
        }
        ElectionDriver d;
        synchronized (lock) {
            closed = true;
            d = driver;
            driver = null;
            generation++;
        }
        closeQuietly(d);
    }

    // ---------------------------------------------------------------- one component

    private final class Component implements LeaderElection {
        private final String componentId;
        // guarded by lock (of the enclosing instance; not checked by Error Prone)
        private LeaderContender contender;
        // guarded by lock (of the enclosing instance; not checked by Error Prone)
        private LeaderSession granted;
        // guarded by lock (of the enclosing instance; not checked by Error Prone)
        private boolean closed;
        // ticker reading since when it waits for leadership (started, or revoked); guarded by lock, as above
        private long waitingSince;
        // the epoch of the last grant reported to the observer and not revoked since, or -1; event thread only
        private long observedEpoch = -1;

        Component(String componentId) {
            this.componentId = componentId;
        }

        @Override
        public String componentId() {
            return componentId;
        }

        @Override
        public void startLeaderElection(LeaderContender c) {
            Objects.requireNonNull(c, "contender");
            LeaderSession current;
            synchronized (lock) {
                if (closed) {
                    throw new IllegalStateException("election of '" + componentId + "' is closed");
                }
                if (contender != null) {
                    throw new IllegalStateException("election of '" + componentId + "' is already started");
                }
                contender = c;
                if (observed) {
                    waitingSince = ticker.read();
                }
                current = session;
                if (current != null) {
                    granted = current;
                }
            }
            if (current != null) {
                events.execute(() -> deliverGrant(current));
            }
            ensureDriver();
        }

        /** Delivers a grant unless it went stale on the way. Runs on the event thread. */
        void deliverGrant(LeaderSession s) {
            LeaderContender c;
            long since;
            synchronized (lock) {
                if (closed || !s.equals(granted) || !s.equals(session)) {
                    return;
                }
                c = contender;
                since = waitingSince;
            }
            if (observed) {
                observedEpoch = s.epoch();
                try {
                    observer.leadershipGranted(componentId, s.epoch(), ticker.read() - since);
                } catch (RuntimeException e) {
                    LOG.error("{}: observer threw from leadershipGranted of {}", nodeId, componentId, e);
                }
            }
            try {
                c.grantLeadership(s);
            } catch (RuntimeException e) {
                LOG.error("{}: contender of {} threw from grantLeadership", nodeId, componentId, e);
            }
        }

        /**
         * Tells the observer that the grant it was told about is revoked, and starts the wait for the next one. Runs on
         * the event thread, right before the contender's revokeLeadership.
         */
        void observeRevoke() {
            if (!observed) {
                return;
            }
            synchronized (lock) {
                waitingSince = ticker.read();
            }
            long epoch = observedEpoch;
            if (epoch < 0) {
                return; // revoked before its grant was delivered: the observer never saw it
            }
            observedEpoch = -1;
            try {
                observer.leadershipRevoked(componentId, epoch);
            } catch (RuntimeException e) {
                LOG.error("{}: observer threw from leadershipRevoked of {}", nodeId, componentId, e);
            }
        }

        @Override
        public boolean confirmLeadership(LeaderSession s, String address) {
            if (!observed) {
                return confirm(s, address);
            }
            long start = ticker.read();
            boolean confirmed = false;
            try {
                confirmed = confirm(s, address);
                return confirmed;
            } finally {
                long took = ticker.read() - start;
                try {
                    observer.leadershipConfirmed(componentId, s == null ? 0 : s.epoch(), confirmed, took);
                } catch (RuntimeException e) {
                    LOG.error("{}: observer threw from leadershipConfirmed of {}", nodeId, componentId, e);
                }
            }
        }

        private boolean confirm(LeaderSession s, String address) {
            Objects.requireNonNull(s, "session");
            Names.address(address);
            ElectionDriver d;
            synchronized (lock) {
                if (closed || !s.equals(granted) || !s.equals(session) || driver == null
                        || suspendedLeaseRanOutLocked()) {
                    LOG.debug("{}: ignoring confirmation of {} with stale {}", nodeId, componentId, s);
                    return false;
                }
                d = driver;
            }
            try {
                d.publishLeaderInformation(s.epoch(), componentId, LeaderInformation.known(s, address));
                return true;
            } catch (LeadershipLostException e) {
                LOG.debug("{}: confirmation of {} at epoch {} refused by the backend: {}", nodeId, componentId,
                        s.epoch(), e.getMessage());
                return false;
            }
        }

        @Override
        public boolean hasLeadership(LeaderSession s) {
            synchronized (lock) {
                return !closed && s != null && s.equals(granted) && s.equals(session) && !suspendedLeaseRanOutLocked();
            }
        }

        @Override
        public Optional<LeaderSession> currentSession() {
            synchronized (lock) {
                return closed || granted == null || !granted.equals(session) || suspendedLeaseRanOutLocked()
                        ? Optional.empty() : Optional.of(granted);
            }
        }

        @Override
        public void close() {
            LeaderContender c;
            LeaderSession held;
            ElectionDriver toClose = null;
            ElectionDriver toUnpublish = null;
            synchronized (lock) {
                if (closed) {
                    return;
                }
                closed = true;
                c = contender;
                held = granted != null && granted.equals(session) ? granted : null;
                granted = null;
                components.remove(componentId);
                boolean last = components.values().stream().noneMatch(x -> x.contender != null);
                if (last && driver != null) {
                    toClose = driver;
                    driver = null;
                    generation++;
                    session = null;
                } else if (held != null) {
                    toUnpublish = driver;
                }
            }
            if (c != null) {
                boolean ran = events.runAndWait(() -> {
                    observeRevoke();
                    try {
                        c.revokeLeadership();
                    } catch (RuntimeException e) {
                        LOG.error("{}: contender of {} threw from revokeLeadership", nodeId, componentId, e);
                    }
                }, operationTimeoutNanos);
                if (!ran) {
                    LOG.warn("{}: revokeLeadership of {} did not run within the operation timeout; closing anyway",
                            nodeId, componentId);
                }
            }
            if (toUnpublish != null) {
                try {
                    toUnpublish.deleteLeaderInformation(held.epoch(), componentId);
                } catch (RuntimeException e) {
                    LOG.warn("{}: could not remove the leader information of {}", nodeId, componentId, e);
                }
            }
            closeQuietly(toClose);
        }

        @Override
        public String toString() {
            return "LeaderElection{" + componentId + "@" + nodeId + "}";
        }
    }
}
