package io.hakit.keepalive.internal;

import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.detect.FailureDetector;
import io.hakit.api.detect.FixedTimeoutFailureDetector;
import io.hakit.keepalive.Role;
import io.hakit.keepalive.RoleChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;

/**
 * The role logic of one keepalive node, apart from any I/O: events in (peer frames, health, arbiter answers, ticks),
 * decisions out through {@link Effects}. Every method must be called on one thread (the node's serial thread); the
 * machine holds no lock. Time comes only from the injected {@link Ticker}, so tests drive it without sleeping.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>A node starts STANDBY. FAULT while local health checks fail; STOPPED after {@link #stop}.</li>
 *   <li>A STANDBY promotes itself only after winning the arbiter, when the peer is silent for the dead interval
 *   (never heard since start, or its last heartbeat is older) and its address does not fail TLS handshakes (see
 *   below), when the peer says it is not active (FAULT,
 *   STOPPED, a goodbye), or when both are STANDBY and this node outranks the peer (higher priority, then lower
 *   node id). A promotion takes an epoch above every epoch seen (its own and the peer's) and persists it before
 *   acting, so a restart never goes backwards.</li>
 *   <li>Preempt: a healthy STANDBY that outranks an ACTIVE peer by priority asks it to hand over (if preempt is on);
 *   the ACTIVE steps down to STANDBY and the asker promotes through the arbiter.</li>
 *   <li>Split brain: when two ACTIVE nodes hear each other, the lower epoch steps down at once (then the lower
 *   priority, then the greater node id). SPLIT_BRAIN is raised while it lasts and cleared when one is left.</li>
 *   <li>An ACTIVE whose arbiter lease is lost steps down to STANDBY.</li>
 *   <li>HEARTBEAT_INTERRUPTED is raised after {@code heartbeatAlarmAfter} without a heartbeat from the peer and
 *   cleared when they return.</li>
 *   <li>A failed TLS handshake is not silence: something answers on the peer's port and takes part in TLS, most
 *   likely the peer itself with a certificate one side refuses. From a failed handshake until the peer is heard or
 *   its address stops answering (a connection refused or timed out, a handshake timed out: {@link #peerUnreachable}),
 *   a STANDBY does not promote on the peer's silence (unless {@link #promoteOnHandshakeFailure(boolean)}), and
 *   HEARTBEAT_INTERRUPTED is raised at once with the cause as its detail (not after {@code heartbeatAlarmAfter}: the
 *   cause is known and will not go away by itself). The hold ends on evidence, not after a time, so that a stall of
 *   this process (a GC pause, a starved CPU) that delays the next failed handshake cannot turn it into a promotion.
 *   Why HEARTBEAT_INTERRUPTED (45640) and not CERT_INVALID (45653): what fails is the heartbeat link, and the
 *   refusing node cannot tell whose file is wrong (the peer's certificate, or its own CA file); 45653 stays what the
 *   certificate check raises for this node's own files, with the file as source.</li>
 * </ul>
 */
public final class RoleMachine {

    private static final Logger LOG = LoggerFactory.getLogger(RoleMachine.class);

    /** What the machine asks the node to do. Called on the machine's thread. */
    public interface Effects {
        /** Tells the peer (if connected) about a role change; {@code wantActive} asks it to hand over. */
        void sendRoleChange(Role role, long epoch, String reason, boolean wantActive);

        /** Tells the peer this node is leaving its role on purpose. */
        void sendGoodbye(Role role, long epoch, String reason);

        /** Persists the epoch durably before returning; throws if it cannot. */
        void persistEpoch(long epoch);

        /** The role changed: hooks, floating IP, listeners. */
        void roleChanged(RoleChange change);

        /** Asks the arbiter, asynchronously, whether this node may become active; answer with {@link #arbiterResult}. */
        void requestArbiter();

        /** Gives up what the arbiter granted (a lease), if anything. */
        void releaseArbiter();

        /** Raises or clears an alarm of this node. */
        void alarm(AlarmType type, boolean raise, String detail);
    }

    /** What the node knows about its peer. */
    static final class PeerView {
        boolean everHeard;
        long lastHeardNanos;
        Role role = Role.STOPPED;
        long epoch;
        int priority;
        boolean healthy = true;
        String nodeId = "";
        boolean connected;
    }

