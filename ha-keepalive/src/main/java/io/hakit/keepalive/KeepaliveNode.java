package io.hakit.keepalive;

import io.hakit.keepalive.support.RepeatFilter;
import io.hakit.keepalive.support.ConnectionLimiter;
import io.hakit.api.Scheduler;
import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.detect.FailureDetector;
import io.hakit.api.detect.FixedTimeoutFailureDetector;
import io.hakit.api.detect.PhiAccrualFailureDetector;
import io.hakit.api.support.EventExecutor;
import io.hakit.keepalive.internal.AnnouncementOrder;
import io.hakit.keepalive.internal.EpochStore;
import io.hakit.keepalive.internal.FrameCodec;
import io.hakit.keepalive.internal.ReadIdleHandler;
import io.hakit.keepalive.internal.RoleMachine;
import io.hakit.keepalive.internal.StateDirLock;
import io.hakit.keepalive.internal.Timers;
import io.hakit.keepalive.internal.proto.Ack;
import io.hakit.keepalive.internal.proto.Envelope;
import io.hakit.keepalive.internal.proto.Goodbye;
import io.hakit.keepalive.internal.proto.Heartbeat;
import io.hakit.keepalive.internal.proto.Hello;
import io.hakit.keepalive.internal.proto.WireRole;
import io.hakit.keepalive.tls.CertificateChecker;
import io.hakit.keepalive.tls.PemLayout;
import io.hakit.keepalive.tls.TlsContexts;
import io.hakit.keepalive.tls.TlsProblem;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * One node of an active/standby pair: heartbeats over TCP (Netty, mutual TLS by default), roles decided by a
 * {@link RoleMachine} (arbiter-guarded promotion, preempt, split-brain resolution by epoch), health checks with
 * fall/rise counts, a persisted epoch, certificate checks, and the alarms HEARTBEAT_INTERRUPTED (45640),
 * SPLIT_BRAIN, CERT_INVALID/EXPIRING/EXPIRED (45653-45655).
 *
 * <p>Both nodes accept and dial; each live, authenticated connection carries heartbeats, so a pair has up to two.
 * Reconnects back off from 20 ms to one heartbeat interval (at most 1 s), and start again from 20 ms only once the
 * peer's Hello arrived (a connection that is accepted and then fails its TLS handshake backs off too). A peer's
 * silence is judged at the moment it reaches the dead interval (a timer armed from its last heartbeat), not at the
 * next heartbeat tick.
 *
 * <p><b>TLS failures are named, and are not silence.</b> A failed handshake is logged with its cause
 * ({@link TlsProblem}: the peer's certificate is not signed by our CA, expired at a date, not valid before a date,
 * names another node; or the peer's alert, what it means, and that the peer's log names the cause), once per cause
 * per minute. When the peer's address accepts this node's connection and the handshake fails, that is probably the
 * peer: the node does not promote on that alone (until the address stops answering: a connection refused or timed
 * out), raises HEARTBEAT_INTERRUPTED (45640) at once with the cause, and shows it in {@link NodeStatus#tlsProblem()};
 * {@link KeepaliveConfig.Builder#promoteOnHandshakeFailure} explains the hazard and overrides it. (Failed handshakes
 * of connections the node accepted are logged, but anyone can connect: they hold nothing back.) A node refuses to
 * start when its own certificate is expired, not yet valid, not issued by the CA in its {@code ca.crt}, or does not
 * name its node id.
 *
 * <p><b>One node per state directory</b>: {@link #start} first locks {@code node.lock} in the state directory (before
 * it reads the epoch, checks certificates or binds), and holds it until {@link #close}; a second node on the same
 * directory, in any process, is refused with the holder's PID.
 *
 * <p><b>Threading.</b> Role decisions and {@link RoleListener} calls run on the node's own thread; I/O on one Netty
 * event loop; arbiter calls and health checks on threads of their own so that neither blocks heartbeats. Thread-safe.
 *
 * <p><b>Time.</b> Time is read on {@link KeepaliveConfig#ticker()}, and every timer (heartbeats, the dead-interval
 * check, reconnects, a connection's read and connect timeouts, health checks, the daily certificate check) is set
 * through {@link KeepaliveConfig#scheduler()}, by default this node's thread on real time. A fired timer only hands its
 * task to the node's thread (a connection's timeouts to its event loop), so the threads above hold for any scheduler;
 * a test that injects one manual time as both decides when each timer fires, without sleeping.
 */
public final class KeepaliveNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeepaliveNode.class);
    static final int PROTOCOL_VERSION = 1;
    private static final long RECONNECT_MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** How long a new connection may take to its Hello (TLS handshake included); at least the dead interval. */
    static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
    /** Present in the state directory while the node is in maintenance. */
    static final String MAINTENANCE_FILE = "maintenance";

    private final KeepaliveConfig config;
    private final Arbiter arbiter;
    private final ScheduledThreadPoolExecutor thread;
    /** Every timer of this node: the configured scheduler's, or this node's thread's on real time. */
    private final Timers timers;
    private final ExecutorService arbiterThread;
    private final ExecutorService healthThread;
    private final ExecutorService checkRunner;
    private final EventLoopGroup group;
    private final AlarmRegistry alarms;
    private final EpochStore epochs;
    private final RoleMachine machine;
    private final Set<Channel> peers = ConcurrentHashMap.newKeySet();
    private final List<RoleListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile TlsContexts tls;
    private volatile Channel server;
    private volatile Channel outbound;
    private volatile Role role = Role.STOPPED;
    private volatile long epoch;
    private volatile double rttMillis = -1;
    private final RttHistogram.Recorder rtt = new RttHistogram.Recorder();
    /** The peer's wall clock against this node's, from the answers to this node's heartbeats. */
    private final ClockOffsetFilter clockOffset = new ClockOffsetFilter();
    /** Heartbeats the peer's silences have missed since the start (written on the node thread only). */
    private volatile long missedHeartbeats;
    /** What the peer's current silence has added to {@link #missedHeartbeats} so far (node thread only). */
    private long missedInSilence;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    private long reconnectDelayNanos = RECONNECT_MIN_NANOS;
    private boolean dialed; // node thread only: the first dial was made
    private Scheduler.Cancellable deadlineCheck; // node thread only
    private long deadlineCheckAt;
    /** This process's number in what it announces to the peer ({@link AnnouncementOrder}): random, never 0. */
    private final long incarnation = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    /** How many announcements (heartbeats, role changes, goodbyes) this node has numbered. */
    private final java.util.concurrent.atomic.AtomicLong announced = new java.util.concurrent.atomic.AtomicLong();
    /** The peer's announcements taken so far. Node thread. */
    private final AnnouncementOrder peerOrder = new AnnouncementOrder();
    /** When the last heartbeat tick ran, on the ticker, or Long.MIN_VALUE before the first. Node thread. */
    private long lastBeatNanos = Long.MIN_VALUE;
    /** Counts the checks armed: a check cancelled after it fired (its task already queued) is told by its number. */
    private long deadlineChecks;
    private final RepeatFilter lastProblem;
    private final StateDirLock stateLock;
    /** Bounds the accepted connections that have not sent their Hello yet (a flood cannot exhaust the node). */
    private final ConnectionLimiter limiter;
    private int failures;
    private int passes;
    private boolean reportedHealthy = true;

    private KeepaliveNode(KeepaliveConfig config, AlarmRegistry alarms, StateDirLock stateLock) {
        this.config = config;
        this.arbiter = config.arbiter().orElseThrow();
        this.stateLock = stateLock;
        this.lastProblem = new RepeatFilter(TimeUnit.MINUTES.toNanos(1), config.ticker());
        this.thread = new ScheduledThreadPoolExecutor(1, EventExecutor.daemon("hakit-ka-" + config.nodeId()));
        this.thread.setRemoveOnCancelPolicy(true);
        // on close, pending one-shot tasks (reconnects, the daily certificate check) are dropped, not awaited
        this.thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        // an injected scheduler goes by the configured ticker (KeepaliveConfig.Builder.scheduler); the node's own
        // thread by real time, whatever ticker is configured
        this.timers = config.scheduler().map(s -> new Timers(s, config.ticker())).orElseGet(() -> new Timers(
                (task, delayNanos) -> {
                    ScheduledFuture<?> f = thread.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                    return () -> f.cancel(false);
                }, Ticker.system()));
        this.arbiterThread = Executors.newSingleThreadExecutor(EventExecutor.daemon("hakit-ka-arbiter-"
                + config.nodeId()));
        this.healthThread = Executors.newSingleThreadExecutor(EventExecutor.daemon("hakit-ka-health-"
                + config.nodeId()));
        this.checkRunner = Executors.newSingleThreadExecutor(EventExecutor.daemon("hakit-ka-check-"
                + config.nodeId()));
        this.group = new NioEventLoopGroup(1, EventExecutor.daemon("hakit-ka-io-" + config.nodeId()));
        this.alarms = alarms != null ? alarms : AlarmRegistry.create(thread::execute, config.clock(), config.ticker());
        this.epochs = new EpochStore(config.stateDir().resolve("epoch"));
        this.machine = new RoleMachine(config.nodeId(), config.priority(), config.preempt(), config.ticker(),
                config.deadInterval().toNanos(), config.heartbeatAlarmAfter().toNanos(), epochs.load(), new Effects(),
                detector(config));
        this.machine.promoteOnHandshakeFailure(config.promoteOnHandshakeFailure());
        Path mark = config.stateDir().resolve(MAINTENANCE_FILE);
        if (Files.exists(mark)) {
            this.machine.maintenance(true, "set before this start (" + mark + ")");
        }
        this.limiter = new ConnectionLimiter(config.nodeId() + " keepalive port " + config.bind().getPort(),
                ConnectionLimiter.DEFAULT_MAX_PENDING, ConnectionLimiter.DEFAULT_MAX_PER_ADDRESS,
                Duration.ofNanos(helloTimeoutNanos()), LOG);
        this.epoch = machine.epoch();
    }

    /**
     * Starts a node: locks the state directory, loads the epoch and certificates, checks them, binds, dials the peer.
     *
     * @param config    the node's configuration; its arbiter must be an instance (a lease arbiter connected to its
     *                  backend), as {@link #create} requires
     * @param listeners called for every role change from the first (STOPPED to STANDBY) on
     * @return the started node, listening and dialing its peer; {@link #close()} it to stop
     * @throws io.hakit.api.InvalidConfigException as {@link #create}
     * @throws IllegalStateException if another node holds the state directory (the message names its PID), if the
     *     certificates cannot be used or this node's own certificate is expired, not yet valid, not issued by the CA
     *     in {@code ca.crt} or does not name {@link KeepaliveConfig#nodeId()} (the message names the file and the
     *     cause; the certificate alarm is raised), or if the bind address is taken
     */
    public static KeepaliveNode start(KeepaliveConfig config, RoleListener... listeners) {
        return start(config, null, listeners);
    }

    /**
     * {@link #start(KeepaliveConfig, RoleListener...)} raising alarms on {@code alarms}: {@link #create}, the
     * listeners added, then {@link #start()}.
     *
     * @param config    the node's configuration, as for {@link #start(KeepaliveConfig, RoleListener...)}
     * @param alarms    where the node raises its alarms (shared with the caller's other components); null: a
     *                  registry of its own ({@link #alarms()})
     * @param listeners called for every role change from the first (STOPPED to STANDBY) on
     * @return the started node; {@link #close()} it to stop
     * @throws io.hakit.api.InvalidConfigException as {@link #create}
     * @throws IllegalStateException as {@link #start(KeepaliveConfig, RoleListener...)}
     */
    public static KeepaliveNode start(KeepaliveConfig config, AlarmRegistry alarms, RoleListener... listeners) {
        KeepaliveNode node = create(config, alarms);
        node.listeners.addAll(List.of(listeners));
        return node.start();
    }

    /**
     * Creates a node without starting it: it locks its state directory (one node per state directory, in any
     * process) and loads its persisted epoch, but binds nothing and does not contact its peer until {@link #start()}.
     * Whatever must be in force from the node's first instant is set in between: role listeners that must see the
     * first change ({@link #addRoleListener}) and the preemption gate ({@link #preemptWhen}); the file synchronizer's
     * {@code FileSync.follow} does both (and keeps its own state in the same, now locked, directory). Close it if it
     * is not started.
     *
     * @param config the node's configuration
     * @param alarms where the node raises its alarms; null: a registry of its own ({@link #alarms()})
     * @return the node, not started: its role is STOPPED and it holds the state directory's lock
     * @throws IllegalStateException if another node holds the state directory (the message names its PID)
     * @throws io.hakit.api.InvalidConfigException if {@code config} has a lease arbiter not yet connected to its
     *     backend ({@link KeepaliveConfig#arbiter()} is empty: {@link KeepaliveAgent} connects it)
     */
    public static KeepaliveNode create(KeepaliveConfig config, AlarmRegistry alarms) {
        if (config.arbiter().isEmpty()) {
            throw new io.hakit.api.InvalidConfigException(KeepaliveConfig.ARBITER + "=lease: the lease on "
                    + config.leaseComponent().orElse("?") + " is not connected to its backend; run the node with "
                    + "KeepaliveAgent, or set Builder.arbiter(Arbiter.lease(services, component))",
                    KeepaliveConfig.ARBITER);
        }
        StateDirLock lock = StateDirLock.acquire(config.stateDir(), config.nodeId() + ", bind "
                + config.bind().getHostString() + ":" + config.bind().getPort());
        try {
            return new KeepaliveNode(config, alarms, lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Starts a node made by {@link #create}: loads and checks the certificates, binds, dials the peer. Once only.
     *
     * @return this node
     * @throws IllegalStateException if it was started or closed before, the certificates cannot be used (the message
     *     names the file; CERT_INVALID is raised) or the bind address is taken; the node is closed then
     */
    public KeepaliveNode start() {
        if (!started.compareAndSet(false, true) || closed) {
            throw new IllegalStateException(config.nodeId() + ": start() on a node that was started or closed");
        }
        try {
            startUp();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    private void startUp() {
        loadHandoverMessages();
        if (config.insecure()) {
            LOG.warn("{}: TLS is DISABLED ({}=true): anyone who can reach {} can impersonate the peer", config.nodeId(),
                    KeepaliveConfig.INSECURE, config.bind());
        } else {
            CertificateChecker.Verdict own = checkCertificates();
            if (refused(own)) {
                throw new IllegalStateException(config.nodeId() + ": refusing to start: " + own.detail());
            }
            PemLayout layout = new PemLayout(certDir());
            try {
                tls = TlsContexts.load(layout, config.peerNodeId());
            } catch (PemLayout.CertificateProblem e) {
                throw new IllegalStateException(config.nodeId() + ": cannot start mutual TLS: " + e.getMessage(), e);
            }
            scheduleDailyCertificateCheck();
        }
        ServerBootstrap sb = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new PeerInitializer(false));
        InetSocketAddress bind = resolve(config.bind());
        try {
            server = sb.bind(bind).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the BindException (checked) undeclared
            throw new IllegalStateException(config.nodeId() + ": cannot listen on " + bind + " (keepalive.bind): "
                    + e.getMessage(), e);
        }
        thread.execute(() -> {
            machine.awaitFirstContact(helloTimeoutNanos() + TimeUnit.SECONDS.toNanos(1));
            machine.start();
            armDeadline();
        });
        long interval = config.heartbeatInterval().toNanos();
        timers.every(this::onNodeThread, this::heartbeat, interval, interval);
        if (!config.healthChecks().isEmpty()) {
            timers.every(healthThread, this::runHealthChecks, 0, interval);
        }
        thread.execute(this::connect);
        LOG.info("{}: started {}", config.nodeId(), config);
    }

    /** The failure detector judging the peer's silence (ha-api's fixed-timeout or phi-accrual). */
    static FailureDetector detector(KeepaliveConfig config) {
        if (!config.phiAccrualDetector()) {
            return FixedTimeoutFailureDetector.create(config.deadInterval(), config.ticker());
        }
        Duration interval = config.heartbeatInterval();
        return PhiAccrualFailureDetector.builder().ticker(config.ticker()).name("peer of " + config.nodeId())
                .firstHeartbeatEstimate(interval.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : interval)
                .acceptableHeartbeatPause(config.deadInterval().minus(interval))
                .minStdDeviation(interval.dividedBy(10).isZero() ? Duration.ofMillis(1) : interval.dividedBy(10))
                .build();
    }

    /**
     * Encodes and parses one of each message a handover sends (RoleChange, Goodbye): their classes are otherwise
     * loaded and initialised at their first use, during the first failover, which cost 5-10 ms on each side.
     */
    static void loadHandoverMessages() {
        try {
            for (Envelope e : List.of(
                    Envelope.newBuilder().setRoleChange(io.hakit.keepalive.internal.proto.RoleChange.newBuilder()
                            .setRole(WireRole.WIRE_ROLE_ACTIVE).setEpoch(1).setReason("load")).build(),
                    Envelope.newBuilder().setGoodbye(Goodbye.newBuilder().setRole(WireRole.WIRE_ROLE_STOPPED)
                            .setEpoch(1).setReason("load")).build())) {
                Envelope.parseFrom(e.toByteArray());
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
            throw new IllegalStateException("the keepalive messages do not parse their own bytes", ex);
        }
    }

    private long helloTimeoutNanos() {
        return Math.max(HELLO_TIMEOUT.toNanos(), config.deadInterval().toNanos());
    }

    private static InetSocketAddress resolve(InetSocketAddress a) {
        return a.isUnresolved() ? new InetSocketAddress(a.getHostString(), a.getPort()) : a;
    }

    // ------------------------------------------------------------------ public API

    /**
     * The current role (may change right after the call). Cheap, from any thread.
     *
     * @return STOPPED before {@link #start()} and after {@link #close()}; else STANDBY, ACTIVE or FAULT
     */
    public Role role() {
        return role;
    }

    /**
     * The epoch of the current or last active period. Every promotion starts a higher epoch, persisted in the state
     * directory; of two active nodes, the one with the lower epoch steps down. Cheap, from any thread.
     *
     * @return the epoch, 0 before any active period was ever recorded in the state directory
     */
    public long epoch() {
        return epoch;
    }

    /**
     * The port the node listens on (useful when bound to port 0).
     *
     * @return the bound port, or -1 while the node is not listening (not started yet)
     */
    public int port() {
        Channel s = server;
        return s == null ? -1 : ((InetSocketAddress) s.localAddress()).getPort();
    }

    /**
     * How far the peer's wall clock is from this node's, as the answers to this node's heartbeats carry it (for reports
     * only: nothing is decided by it); unknown before the first answer, while no connection is up, and with a peer
     * that sends no time (an older HAKit) or an implausible one. Cheap, from any thread.
     *
     * @return the current estimate with its uncertainty, or an unknown offset ({@link ClockOffset#isKnown()} false)
     *     with its reason
     */
    public ClockOffset clockOffset() {
        return clockOffset.current();
    }

    /**
     * Every heartbeat round trip measured since the start (both connections), as a histogram. Cheap, from any
     * thread.
     *
     * @return a snapshot, not updated by later round trips; empty before the first answer
     */
    public RttHistogram rttHistogram() {
        return rtt.snapshot();
    }

    /**
     * The peer's heartbeats this node missed since it started: a silence of the peer counts one missed heartbeat for
     * each heartbeat interval it lasts beyond the first and a half (a heartbeat up to half an interval late is not
     * missed), counted as the silence goes on, at this node's heartbeat ticks. Any message from the peer ends a
     * silence. It counts while the peer is stopped too (after its goodbye), and not before the peer was first heard.
     * Cheap, from any thread.
     *
     * @return the number of missed heartbeats, never decreasing
     */
    public long missedHeartbeats() {
        return missedHeartbeats;
    }

    /**
     * The configuration this node runs with.
     *
     * @return the configuration given to {@link #create} or {@link #start(KeepaliveConfig, RoleListener...)}
     */
    public KeepaliveConfig config() {
        return config;
    }

    /**
     * This node's alarms: HEARTBEAT_INTERRUPTED and the certificate alarms, with those of any component that shares
     * the registry (the file synchronizer's, with {@code FileSync.follow}).
     *
     * @return the registry given to {@link #create}, or the node's own when none was given
     */
    public AlarmRegistry alarms() {
        return alarms;
    }

    /**
     * Adds a condition to preemption: this node, as a standby of higher priority with preempt on, asks the active to
     * hand over only while {@code gate} returns true (the file synchronizer makes a returning node wait until it holds
     * the active's files, so that it does not become the source of stale ones). It never delays a promotion after the
     * active failed. {@code gate} is called on the node's serial thread at each evaluation; keep it cheap and
     * non-blocking. The last gate set wins. Hazard: set after {@link #start()}, the node may preempt before the gate
     * is in force; set it between {@link #create} and {@link #start()}.
     *
     * @param gate whether this node may ask for the active role now; it should not throw
     * @throws NullPointerException if {@code gate} is null
     */
    public void preemptWhen(java.util.function.BooleanSupplier gate) {
        java.util.Objects.requireNonNull(gate, "gate");
        thread.execute(() -> machine.preemptGate(gate));
    }

    /**
     * Hands the active role over to the peer now (an operator's switchover): the peer must be alive, a standby and
     * eligible. This node becomes a standby that does not take the role back (preemption is suspended) until the
     * peer stops being active. Bounded wait of 1 s for the node's thread.
     *
     * @param reason why, for the log and the role change ({@code switchover: handing over to <peer> (<reason>)})
     * @return null when the handover started, else why it cannot (nothing changed): this node is not active, the
     *     peer is not heard, or the peer is not a healthy standby
     * @throws IllegalStateException if the node's thread did not answer within 1 s (as after {@link #close()}), or
     *     the caller was interrupted
     */
    public String switchover(String reason) {
        return onNodeThread(() -> machine.switchover(reason));
    }

    /**
     * Maintenance on: this node never takes the active role (an active node hands over at once); off: an ordinary
     * standby again. Kept in {@code <state-dir>/maintenance} across restarts. Bounded wait of 1 s.
     *
     * @param on     true to enter maintenance, false to leave it
     * @param reason why, written to the maintenance file and the log when entering
     * @throws IOException when the state directory cannot record it (nothing changed)
     * @throws IllegalStateException if the node's thread did not answer within 1 s (the file is already written or
     *     removed, and the node takes it up at its next start), or the caller was interrupted
     */
    public void maintenance(boolean on, String reason) throws IOException {
        Path mark = config.stateDir().resolve(MAINTENANCE_FILE);
        if (on) {
            Files.writeString(mark, reason + "\n");
        } else {
            Files.deleteIfExists(mark);
        }
        onNodeThread(() -> {
            machine.maintenance(on, reason);
            return null;
        });
    }

    private <T> T onNodeThread(java.util.concurrent.Callable<T> task) {
        try {
            return thread.submit(task).get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException(config.nodeId() + ": the node did not answer: " + e, e);
        }
    }

    /**
     * Adds a role listener; see {@link RoleListener} for the threading contract. Added before {@link #start()}, it
     * sees the first change; added later, only the changes after this call. From any thread.
     *
     * @param listener called on the node's thread for each later role change
     */
    public void addRoleListener(RoleListener listener) {
        listeners.add(listener);
    }

    /**
     * A consistent snapshot, taken on the node's thread (bounded wait of 1 s).
     *
     * @return role, epoch, health, peer, heartbeat, arbiter, alarms and clock offset as of one instant
     * @throws IllegalStateException if the node's thread did not answer within 1 s, or the caller was interrupted
     * @throws java.util.concurrent.RejectedExecutionException after {@link #close()} (its thread is gone;
     *     {@link #role()} and {@link #epoch()} still answer)
     */
    public NodeStatus status() {
        Future<NodeStatus> f = thread.submit(() -> {
            long since = machine.sinceLastHeartbeatNanos();
            String tls = machine.handshakeProblem();
            return new NodeStatus(config.nodeId(), machine.role(), machine.epoch(), machine.healthy(),
                    machine.describePeer(), since < 0 ? -1 : since / 1_000_000, rttMillis, peers.size(),
                    arbiter.describe(), alarms.active(), tls == null ? "" : tls, machine.operatorState(),
                    clockOffset.current());
        });
        try {
            return f.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException(config.nodeId() + ": status unavailable: " + e, e);
        }
    }

    /**
     * Re-reads the certificate directory for new connections; live connections keep theirs. Files that this node
     * could not start with (expired, not yet valid, not issued by the CA, naming another node) are not taken: the old
     * ones stay, and the certificate alarm says why.
     */
    public void reloadCertificates() {
        if (config.insecure()) {
            return;
        }
        CertificateChecker.Verdict own = checkCertificates();
        if (refused(own)) {
            LOG.error("{}: keeping the old certificates: {}", config.nodeId(), own.detail());
            return;
        }
        try {
            tls = TlsContexts.load(new PemLayout(certDir()), config.peerNodeId());
            LOG.info("{}: certificates reloaded from {}", config.nodeId(), certDir());
        } catch (PemLayout.CertificateProblem e) {
            LOG.error("{}: keeping the old certificates: {}", config.nodeId(), e.getMessage());
        }
    }

    /**
     * Stops the node: STOPPED, a goodbye to the peer (so that it takes over at once), the arbiter released, every
     * thread and socket closed. Idempotent; bounded by a few seconds.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timers.close();
        Future<?> stop = thread.submit(() -> machine.stop("node closed"));
        try {
            stop.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("{}: stopping the role machine: {}", config.nodeId(), e.toString());
        }
        List<ChannelFuture> flushes = new ArrayList<>();
        for (Channel c : peers) {
            flushes.add(c.close());
        }
        for (ChannelFuture f : flushes) {
            f.awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        Channel s = server;
        if (s != null) {
            s.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        Channel o = outbound;
        if (o != null) {
            o.close();
        }
        thread.shutdown();
        healthThread.shutdownNow();
        checkRunner.shutdownNow();
        arbiterThread.execute(arbiter::release);
        arbiterThread.shutdown();
        try {
            arbiterThread.awaitTermination(2, TimeUnit.SECONDS);
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        arbiterThread.shutdownNow();
        thread.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        stateLock.close(); // last: nothing of this node writes to the state directory any more
    }

    // ------------------------------------------------------------------ periodic work (node thread)

    private void heartbeat() {
        if (closed) {
            return;
        }
        long now = config.ticker().read();
        long interval = config.heartbeatInterval().toNanos();
        if (lastBeatNanos != Long.MIN_VALUE) {
            noteLateness(now - lastBeatNanos - interval);
        }
        lastBeatNanos = now;
        Envelope hb = Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                .setSequence(sequence.incrementAndGet()).setSendTimeNanos(System.nanoTime())
                .setRole(wire(machine.role())).setEpoch(machine.epoch()).setPriority(config.priority())
                .setHealthy(machine.eligible()).setIncarnation(incarnation).setOrder(announced.incrementAndGet()))
                .build();
        for (Channel c : peers) {
            c.writeAndFlush(hb);
        }
        countMissed();
        machine.tick();
    }

    /** Adds the heartbeats the peer's current silence has missed since the last count. Node thread. */
    private void countMissed() {
        long since = machine.sinceLastHeartbeatNanos();
        if (since < 0) {
            return;
        }
        long interval = config.heartbeatInterval().toNanos();
        long missed = Math.max(0, (since - interval / 2) / interval);
        if (missed > missedInSilence) {
            missedHeartbeats += missed - missedInSilence;
            missedInSilence = missed;
        }
    }

    /** The peer was heard: counts what its silence missed until now, then ends that silence. Node thread. */
    private void peerHeard() {
        countMissed();
        missedInSilence = 0;
    }

    /**
     * Arms a one-shot check for the moment the peer's silence reaches the dead interval, so that a dead peer is
     * noticed then and not at the next heartbeat tick (which came up to one interval later). At most one check is
     * pending: when it fires and the peer was heard meanwhile, it arms itself for the new deadline. Node thread.
     */
    private void armDeadline() {
        if (closed) {
            return;
        }
        long at = machine.peerDeadlineNanos();
        Scheduler.Cancellable pending = deadlineCheck;
        if (pending != null && deadlineCheckAt <= at) {
            return; // fires first and re-arms
        }
        long delay = at - config.ticker().read();
        if (delay <= 0) {
            return; // already due: this very evaluation (or the heartbeat tick) acts on it
        }
        if (pending != null) {
            pending.cancel();
        }
        deadlineCheckAt = at;
        long number = ++deadlineChecks;
        deadlineCheck = timers.once(this::onNodeThread, () -> deadlineReached(number), delay);
    }

    private void deadlineReached(long number) {
        if (number != deadlineChecks || closed) {
            return; // replaced by an earlier check after it had fired
        }
        deadlineCheck = null;
        noteLateness(config.ticker().read() - deadlineCheckAt);
        machine.tick();
        armDeadline();
    }

    /**
     * How long a connection whose peer said Hello may stay silent before it is closed: two dead intervals. The role
     * does not wait for it (the machine judges the peer's silence by time, at one dead interval); closing at one dead
     * interval would throw away heartbeats a stalled node has not read yet and force a new TLS handshake just when the
     * CPU is scarce, turning a stall of either node into a real silence (seen under a CPU quota: ka-quota).
     */
    private long idleNanos() {
        return 2 * config.deadInterval().toNanos();
    }

    /**
     * A timer of this node ran {@code lateNanos} after it was due: more than half a heartbeat interval late means the
     * node itself was held off the CPU (a pause, a CPU quota), and the peer's heartbeats may be waiting unread; the
     * machine then reads them before it judges the peer's silence ({@link RoleMachine#localPause}). Node thread.
     */
    private void noteLateness(long lateNanos) {
        if (lateNanos > config.heartbeatInterval().toNanos() / 2) {
            machine.localPause(lateNanos);
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        // the connect timeout is a timer of this node's (Netty's own would run on real time): it closes the channel,
        // which fails the connect as a refusal does
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 0)
                .handler(new PeerInitializer(true));
        boolean first = !dialed;
        dialed = true;
        ChannelFuture connecting = b.connect(resolve(config.peerAddress()));
        Scheduler.Cancellable timeout = timers.once(group, () -> {
            if (!connecting.isDone()) {
                connecting.channel().close();
            }
        }, TimeUnit.MILLISECONDS.toNanos(Math.max(50, Math.min(5000, config.deadInterval().toMillis()))));
        connecting.addListener(f -> timeout.cancel());
        connecting.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                // the delay starts over only once the peer's Hello arrives (PeerHandler): a connection that is
                // accepted and then fails its TLS handshake must not be retried every 20 ms
                outbound = f.channel();
                f.channel().closeFuture().addListener(x -> onNodeThread(() -> {
                    if (first) {
                        machine.firstContactConcluded();
                    }
                    scheduleReconnect();
                }));
            } else {
                // refused, unreachable or timed out: nothing answers at the peer's address
                onNodeThread(() -> {
                    machine.peerUnreachable();
                    if (first) {
                        machine.firstContactConcluded();
                    }
                    scheduleReconnect();
                });
            }
        });
    }

    /** Runs {@code task} on the node's thread; after {@link #close} (the thread is gone) drops it. */
    private void onNodeThread(Runnable task) {
        try {
            thread.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        long delay = reconnectDelayNanos;
        long max = Math.min(TimeUnit.SECONDS.toNanos(1), config.heartbeatInterval().toNanos());
        reconnectDelayNanos = Math.min(Math.max(max, RECONNECT_MIN_NANOS), reconnectDelayNanos * 2);
        timers.once(this::onNodeThread, this::connect, delay);
    }

    private void runHealthChecks() {
        Optional<String> failure = Optional.empty();
        for (HealthCheck check : config.healthChecks()) {
            // a check that hangs keeps the runner busy: the next ones time out too, and the node stays unhealthy
            Future<Optional<String>> f = checkRunner.submit(check::check);
            try {
                failure = f.get(config.healthTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                failure = Optional.of(check + " did not answer within " + config.healthTimeout().toMillis() + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                failure = Optional.of(check + " threw " + e.getCause());
            }
            if (failure.isPresent()) {
                break;
            }
        }
        Optional<String> verdict = failure;
        thread.execute(() -> countHealth(verdict));
    }

    private void countHealth(Optional<String> failure) {
        if (failure.isPresent()) {
            passes = 0;
            failures++;
            if (reportedHealthy && failures >= config.healthFall()) {
                reportedHealthy = false;
                machine.healthChanged(false, failure.get() + " (" + failures + " times in a row)");
            }
        } else {
            failures = 0;
            passes++;
            if (!reportedHealthy && passes >= config.healthRise()) {
                reportedHealthy = true;
                machine.healthChanged(true, passes + " passes in a row");
            }
        }
    }

    /** The certificate directory; only called with TLS on. */
    private Path certDir() {
        return config.certDir().orElseThrow();
    }

    /** Checks this node's own certificate directory (and that it names this node), raising the matching alarm. */
    private CertificateChecker.Verdict checkCertificates() {
        CertificateChecker.Verdict v = new CertificateChecker(config.certExpiringWithin(), config.clock())
                .check(new PemLayout(certDir()), config.nodeId());
        CertificateChecker.applyAlarms(v, alarms, certDir().toString());
        if (v.status() != CertificateChecker.Status.VALID) {
            LOG.warn("{}: HA certificate check: {}", config.nodeId(), v);
        }
        return v;
    }

    /** Whether a node must not start with (or switch to) these certificates: no peer could accept them. */
    private static boolean refused(CertificateChecker.Verdict v) {
        return v.status() == CertificateChecker.Status.EXPIRED || v.status() == CertificateChecker.Status.INVALID;
    }

    private void scheduleDailyCertificateCheck() {
        ZonedDateTime now = ZonedDateTime.now(config.clock());
        ZonedDateTime next = nextCheck(now, config.certCheckTime());
        long delay = Math.max(1, Duration.between(now, next).toMillis());
        timers.once(this::onNodeThread, () -> {
            if (!closed) {
                reloadCertificates();
                scheduleDailyCertificateCheck();
            }
        }, TimeUnit.MILLISECONDS.toNanos(delay));
    }

    /** The next time of day {@code at} strictly after {@code now}. */
    static ZonedDateTime nextCheck(ZonedDateTime now, java.time.LocalTime at) {
        ZonedDateTime today = ZonedDateTime.of(LocalDateTime.of(LocalDate.from(now), at), now.getZone());
        return today.isAfter(now) ? today : today.plusDays(1);
    }

    // ------------------------------------------------------------------ wire

    static WireRole wire(Role r) {
        switch (r) {
            case ACTIVE: return WireRole.WIRE_ROLE_ACTIVE;
            case STANDBY: return WireRole.WIRE_ROLE_STANDBY;
            case FAULT: return WireRole.WIRE_ROLE_FAULT;
            default: return WireRole.WIRE_ROLE_STOPPED;
        }
    }

    static Role role(WireRole r) {
        switch (r) {
            case WIRE_ROLE_ACTIVE: return Role.ACTIVE;
            case WIRE_ROLE_STANDBY: return Role.STANDBY;
            case WIRE_ROLE_FAULT: return Role.FAULT;
            default: return Role.STOPPED;
        }
    }

    /** Built from the volatile mirrors: callable from the I/O thread. */
    private Envelope hello() {
        return Envelope.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(PROTOCOL_VERSION)
                .setClusterId(config.clusterId()).setNodeId(config.nodeId()).setPriority(config.priority())
                .setEpoch(epoch).setRole(wire(role))).build();
    }

    private void sendToPeers(Envelope e) {
        for (Channel c : peers) {
            c.writeAndFlush(e);
        }
    }

    /** The pipeline, in protocol order. One per channel; {@code dialing} for the connection this node opened. */
    private final class PeerInitializer extends ChannelInitializer<SocketChannel> {
        private final boolean dialing;

        PeerInitializer(boolean dialing) {
            this.dialing = dialing;
        }

        @Override
        protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            if (!dialing) {
                p.addLast("limits", limiter); // until its Hello, an accepted connection is anyone's
            }
            TlsContexts t = tls;
            if (t != null) {
                p.addLast("tls", dialing ? t.client().newHandler(ch.alloc()) : t.server().newHandler(ch.alloc()));
            }
            p.addLast("frames", new FrameCodec.Decoder(config.maxFrameSize()));
            p.addLast("encoder", new FrameCodec.Encoder(config.maxFrameSize()));
            // until the peer's Hello: the TLS handshake of a cold JVM on a busy machine can take longer than a short
            // dead interval, and closing it then would start it over; the dead interval applies after the Hello
            p.addLast("idle", new ReadIdleHandler(timers, helloTimeoutNanos()));
            p.addLast("peer", new PeerHandler(dialing));
        }
    }

    /**
     * Speaks the protocol on one channel: Hello first (the accepting side's, then the dialing side's answer), then
     * heartbeats, acks, role changes, goodbye.
     */
    private final class PeerHandler extends SimpleChannelInboundHandler<Envelope> {
        private final boolean dialing;
        private boolean greeted;
        private boolean tlsReported;
        /** This side of the TLS handshake completed (a TLS 1.3 client's completes before the server has checked it). */
        private boolean handshakeDone;

        PeerHandler(boolean dialing) {
            this.dialing = dialing;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // the accepting side speaks first (its Hello leaves once the handshake is done), the dialing side answers
            // the peer's Hello with its own: with TLS 1.3 a client finishes its side of the handshake before the
            // server checks the client's certificate, and a Hello sent then would still be unread when the server
            // refuses and closes, so that the close became a reset and the client never read the server's alert
            if (!dialing) {
                ctx.writeAndFlush(hello());
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Envelope msg) {
            if (!greeted) {
                if (msg.getBodyCase() != Envelope.BodyCase.HELLO) {
                    LOG.warn("{}: {} sent {} before Hello; closing", config.nodeId(), ctx.channel().remoteAddress(),
                            msg.getBodyCase());
                    ctx.close();
                    return;
                }
                Hello h = msg.getHello();
                String problem = h.getProtocolVersion() != PROTOCOL_VERSION
                        ? "protocol version " + h.getProtocolVersion() + " (this node speaks " + PROTOCOL_VERSION + ")"
                        : !h.getClusterId().equals(config.clusterId()) ? "cluster id '" + h.getClusterId()
                        + "' (this node's is '" + config.clusterId() + "')"
                        : !h.getNodeId().equals(config.peerNodeId()) ? "node id '" + h.getNodeId() + "' (the peer is '"
                        + config.peerNodeId() + "')" : null;
                if (problem != null) {
                    LOG.warn("{}: refusing {}: Hello with {}", config.nodeId(), ctx.channel().remoteAddress(), problem);
                    ctx.close();
                    return;
                }
                greeted = true;
                if (dialing) {
                    ctx.writeAndFlush(hello());
                } else {
                    limiter.admitted(ctx.channel());
                }
                ctx.pipeline().replace("idle", "idle", new ReadIdleHandler(timers, idleNanos()));
                peers.add(ctx.channel());
                Role r = role(h.getRole());
                thread.execute(() -> {
                    peerHeard();
                    machine.peerHeard(h.getNodeId(), r, h.getEpoch(), h.getPriority(), true);
                    if (dialing) {
                        reconnectDelayNanos = RECONNECT_MIN_NANOS;
                        machine.firstContactConcluded();
                    }
                    armDeadline();
                });
                return;
            }
            switch (msg.getBodyCase()) {
                case HEARTBEAT: {
                    Heartbeat hb = msg.getHeartbeat();
                    ctx.writeAndFlush(Envelope.newBuilder().setAck(Ack.newBuilder().setSequence(hb.getSequence())
                            .setEchoedSendTimeNanos(hb.getSendTimeNanos())
                            .setWallTimeMicros(ClockOffsetFilter.micros(config.clock().instant()))).build());
                    Role r = role(hb.getRole());
                    thread.execute(() -> {
                        if (!peerOrder.take(hb.getIncarnation(), hb.getOrder())) {
                            return; // said before something already heard (the other connection was faster)
                        }
                        peerHeard();
                        machine.peerHeard(config.peerNodeId(), r, hb.getEpoch(), hb.getPriority(), hb.getHealthy());
                        armDeadline();
                    });
                    break;
                }
                case ACK: {
                    long nanos = System.nanoTime() - msg.getAck().getEchoedSendTimeNanos();
                    rttMillis = nanos / 1e6;
                    rtt.record(nanos);
                    clockOffset.answered(msg.getAck(), nanos, config.clock().instant());
                    break;
                }
                case ROLE_CHANGE: {
                    io.hakit.keepalive.internal.proto.RoleChange rc = msg.getRoleChange();
                    Role r = role(rc.getRole());
                    thread.execute(() -> {
                        if (!peerOrder.take(rc.getIncarnation(), rc.getOrder())) {
                            return;
                        }
                        peerHeard();
                        machine.peerRoleChange(r, rc.getEpoch(), rc.getWantActive(), rc.getReason());
                        armDeadline();
                    });
                    break;
                }
                case GOODBYE: {
                    Goodbye g = msg.getGoodbye();
                    Role r = role(g.getRole());
                    thread.execute(() -> {
                        if (peerOrder.take(g.getIncarnation(), g.getOrder())) {
                            machine.peerGoodbye(r, g.getEpoch(), g.getReason());
                        }
                    });
                    break;
                }
                default:
                    LOG.warn("{}: unexpected {} from {}", config.nodeId(), msg.getBodyCase(),
                            ctx.channel().remoteAddress());
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()) {
                handshakeFailed(ctx, ((SslHandshakeCompletionEvent) evt).cause());
                ctx.close();
            } else if (evt instanceof SslHandshakeCompletionEvent) {
                handshakeDone = true;
            } else if (evt instanceof IdleStateEvent && ((IdleStateEvent) evt).state() == IdleState.READER_IDLE) {
                if (!greeted && dialing) {
                    onNodeThread(machine::peerUnreachable); // the peer's address accepted, and then not a word
                }
                LOG.info("{}: {} from {} for {} ms; closing the connection", config.nodeId(),
                        greeted ? "nothing" : "no Hello", ctx.channel().remoteAddress(),
                        (greeted ? idleNanos() : helloTimeoutNanos()) / 1_000_000);
                ctx.close();
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            endedAfterHandshake(ctx, null);
            if (peers.remove(ctx.channel()) && peers.isEmpty()) {
                clockOffset.forget(ClockOffset.NOT_CONNECTED);
                thread.execute(machine::peerDisconnected);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!greeted && isTls(cause)) {
                // before the peer's Hello: a handshake failure (a TLS 1.3 client reads the server's refusal of its
                // certificate only after its own side of the handshake completed)
                handshakeFailed(ctx, cause);
            } else if (endedAfterHandshake(ctx, cause)) {
                // reported as a refusal
            } else if (!closed) {
                String what = cause.toString();
                if (lastProblem.shouldLog(what)) {
                    LOG.warn("{}: closing the connection with {}: {}", config.nodeId(), ctx.channel().remoteAddress(),
                            what);
                } else {
                    LOG.debug("{}: closing the connection with {}: {}", config.nodeId(), ctx.channel().remoteAddress(),
                            what);
                }
            }
            ctx.close();
        }

        /**
         * A connection this node dialed that ends after this side's TLS handshake completed and before the peer's
         * Hello: a TLS 1.3 peer that refuses this node's certificate closes it then, and on a busy machine the close
         * can arrive as a reset that hides its alert. A live peer that accepts a connection never ends it there
         * otherwise, so this is a refusal by the peer (it answered, and is not taken for dead), not silence.
         *
         * @return whether it was reported so
         */
        private boolean endedAfterHandshake(ChannelHandlerContext ctx, Throwable cause) {
            if (!dialing || greeted || !handshakeDone || tlsReported || closed) {
                return false;
            }
            // (the message must not say "closed": TlsProblem would take that for an interrupted handshake)
            handshakeFailed(ctx, new javax.net.ssl.SSLException("the peer ended the connection after the TLS "
                    + "handshake, before its Hello, without an alert this node could read ("
                    + (cause == null ? "an orderly end" : cause.getClass().getSimpleName()) + "): it refused this "
                    + "node's certificate or name; the peer's log names the cause"));
            return true;
        }

        /**
         * Names the cause of a failed handshake and logs it once per cause per minute; for a connection this node
         * dialed (to the peer's address), tells the role machine.
         */
        private void handshakeFailed(ChannelHandlerContext ctx, Throwable cause) {
            if (tlsReported || closed) {
                return;
            }
            tlsReported = true;
            TlsProblem problem = TlsProblem.of(cause);
            String with = (dialing ? "to " + config.peerNodeId() + " at " + config.peerAddress().getHostString() + ":"
                    + config.peerAddress().getPort() : "from " + ctx.channel().remoteAddress());
            if (!problem.peerAnswered()) {
                LOG.debug("{}: TLS handshake {}: {}", config.nodeId(), with, problem.detail());
                if (dialing && problem.kind() == TlsProblem.Kind.TIMED_OUT) {
                    onNodeThread(machine::peerUnreachable);
                }
                return;
            }
            if (lastProblem.shouldLog(problem.detail())) {
                LOG.warn("{}: TLS handshake {} failed: {}{}", config.nodeId(), with, problem.detail(),
                        lastProblem.suppressedNote(problem.detail()));
            } else {
                LOG.debug("{}: TLS handshake {} failed: {}", config.nodeId(), with, problem.detail());
            }
            if (!dialing) {
                return; // anyone may connect: only what the peer's own address answers holds a promotion back
            }
            String detail = problem.detail();
            boolean namedHere = problem.kind() != TlsProblem.Kind.REFUSED_BY_PEER
                    && problem.kind() != TlsProblem.Kind.OTHER;
            onNodeThread(() -> {
                machine.peerHandshakeFailed(detail, namedHere);
                armDeadline();
            });
        }
    }

    private static boolean isTls(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /** What the role machine asks for; runs on the node thread. */
    private final class Effects implements RoleMachine.Effects {

        @Override
        public void sendRoleChange(Role r, long e, String reason, boolean wantActive) {
            sendToPeers(Envelope.newBuilder().setRoleChange(io.hakit.keepalive.internal.proto.RoleChange.newBuilder()
                    .setRole(wire(r)).setEpoch(e).setReason(reason).setWantActive(wantActive)
                    .setIncarnation(incarnation).setOrder(announced.incrementAndGet())).build());
        }

        @Override
        public void sendGoodbye(Role r, long e, String reason) {
            sendToPeers(Envelope.newBuilder().setGoodbye(Goodbye.newBuilder().setRole(wire(r)).setEpoch(e)
                    .setReason(reason).setIncarnation(incarnation).setOrder(announced.incrementAndGet())).build());
        }

        @Override
        public void persistEpoch(long e) {
            epochs.store(e);
        }

        @Override
        public void roleChanged(RoleChange change) {
            role = change.to();
            epoch = change.epoch();
            for (RoleListener l : listeners) {
                try {
                    l.roleChanged(change);
                } catch (RuntimeException ex) {
                    LOG.error("{}: role listener threw on {}", config.nodeId(), change, ex);
                }
            }
        }

        @Override
        public void requestArbiter() {
            arbiterThread.execute(() -> {
                String grant;
                try {
                    grant = arbiter.acquire(config.arbiterTimeout(),
                            lost -> thread.execute(() -> machine.arbiterLost(lost)));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    grant = null;
                } catch (RuntimeException ex) {
                    LOG.warn("{}: arbiter failed: {}", config.nodeId(), ex.toString());
                    grant = null;
                }
                String g = grant;
                if (!closed) {
                    thread.execute(() -> machine.arbiterResult(g != null, g != null ? g : "refused"));
                }
            });
        }

        @Override
        public void releaseArbiter() {
            arbiterThread.execute(arbiter::release);
        }

        @Override
        public void alarm(AlarmType type, boolean raise, String detail) {
            if (raise) {
                alarms.raise(type, config.nodeId(), detail);
            } else {
                alarms.clear(type, config.nodeId());
                if (type == AlarmType.SPLIT_BRAIN && machine.role() == Role.ACTIVE) {
                    long e = machine.epoch();
                    for (RoleListener l : listeners) {
                        try {
                            l.splitBrainResolved(e);
                        } catch (RuntimeException ex) {
                            LOG.error("{}: role listener threw on the end of a split brain", config.nodeId(), ex);
                        }
                    }
                }
            }
        }
    }
}