    private final String nodeId;
    private final int priority;
    private final boolean preempt;
    private final Ticker ticker;
    private final long deadNanos;
    private final FailureDetector detector;
    private final long heartbeatAlarmNanos;
    private final Effects effects;

    private final PeerView peer = new PeerView();
    private Role role = Role.STOPPED;
    private long epoch;
    private boolean healthy = true;
    private boolean arbiterPending;
    private boolean preemptAsked;
    private java.util.function.BooleanSupplier preemptGate = () -> true;
    private long preemptAskedNanos;
    private boolean splitBrain;
    private boolean heartbeatAlarm;
    private String heartbeatAlarmCause; // the TLS problem the raised alarm names, or null
    private long heardAtAlarm; // the value of heard when the alarm was raised: cleared once the peer is heard again
    private long heard; // counts messages from the peer
    private long startedNanos;
    private boolean promoteOnHandshakeFailure;
    // whether the peer's address fails TLS handshakes (set by a failure, cleared by a Hello or by the address not
    // answering); the last failure whose cause this node named (it refused the peer's certificate), and the last other
    // one (the peer's alert): a refusal both ways alternates between the two, and the status prefers the first
    private boolean handshakeFailing;
    private String handshakeProblem;
    private long handshakeProblemNanos;
    private String handshakeRefusal;
    private String withheldFor; // the handshake problem a promotion was last withheld for (logged once per cause)
    private boolean firstContactPending;
    private long firstContactMaxNanos;
    // operator actions: maintenance (never take the active role), a switchover in progress (handed over, waits for
    // the peer to be active), and the preemption a switchover suspends until the peer stops being active
    private boolean maintenance;
    private boolean yielding;
    private boolean preemptSuspended;
    // this node's own stalls (see localPause): no promotion on the peer's silence before judgeSilenceFromNanos; the
    // deferral granted since the peer was last heard, at most one dead interval
    private long judgeSilenceFromNanos = Long.MIN_VALUE;
    private long deferredNanos;
    private boolean deferLogged; // the deferral of this silence was logged

    /** How long, in dead intervals, a cause named here is shown rather than a newer alert from the peer. */
    static final int NAMED_CAUSE_DEAD_INTERVALS = 2;

    /**
     * @param deadNanos how long the peer may be silent before it is considered dead
     * @param heartbeatAlarmNanos how long without heartbeats before HEARTBEAT_INTERRUPTED is raised
     * @param initialEpoch the persisted epoch (0 on first start)
     */
    public RoleMachine(String nodeId, int priority, boolean preempt, Ticker ticker, long deadNanos,
            long heartbeatAlarmNanos, long initialEpoch, Effects effects) {
        this(nodeId, priority, preempt, ticker, deadNanos, heartbeatAlarmNanos, initialEpoch, effects,
                FixedTimeoutFailureDetector.create(java.time.Duration.ofNanos(deadNanos), ticker));
    }

    /**
     * A machine that judges the peer with {@code detector} (ha-api's fixed-timeout or phi-accrual detector, on the
     * same ticker); {@code deadNanos} is then the start-up grace and the preempt retry period.
     */
    public RoleMachine(String nodeId, int priority, boolean preempt, Ticker ticker, long deadNanos,
            long heartbeatAlarmNanos, long initialEpoch, Effects effects, FailureDetector detector) {
        this.detector = Objects.requireNonNull(detector, "detector");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.priority = priority;
        this.preempt = preempt;
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.deadNanos = deadNanos;
        this.heartbeatAlarmNanos = heartbeatAlarmNanos;
        this.epoch = initialEpoch;
        this.effects = Objects.requireNonNull(effects, "effects");
    }

    /**
     * A condition a preempting standby must meet before it asks for the active role (for example: it holds the
     * active's files). Never consulted for a promotion after the active failed. Called on the machine's thread.
     */
    public void preemptGate(java.util.function.BooleanSupplier gate) {
        this.preemptGate = Objects.requireNonNull(gate, "gate");
    }

    /**
     * Whether a STANDBY may promote on the peer's silence while TLS handshakes with the peer fail (default false: it
     * does not; see the class comment and {@code KeepaliveConfig.Builder#promoteOnHandshakeFailure}).
     */
    public void promoteOnHandshakeFailure(boolean promote) {
        this.promoteOnHandshakeFailure = promote;
    }

    // ------------------------------------------------------------------ queries

    public Role role() {
        return role;
    }

    public long epoch() {
        return epoch;
    }

    public boolean healthy() {
        return healthy;
    }

    /**
     * Whether this node may take the active role: healthy, not in maintenance, not handing over. What its heartbeats
     * announce as {@code healthy}: a peer takes over from a node that is not eligible whatever their priorities.
     */
    public boolean eligible() {
        return healthy && !maintenance && !yielding;
    }

    public boolean maintenance() {
        return maintenance;
    }

    /** Operator actions in force, for status output ("-" when none). */
    public String operatorState() {
        List<String> s = new java.util.ArrayList<>();
        if (maintenance) {
            s.add("maintenance");
        }
        if (yielding) {
            s.add("switchover: handing over to " + peer.nodeId);
        }
        if (preemptSuspended) {
            s.add("preempt suspended after a switchover until " + peer.nodeId + " stops being active");
        }
        return s.isEmpty() ? "-" : String.join("; ", s);
    }

    /** The peer's last known role, epoch and liveness, for status output. */
    public String describePeer() {
        if (!peer.everHeard) {
            return "never heard";
        }
        return peer.nodeId + " " + peer.role + " epoch " + peer.epoch + " priority " + peer.priority
                + (peerAlive() ? "" : " (silent)") + (peer.connected ? "" : " (disconnected)");
    }

    /** Nanoseconds since the peer's last heartbeat, or -1 if never heard. */
    public long sinceLastHeartbeatNanos() {
        return peer.everHeard ? ticker.read() - peer.lastHeardNanos : -1;
    }

    /**
     * When the peer's silence reaches the dead interval, on the ticker: its last heartbeat (or, never heard, this
     * node's start) plus the dead interval. The node evaluates again at that moment ({@link #tick()}).
     */
    public long peerDeadlineNanos() {
        long deadline = (peer.everHeard ? peer.lastHeardNanos : startedNanos) + deadNanos;
        return judgeSilenceFromNanos == Long.MIN_VALUE ? deadline : Math.max(deadline, judgeSilenceFromNanos);
    }

    /**
     * This node did not run for {@code pausedNanos} (its timer fired that late: a GC or safepoint pause, a CPU quota
     * that throttled the process, a stopped VM), so heartbeats of the peer may be waiting unread. A STANDBY then does
     * not take the peer's silence as death until it has run for as long again (at most a third of the dead interval)
     * and read what arrived meanwhile, as Cassandra's failure detector does not convict across a local pause. The
     * deferrals since the peer was last heard add up to at most one dead interval, so a dead peer is still taken over
     * from within two dead intervals even by a node that keeps stalling.
     *
     * @param pausedNanos how late this node's timer ran; ignored unless positive
     */
    public void localPause(long pausedNanos) {
        if (pausedNanos <= 0 || role != Role.STANDBY) {
            return;
        }
        long grant = Math.min(Math.min(pausedNanos, deadNanos / 3), deadNanos - deferredNanos);
        if (grant <= 0) {
            return;
        }
        long now = ticker.read();
        if (now + grant > judgeSilenceFromNanos) {
            deferredNanos += grant;
            judgeSilenceFromNanos = now + grant;
            LOG.debug("{}: this node did not run for {} ms: it judges the peer's silence after {} ms more, once what "
                    + "arrived meanwhile is read", nodeId, pausedNanos / 1_000_000, grant / 1_000_000);
        }
    }

    public boolean splitBrain() {
        return splitBrain;
    }

    /**
     * The cause of the TLS handshake failures that keep the peer from being heard, or null: while handshakes with the
     * peer's address fail (see the class comment) and no authenticated connection is up, the last cause this node
     * named itself (it refused the peer's certificate) if it saw it within the last two dead intervals, else the last
     * failure (the peer's alert).
     */
    public String handshakeProblem() {
        if (!handshakeFailing || peer.connected) {
            return null;
        }
        if (handshakeProblem != null && (handshakeRefusal == null
                || ticker.read() - handshakeProblemNanos < NAMED_CAUSE_DEAD_INTERVALS * deadNanos)) {
            return handshakeProblem;
        }
        return handshakeRefusal;
    }

    // ------------------------------------------------------------------ events

    /**
     * Extends the start-up grace until {@link #firstContactConcluded()} (at most {@code maxNanos} after the start):
     * the node's first attempt to reach the peer (connect, TLS handshake, Hello) ends in a Hello, a refusal, a failed
     * handshake or a close. So a handshake slower than the dead interval (a cold JVM, a busy machine) cannot make a
     * node promote before it learns that the peer answers. Call before {@link #start()}.
     */
    public void awaitFirstContact(long maxNanos) {
        firstContactPending = true;
        firstContactMaxNanos = maxNanos;
    }

    /** The node's first attempt to reach the peer ended (whatever the outcome); see {@link #awaitFirstContact}. */
    public void firstContactConcluded() {
        if (firstContactPending) {
            firstContactPending = false;
            evaluate();
        }
    }

    /** Starts the node as STANDBY. */
    public void start() {
        startedNanos = ticker.read();
        setRole(Role.STANDBY, "started");
        evaluate();
    }

    /** A Hello or a Heartbeat from the peer: it is alive, with this role, epoch, priority and health. */
    public void peerHeard(String peerNodeId, Role peerRole, long peerEpoch, int peerPriority, boolean peerHealthy) {
        peer.everHeard = true;
        peer.connected = true;
        peer.lastHeardNanos = ticker.read();
        deferredNanos = 0;
        deferLogged = false;
        heard++;
        clearHandshakeFailure(); // an authenticated connection works
        detector.heartbeat();
        peer.nodeId = peerNodeId;
        peer.priority = peerPriority;
        peer.healthy = peerHealthy;
        updatePeerRole(peerRole, peerEpoch);
        evaluate();
    }

    /** The peer announced a role change; {@code wantActive} asks this node to hand over. */
    public void peerRoleChange(Role peerRole, long peerEpoch, boolean wantActive, String reason) {
        peer.lastHeardNanos = ticker.read();
        deferredNanos = 0;
        deferLogged = false;
        peer.everHeard = true;
        heard++;
        detector.heartbeat();
        peer.healthy = peerRole != Role.FAULT; // a node announces STANDBY or ACTIVE only when its checks pass
        updatePeerRole(peerRole, peerEpoch);
        if (wantActive && role == Role.ACTIVE) {
            if (peer.healthy && peer.priority > priority) {
                demote(Role.STANDBY, "handing over to higher-priority " + peer.nodeId + " (" + reason + ")");
            } else {
                LOG.info("{}: ignoring a takeover request from {} (priority {} vs ours {})", nodeId, peer.nodeId,
                        peer.priority, priority);
            }
        }
        evaluate();
    }

    /** The peer left its role on purpose: the standby may take over at once (through the arbiter). */
    public void peerGoodbye(Role peerRole, long peerEpoch, String reason) {
        updatePeerRole(peerRole == Role.ACTIVE ? Role.STOPPED : peerRole, peerEpoch);
        LOG.info("{}: peer {} said goodbye ({})", nodeId, peer.nodeId, reason);
        evaluate();
    }

    /**
     * A TLS handshake with the peer's address failed with a cause that shows something answered there (not a
     * connection closed or timed out mid-handshake): see the class comment.
     *
     * @param problem the cause, in an operator's words, the same text for the same cause on every attempt
     * @param namedHere whether this node found the cause (it refused the peer's certificate, or the other end does not
     *     speak TLS), rather than the peer (its alert); {@link #handshakeProblem()} prefers such a cause
     */
    public void peerHandshakeFailed(String problem, boolean namedHere) {
        Objects.requireNonNull(problem, "problem");
        handshakeFailing = true;
        if (namedHere) {
            handshakeProblem = problem;
            handshakeProblemNanos = ticker.read();
        } else {
            handshakeRefusal = problem;
        }
        evaluate();
    }

    /**
     * The peer's address did not answer: a connection to it was refused or timed out, or it accepted and then never
     * took part in the handshake. Ends the hold of failed handshakes (see the class comment); silence is judged by
     * time as usual.
     */
    public void peerUnreachable() {
        if (handshakeFailing) {
            LOG.info("{}: the peer's address stopped answering TLS handshakes", nodeId);
            clearHandshakeFailure();
            evaluate();
        }
    }

    private void clearHandshakeFailure() {
        handshakeFailing = false;
        handshakeProblem = null;
        handshakeRefusal = null;
        withheldFor = null;
    }

    /** The connection to the peer closed; silence is judged by time, not by the connection. */
    public void peerDisconnected() {
        peer.connected = false;
        evaluate();
    }

    /** The local health verdict changed (after fall/rise counting). */
    public void healthChanged(boolean nowHealthy, String detail) {
        if (nowHealthy == healthy) {
            return;
        }
        healthy = nowHealthy;
        if (!healthy && (role == Role.ACTIVE || role == Role.STANDBY)) {
            demote(Role.FAULT, "health check failed: " + detail);
        } else if (healthy && role == Role.FAULT) {
            setRole(Role.STANDBY, "health checks pass again");
            effects.sendRoleChange(Role.STANDBY, epoch, "healthy again", false);
        }
        evaluate();
    }

    /** The arbiter's answer to {@link Effects#requestArbiter()}. */
    public void arbiterResult(boolean won, String detail) {
        arbiterPending = false;
        if (role != Role.STANDBY) {
            if (won) {
                effects.releaseArbiter();
            }
            return;
        }
        String reason = promotionReason();
        if (!won) {
            LOG.info("{}: not promoting: the arbiter refused ({})", nodeId, detail);
            return;
        }
        if (reason == null) {
            effects.releaseArbiter(); // the peer came back meanwhile
            return;
        }
        promote(reason + "; arbiter: " + detail);
    }

    /** The arbiter's grant was lost (a lease expired): an ACTIVE node must step down. */
    public void arbiterLost(String detail) {
        if (role == Role.ACTIVE) {
            demote(Role.STANDBY, "arbiter lost: " + detail);
        }
    }

    /**
     * Maintenance on: this node never takes the active role (an ACTIVE node hands over, as {@link #switchover} does,
     * without its checks); off: it is an ordinary standby again. Its heartbeats say it is not eligible, so the peer
     * takes over whatever the priorities.
     */
    public void maintenance(boolean on, String reason) {
        if (on == maintenance) {
            return;
        }
        maintenance = on;
        LOG.info("{}: maintenance {} ({})", nodeId, on ? "on: this node will not take the active role" : "off",
                reason);
        if (on && role == Role.ACTIVE) {
            demote(Role.STANDBY, "maintenance: handing over to " + peer.nodeId + " (" + reason + ")");
        }
        evaluate();
    }

    /**
     * Hands the active role over to the peer, which must be alive, a standby and eligible: this node becomes a
     * standby that is not eligible until the peer is active, and then does not preempt until the peer stops being
     * active (so that a node of higher priority does not take the role straight back).
     *
     * @return null when the handover started, else why it cannot
     */
    public String switchover(String reason) {
        if (role != Role.ACTIVE) {
            return nodeId + " is " + role + ", not ACTIVE: run the switchover on the active node";
        }
        if (!peer.everHeard || !peerAlive()) {
            return "the peer " + (peer.nodeId == null ? "" : peer.nodeId + " ") + "is not heard: nobody to hand over to";
        }
        if (peer.role != Role.STANDBY || !peer.healthy) {
            return "the peer " + peer.nodeId + " is " + peer.role + (peer.healthy ? "" : " and not eligible")
                    + ": it cannot take the active role now";
        }
        yielding = true;
        demote(Role.STANDBY, "switchover: handing over to " + peer.nodeId + " (" + reason + ")");
        evaluate();
        return null;
    }

    /** Periodic: judges the peer's silence and the heartbeat alarm. */
    public void tick() {
        evaluate();
    }

    /** Stops the node: STOPPED, a goodbye to the peer, the arbiter released. */
    public void stop(String reason) {
        if (role == Role.STOPPED) {
            return;
        }
        Role was = role;
        setRole(Role.STOPPED, reason);
        effects.sendGoodbye(Role.STOPPED, epoch, reason);
        if (was == Role.ACTIVE) {
            effects.releaseArbiter();
        }
    }

    // ------------------------------------------------------------------ logic

    private void updatePeerRole(Role peerRole, long peerEpoch) {
        peer.role = peerRole;
        peer.epoch = Math.max(peer.epoch, peerEpoch);
        if (peerRole != Role.ACTIVE) {
            preemptAsked = false;
            if (preemptSuspended) {
                preemptSuspended = false;
                LOG.info("{}: {} is no longer active: preemption resumes", nodeId, peer.nodeId);
            }
        } else if (yielding) {
            yielding = false;
            preemptSuspended = preempt;
            LOG.info("{}: switchover done: {} is active{}", nodeId, peer.nodeId,
                    preempt ? "; this node does not preempt until it stops being active" : "");
        }
    }

    private boolean peerAlive() {
        long now = ticker.read();
        if (!peer.everHeard) {
            // grace at start: give the peer one dead interval to show up, and the first attempt to reach it its end
            long up = now - startedNanos;
            return up < deadNanos || firstContactPending && up < firstContactMaxNanos;
        }
        return detector.isAvailable();
    }

    /** Why a STANDBY should promote now, or null. */
    private String promotionReason() {
        if (role != Role.STANDBY || !eligible()) {
            return null;
        }
        if (!peerAlive()) {
            if (ticker.read() < judgeSilenceFromNanos) {
                if (!deferLogged) {
                    deferLogged = true;
                    LOG.info("{}: no word from peer {}, but this node itself did not run for a while: reading what "
                            + "arrived meanwhile before it judges (at most {} ms more)", nodeId, peer.nodeId,
                            (judgeSilenceFromNanos - ticker.read()) / 1_000_000);
                }
                return null; // this node was stalled: read what the peer sent meanwhile first (localPause)
            }
            String tls = handshakeProblem();
            if (tls != null && !promoteOnHandshakeFailure) {
                if (!tls.equals(withheldFor)) {
                    withheldFor = tls;
                    LOG.warn("{}: not taking the active role although no heartbeat arrives: something answers on the "
                            + "peer's port but the TLS handshake fails ({}); fix the certificates, or set "
                            + "keepalive.tls.promote-on-handshake-failure=true to promote anyway (risk: two active "
                            + "nodes)", nodeId, tls);
                }
                return null;
            }
            return peer.everHeard ? "peer " + peer.nodeId + " silent for " + (ticker.read() - peer.lastHeardNanos)
                    / 1_000_000 + " ms" : "no peer heard since start";
        }
        if (!peer.everHeard) {
            return null; // still within the start-up grace: wait for the peer to show itself
        }
        switch (peer.role) {
            case ACTIVE:
                return null;
            case STANDBY:
                if (!peer.healthy) {
                    return "peer " + peer.nodeId + " is a standby that will not take the active role (unhealthy, "
                            + "in maintenance or handing over)";
                }
                return outranks() ? "both standby and this node outranks " + peer.nodeId : null;
            case FAULT:
            case STOPPED:
            default:
                return "peer " + peer.nodeId + " is " + peer.role;
        }
    }

    private boolean outranks() {
        return priority > peer.priority || (priority == peer.priority && nodeId.compareTo(peer.nodeId) < 0);
    }

    /** In a split brain, whether this node is the one that steps down. */
    private boolean losesSplitBrain() {
        if (epoch != peer.epoch) {
            return epoch < peer.epoch;
        }
        if (priority != peer.priority) {
            return priority < peer.priority;
        }
        return nodeId.compareTo(peer.nodeId) > 0;
    }

    private void evaluate() {
        checkHeartbeatAlarm();
        boolean alive = peerAlive();
        if (role == Role.ACTIVE && alive && peer.role == Role.ACTIVE) {
            setSplitBrain(true, "this node and " + peer.nodeId + " are both active (epochs " + epoch + " and "
                    + peer.epoch + ")");
            if (losesSplitBrain()) {
                demote(Role.STANDBY, "split brain resolved: " + peer.nodeId + " keeps the active role (epoch "
                        + peer.epoch + " vs " + epoch + ")");
                setSplitBrain(false, null); // one active is left
            }
            return;
        }
        if (splitBrain && !(role == Role.ACTIVE && alive && peer.role == Role.ACTIVE)) {
            setSplitBrain(false, null);
        }
        if (role == Role.STANDBY) {
            String reason = promotionReason();
            if (reason != null) {
                if (!arbiterPending) {
                    arbiterPending = true;
                    LOG.info("{}: asking the arbiter to promote: {}", nodeId, reason);
                    effects.requestArbiter();
                }
            } else if (preempt && eligible() && !preemptSuspended && alive && peer.role == Role.ACTIVE
                    && priority > peer.priority
                    && (!preemptAsked || ticker.read() - preemptAskedNanos >= deadNanos)
                    && preemptGate.getAsBoolean()) {
                // ask again after a dead interval: the peer may have refused while it still thought us unhealthy
                preemptAsked = true;
                preemptAskedNanos = ticker.read();
                effects.sendRoleChange(Role.STANDBY, epoch, "preempt: priority " + priority + " > " + peer.priority,
                        true);
            }
        }
    }

    private void promote(String reason) {
        long next = Math.max(epoch, peer.epoch) + 1;
        try {
            effects.persistEpoch(next);
        } catch (RuntimeException e) {
            LOG.error("{}: cannot persist epoch {}; refusing to become active", nodeId, next, e);
            effects.releaseArbiter();
            healthy = false;
            setRole(Role.FAULT, "cannot persist epoch " + next + ": " + e.getMessage());
            return;
        }
        epoch = next;
        setRole(Role.ACTIVE, reason);
        effects.sendRoleChange(Role.ACTIVE, epoch, reason, false);
    }

    private void demote(Role to, String reason) {
        Role was = role;
        setRole(to, reason);
        effects.sendRoleChange(to, epoch, reason, false);
        if (was == Role.ACTIVE) {
            effects.releaseArbiter();
        }
    }

    private void setRole(Role to, String reason) {
        if (to == role) {
            return;
        }
        RoleChange change = new RoleChange(role, to, epoch, reason);
        role = to;
        if (to == Role.ACTIVE && preemptSuspended) {
            // the switchover's new active is gone (this node took over): nothing is left to not preempt
            preemptSuspended = false;
        }
        LOG.info("{}: {}", nodeId, change);
        effects.roleChanged(change);
    }

    private void setSplitBrain(boolean now, String detail) {
        if (now == splitBrain) {
            return;
        }
        splitBrain = now;
        effects.alarm(AlarmType.SPLIT_BRAIN, now, detail);
    }

    private void checkHeartbeatAlarm() {
        if (role == Role.STOPPED) {
            return;
        }
        long since = ticker.read() - (peer.everHeard ? peer.lastHeardNanos : startedNanos);
        String tls = handshakeProblem();
        // once raised, the alarm stays until the peer is heard again (not when the handshake failures end)
        boolean interrupted = heartbeatAlarm ? heard == heardAtAlarm : since >= heartbeatAlarmNanos || tls != null;
        String who = peer.everHeard ? peer.nodeId : "the peer";
        if (interrupted != heartbeatAlarm) {
            heartbeatAlarm = interrupted;
            heardAtAlarm = heard;
            heartbeatAlarmCause = interrupted ? tls : null;
            effects.alarm(AlarmType.HEARTBEAT_INTERRUPTED, interrupted, interrupted ? tls != null
                    ? "no heartbeat from " + who + ": the TLS handshake fails: " + tls
                    : "no heartbeat from " + who + " for " + since / 1_000_000 + " ms" : null);
        } else if (interrupted && !Objects.equals(tls, heartbeatAlarmCause)) {
            // the cause changed, became known, or is gone (the peer's address stopped answering): say so
            heartbeatAlarmCause = tls;
            effects.alarm(AlarmType.HEARTBEAT_INTERRUPTED, true, tls != null
                    ? "no heartbeat from " + who + ": the TLS handshake fails: " + tls
                    : "no heartbeat from " + who + " for " + since / 1_000_000 + " ms");
        }
    }
}
