package io.hakit.testkit.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy that injects network faults between a client under test and a server (a ZooKeeper ensemble, a
 * Kubernetes API mock, the other node of a keepalive pair).
 *
 * <p>The proxy listens on a local address ({@code 127.0.0.1} and an ephemeral port by default) and forwards every
 * accepted connection to one target. Point the client at {@link #localAddress()} instead of the server, then change
 * the {@linkplain #fault(Direction, Fault) fault} of either direction at any time:
 *
 * <pre>{@code
 * try (FaultInjectingProxy proxy = FaultInjectingProxy.start(zk.address())) {
 *     Client client = connect(proxy.localAddress());
 *     proxy.fault(Fault.blackhole());                                   // silent partition, both directions
 *     ...
 *     proxy.fault(Direction.DOWNSTREAM, Fault.delay(Duration.ofMillis(50)));
 *     proxy.fault(Fault.pass());                                        // heal
 * }
 * }</pre>
 *
 * <h2>Faults</h2>
 * <ul>
 *   <li>{@link Fault#pass()}: bytes are forwarded as read (the default).
 *   <li>{@link Fault#delay(Duration)}: each chunk is forwarded that long after it was read, in order.
 *   <li>{@link Fault#drop()}: bytes are read and discarded; connections stay open.
 *   <li>{@link Fault#blackhole()}: the proxy stops reading; bytes pile up in the kernel's buffers until the sender
 *       blocks. No FIN, no RST: neither peer notices, and TCP keepalive does not either.
 *   <li>{@link Fault#reset()}: every current connection is closed with an RST ({@code SO_LINGER} 0) on both
 *       sides, and while the fault is set on either direction new connections are accepted and immediately reset.
 *       A proxy is in reset mode while either direction's fault is {@code reset()}; set both directions (for example
 *       {@code fault(Fault.pass())}) to leave it.
 * </ul>
 * A fault applies to bytes the proxy reads after the change; bytes read earlier keep the treatment they got (a chunk
 * already waiting under {@code delay} is still delivered after {@code pass()} or {@code drop()}). A chunk the proxy
 * was already blocked reading when {@code blackhole()} was set is held inside the proxy, then treated by whatever
 * fault replaces the blackhole. {@link #disconnectAll()} and {@link #refuseNewConnections(boolean)} act on
 * connections rather than bytes and leave the faults alone.
 *
 * <h2>Connections as the peers see them</h2>
 * A client's {@code connect()} completes when the kernel accepts it, before the proxy has connected to the target;
 * if the proxy then refuses the connection (reset mode, {@link #refuseNewConnections(boolean)}, or the target cannot
 * be reached within {@link Builder#connectTimeout(Duration)}) the client sees an RST on its first read or write, not
 * a {@link java.net.ConnectException} ("connection refused"); when the RST beats the completion of the client's
 * {@code connect()} call, that call fails with a {@link java.net.SocketException} "Connection reset". A half-close (FIN) from one peer is forwarded to the other after the bytes
 * queued before it; the proxy closes a connection when both directions have ended, and resets both sides when
 * either side fails.
 *
 * <h2>Threading</h2>
 * All methods are thread-safe and may be called from any thread, including concurrently with traffic. The proxy
 * runs one acceptor thread and, per connection, a reader and a writer thread per direction; all are daemon threads
 * named {@code hakit-proxy-<listen port>-...}. A reader hands chunks to its writer through a queue bounded by
 * {@link Builder#bufferSize(int)} bytes, so at most about twice the buffer size per direction and connection is
 * inside the proxy at any time. No user code is ever called.
 *
 * <h2>Hazards</h2>
 * <ul>
 *   <li>This is a test tool: it is not hardened against hostile peers and uses four threads per connection.
 *   <li>{@code delay} bounds throughput to about one buffer per delay period and connection.
 *   <li>{@link #close()} resets every connection and waits a bounded time for its threads (see
 *       {@link Builder#closeTimeout(Duration)}); it always closes the proxy, even when a thread fails to stop in
 *       time (logged as a warning).
 * </ul>
 */
public final class FaultInjectingProxy implements AutoCloseable {

    /** Default {@link Builder#bufferSize(int)}: 64 KiB. */
    public static final int DEFAULT_BUFFER_SIZE = 64 * 1024;

    /** Default {@link Builder#connectTimeout(Duration)}: 5 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Default {@link Builder#closeTimeout(Duration)}: 5 seconds. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(FaultInjectingProxy.class);

    private enum State { NEW, RUNNING, CLOSED }

    private final InetSocketAddress target;
    private final InetAddress bindAddress;
    private final int listenPort;
    private final int bufferSize;
    private final Duration connectTimeout;
    private final Duration closeTimeout;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every fault change, connection close and proxy close; blackholed readers wait on it. */
    private final Condition faultChanged = lock.newCondition();
    // guarded by lock
    private final Map<Direction, Fault> faults = new EnumMap<>(Direction.class);
    // guarded by lock
    private boolean refusing;
    // guarded by lock
    private State state = State.NEW;
    // guarded by lock
    private final Set<Connection> connections = new LinkedHashSet<>();

    /** Live threads of this proxy; a thread is added (under lock, only while running) before it starts. */
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Map<Direction, AtomicLong> forwarded = new EnumMap<>(Direction.class);
    private final Map<Direction, AtomicLong> dropped = new EnumMap<>(Direction.class);
    private final AtomicLong connectionIds = new AtomicLong();
    private volatile ServerSocket serverSocket;
    private volatile int boundPort = -1;

    private FaultInjectingProxy(Builder builder) {
        this.target = builder.target;
        this.bindAddress = builder.bindAddress;
        this.listenPort = builder.listenPort;
        this.bufferSize = builder.bufferSize;
        this.connectTimeout = builder.connectTimeout;
        this.closeTimeout = builder.closeTimeout;
        for (Direction d : Direction.values()) {
            faults.put(d, Fault.pass());
            forwarded.put(d, new AtomicLong());
            dropped.put(d, new AtomicLong());
        }
    }

    /**
     * Starts a proxy with default settings (listening on {@code 127.0.0.1}, ephemeral port) that forwards to
     * {@code target}.
     *
     * @param target the server's address; its port must not be 0
     * @return the running proxy, passing every byte; {@link #close()} it
     * @throws IllegalArgumentException if the target's port is 0
     * @throws NullPointerException if {@code target} is null
     * @throws UncheckedIOException if the listening socket cannot be bound
     */
    public static FaultInjectingProxy start(InetSocketAddress target) {
        return builder().target(target).build().start();
    }

    /**
     * Returns a builder; only {@link Builder#target(InetSocketAddress)} is required.
     *
     * @return a new builder with the defaults
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listening socket and starts accepting connections. Faults set before this call apply from the
     * first connection.
     *
     * @return this proxy
     * @throws IllegalStateException if the proxy was already started or closed
     * @throws UncheckedIOException if the listening socket cannot be bound (for example, the port is in use)
     */
    public FaultInjectingProxy start() {
        lock.lock();
        try {
            if (state != State.NEW) {
                throw new IllegalStateException("proxy already " + (state == State.RUNNING ? "started" : "closed"));
            }
            ServerSocket ss = new ServerSocket();
            try {
                ss.setReuseAddress(true);
                ss.bind(new InetSocketAddress(bindAddress, listenPort), 50);
            } catch (IOException e) {
                closeQuietly(ss);
                throw e;
            }
            serverSocket = ss;
            boundPort = ss.getLocalPort();
            state = State.RUNNING;
            startThread("accept", this::acceptLoop);
            LOG.debug("Proxy {} started", this);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot bind proxy to " + bindAddress.getHostAddress() + ":" + listenPort, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sets the fault of both directions. {@code fault(Fault.pass())} heals every fault. As
     * {@link #fault(Direction, Fault)}, for both directions at once.
     *
     * @param fault the fault both directions apply from now on
     * @throws NullPointerException if {@code fault} is null
     */
    public void fault(Fault fault) {
        Objects.requireNonNull(fault, "fault");
        setFaults(Map.of(Direction.UPSTREAM, fault, Direction.DOWNSTREAM, fault));
    }

    /**
     * Sets the fault of one direction; the other keeps its fault. Takes effect for bytes read after this call.
     * {@link Fault#reset()} resets every current connection (both directions, since a connection cannot be half
     * reset) and keeps the proxy in reset mode until neither direction's fault is {@code reset()}.
     *
     * <p>Allowed before {@link #start()} (the initial fault) and after {@link #close()} (no effect).
     *
     * @param direction the direction to change
     * @param fault     the fault it applies from now on
     * @throws NullPointerException if an argument is null
     */
    public void fault(Direction direction, Fault fault) {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(fault, "fault");
        setFaults(Map.of(direction, fault));
    }

    /**
     * The current fault of {@code direction}.
     *
     * @param direction {@link Direction#UPSTREAM} (client to target) or {@link Direction#DOWNSTREAM}
     * @return its fault; {@link Fault#pass()} unless one was set
     * @throws NullPointerException if {@code direction} is null
     */
    public Fault fault(Direction direction) {
        Objects.requireNonNull(direction, "direction");
        lock.lock();
        try {
            return faults.get(direction);
        } finally {
            lock.unlock();
        }
    }

    private void setFaults(Map<Direction, Fault> changes) {
        List<Connection> toReset = List.of();
        lock.lock();
        try {
            faults.putAll(changes);
            if (changes.containsValue(Fault.reset())) {
                toReset = new ArrayList<>(connections);
            }
            faultChanged.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.debug("Proxy {}: faults now {}", boundPort, changes);
        toReset.forEach(Connection::abort);
    }

    /**
     * Resets (RST) every current connection once, on both sides. Faults and the refusal of new connections are
     * unchanged; new connections are accepted as usual.
     */
    public void disconnectAll() {
        connectionsNow().forEach(Connection::abort);
    }

    /**
     * While {@code refuse} is true, new connections are accepted and immediately reset; current connections are
     * unaffected. Default false.
     *
     * @param refuse true to reset new connections on accept, false to forward them again
     */
    public void refuseNewConnections(boolean refuse) {
        lock.lock();
        try {
            refusing = refuse;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The port the proxy listens on (the chosen ephemeral port when configured with port 0).
     *
     * @return the bound port; it stays known after {@link #close()}
     * @throws IllegalStateException if the proxy was never started
     */
    public int localPort() {
        int port = boundPort;
        if (port < 0) {
            throw new IllegalStateException("proxy not started");
        }
        return port;
    }

    /**
     * The address clients should connect to instead of the target.
     *
     * @return the bind address with {@link #localPort()}
     * @throws IllegalStateException if the proxy was never started
     */
    public InetSocketAddress localAddress() {
        return new InetSocketAddress(bindAddress, localPort());
    }

    /**
     * The address every connection is forwarded to.
     *
     * @return the target given to the builder
     */
    public InetSocketAddress target() {
        return target;
    }

    /**
     * Number of currently open proxied connections (accepted, not refused, and not yet closed).
     *
     * @return the number of open connections now; 0 before {@link #start()}
     */
    public int connectionCount() {
        lock.lock();
        try {
            return connections.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The local addresses of this proxy's open connections to its {@linkplain #target() target}: what the target sees
     * as each connection's remote address. A test uses it to find its client's connection at the server (for example
     * a ZooKeeper server's connection beans, which name the client's session). Connections still connecting to the
     * target are left out.
     *
     * @return a snapshot, in the order the connections were accepted
     */
    public List<InetSocketAddress> upstreamLocalAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (Connection c : connectionsNow()) {
            if (c.server.isConnected() && c.server.getLocalSocketAddress() instanceof InetSocketAddress a) {
                out.add(a);
            }
        }
        return out;
    }

    /** A copy of the open connections, taken under the lock. */
    private List<Connection> connectionsNow() {
        lock.lock();
        try {
            return new ArrayList<>(connections);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Total bytes written to the destination in {@code direction}, over all connections since start.
     *
     * @param direction the direction whose bytes are counted
     * @return the bytes forwarded so far
     * @throws NullPointerException if {@code direction} is null
     */
    public long bytesForwarded(Direction direction) {
        return forwarded.get(Objects.requireNonNull(direction, "direction")).get();
    }

    /**
     * Total bytes read and discarded under {@link Fault#drop()} in {@code direction}, over all connections.
     *
     * @param direction the direction whose bytes are counted
     * @return the bytes dropped so far
     * @throws NullPointerException if {@code direction} is null
     */
    public long bytesDropped(Direction direction) {
        return dropped.get(Objects.requireNonNull(direction, "direction")).get();
    }

    /**
     * Stops listening, resets every connection and waits up to the {@linkplain Builder#closeTimeout(Duration) close
     * timeout} for the proxy's threads to end. Idempotent: later calls (or calls concurrent with a running close)
     * return at once. The port is released when this returns.
     */
    @Override
    public void close() {
        List<Connection> snapshot;
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            snapshot = new ArrayList<>(connections);
            faultChanged.signalAll();
        } finally {
            lock.unlock();
        }
        ServerSocket ss = serverSocket;
        if (ss != null) {
            closeQuietly(ss);
        }
        snapshot.forEach(Connection::abort);
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        for (Thread t : new ArrayList<>(threads)) {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (t == Thread.currentThread() || remainingMillis <= 0) {
                continue;
            }
            try {
                t.join(remainingMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<Thread> stuck = threads.stream().filter(Thread::isAlive).toList();
        if (!stuck.isEmpty()) {
            LOG.warn("Proxy {}: {} thread(s) did not stop within {}: {}", boundPort, stuck.size(), closeTimeout, stuck);
            stuck.forEach(Thread::interrupt);
        }
        LOG.debug("Proxy {} closed", boundPort);
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "FaultInjectingProxy{" + bindAddress.getHostAddress() + ":" + boundPort + " -> " + target
                    + ", state=" + state + ", upstream=" + faults.get(Direction.UPSTREAM)
                    + ", downstream=" + faults.get(Direction.DOWNSTREAM) + ", refusing=" + refusing
                    + ", connections=" + connections.size() + "}";
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Starts a daemon thread unless the proxy is closed; returns whether it was started. */
    private boolean startThread(String suffix, Runnable body) {
        lock.lock();
        try {
            if (state != State.RUNNING) {
                return false;
            }
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } finally {
                    threads.remove(Thread.currentThread());
                }
            }, "hakit-proxy-" + boundPort + "-" + suffix);
            t.setDaemon(true);
            threads.add(t);
            t.start();
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean resetMode() {
        return faults.get(Direction.UPSTREAM).kind() == Fault.Kind.RESET
                || faults.get(Direction.DOWNSTREAM).kind() == Fault.Kind.RESET;
    }

    private void acceptLoop() {
        ServerSocket ss = serverSocket;
        while (true) {
            Socket client;
            try {
                client = ss.accept();
            } catch (IOException e) {
                if (!isClosed()) {
                    LOG.warn("Proxy {}: accept failed, no longer accepting connections", boundPort, e);
                }
                return;
            }
            Connection connection = null;
            lock.lock();
            try {
                if (state != State.RUNNING) {
                    reset(client);
                    return;
                }
                if (!refusing && !resetMode()) {
                    connection = new Connection(connectionIds.incrementAndGet(), client);
                    connections.add(connection);
                }
            } finally {
                lock.unlock();
            }
            if (connection == null) {
                LOG.debug("Proxy {}: refusing connection from {}", boundPort, client.getRemoteSocketAddress());
                reset(client);
            } else if (!startThread(connection.name + "-upstream-read", connection::run)) {
                connection.abort();
            }
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return state == State.CLOSED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks while {@code direction} is blackholed. Returns the fault to apply to the next chunk, or null when the
     * connection (or the proxy) is closed.
     */
    private Fault awaitNotBlackholed(Direction direction, Connection connection) throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (connection.closed || state == State.CLOSED) {
                    return null;
                }
                Fault fault = faults.get(direction);
                if (fault.kind() != Fault.Kind.BLACKHOLE) {
                    return fault;
                }
                faultChanged.await();
            }
        } finally {
            lock.unlock();
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // Already closed or never connected: a plain close is all that is left to do.
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.trace("close failed", e);
        }
    }

    /** One proxied connection: the accepted client socket, the socket to the target, and two pumps. */
    private final class Connection {

        final String name;
        final Socket client;
        final Socket server = new Socket();
        final Pump upstream;
        final Pump downstream;
        final AtomicInteger finishedPumps = new AtomicInteger();
        /** Set once, under the proxy lock; read without it by the pumps. */
        volatile boolean closed;

        Connection(long id, Socket client) {
            this.name = "c" + id;
            this.client = client;
            this.upstream = new Pump(Direction.UPSTREAM, this, client, server);
            this.downstream = new Pump(Direction.DOWNSTREAM, this, server, client);
        }

        /** Runs on the upstream reader thread: connects to the target, starts the other pumps, then reads. */
        void run() {
            try {
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                server.connect(target, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("Proxy {}: cannot connect {} to {}", boundPort, name, target, e);
                }
                abort();
                return;
            }
            if (!startThread(name + "-upstream-write", upstream::writeLoop)
                    || !startThread(name + "-downstream-read", downstream::readLoop)
                    || !startThread(name + "-downstream-write", downstream::writeLoop)) {
                abort();
                return;
            }
            upstream.readLoop();
        }

        /** Closes both sockets with an RST; idempotent. */
        void abort() {
            if (markClosed()) {
                reset(client);
                reset(server);
                upstream.wake();
                downstream.wake();
            }
        }

        /** Called by each pump's writer when its direction has ended cleanly (EOF forwarded). */
        void pumpFinished() {
            if (finishedPumps.incrementAndGet() == 2 && markClosed()) {
                closeQuietly(client);
                closeQuietly(server);
            }
        }

        void fail(String what, IOException e) {
            if (!closed) {
                LOG.debug("Proxy {}: {} {} failed, resetting the connection: {}", boundPort, name, what, e.toString());
            }
            abort();
        }

        private boolean markClosed() {
            lock.lock();
            try {
                if (closed) {
                    return false;
                }
                closed = true;
                connections.remove(this);
                faultChanged.signalAll();
                return true;
            } finally {
                lock.unlock();
            }
        }
    }

    /** A chunk read from one side, due to be written to the other at {@code dueNanos}. */
    private record Chunk(byte[] bytes, long dueNanos) {
    }

    /** One direction of one connection: a reader and a writer thread joined by a byte-bounded queue. */
    private final class Pump {

        final Direction direction;
        final Connection connection;
        final Socket from;
        final Socket to;
        final ReentrantLock pumpLock = new ReentrantLock();
        final Condition changed = pumpLock.newCondition();
        // guarded by pumpLock
        final ArrayDeque<Chunk> queue = new ArrayDeque<>();
        // guarded by pumpLock
        int queuedBytes;
        // guarded by pumpLock
        boolean inputEnded;

        Pump(Direction direction, Connection connection, Socket from, Socket to) {
            this.direction = direction;
            this.connection = connection;
            this.from = from;
            this.to = to;
        }

        void readLoop() {
            byte[] buffer = new byte[bufferSize];
            try {
                InputStream in = from.getInputStream();
                while (true) {
                    if (awaitNotBlackholed(direction, connection) == null) {
                        return;
                    }
                    int n = in.read(buffer);
                    if (n < 0) {
                        endInput();
                        return;
                    }
                    // The fault in force when the chunk was read decides its fate; a chunk read just as a blackhole
                    // started is held here until the blackhole ends.
                    Fault fault = awaitNotBlackholed(direction, connection);
                    if (fault == null) {
                        return;
                    }
                    switch (fault.kind()) {
                        case DROP:
                            dropped.get(direction).addAndGet(n);
                            break;
                        case RESET:
                            connection.abort();
                            return;
                        default:
                            long due = System.nanoTime() + fault.delay().toNanos();
                            if (!enqueue(Arrays.copyOf(buffer, n), due)) {
                                return;
                            }
                            break;
                    }
                }
            } catch (IOException e) {
                connection.fail(direction + " read", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                connection.abort();
            }
        }

        private boolean enqueue(byte[] bytes, long dueNanos) throws InterruptedException {
            pumpLock.lock();
            try {
                while (!connection.closed && queuedBytes > 0 && queuedBytes + bytes.length > bufferSize) {
                    changed.await();
                }
                if (connection.closed) {
                    return false;
                }
                queue.addLast(new Chunk(bytes, dueNanos));
                queuedBytes += bytes.length;
                changed.signalAll();
                return true;
            } finally {
                pumpLock.unlock();
            }
        }

        private void endInput() {
            pumpLock.lock();
            try {
                inputEnded = true;
                changed.signalAll();
            } finally {
                pumpLock.unlock();
            }
        }

        void wake() {
            pumpLock.lock();
            try {
                changed.signalAll();
            } finally {
                pumpLock.unlock();
            }
        }

        void writeLoop() {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = takeDue();
                    if (connection.closed) {
                        return;
                    }
                    if (chunk == null) {
                        to.shutdownOutput();
                        connection.pumpFinished();
                        return;
                    }
                    out.write(chunk.bytes());
                    forwarded.get(direction).addAndGet(chunk.bytes().length);
                }
            } catch (IOException e) {
                connection.fail(direction + " write", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                connection.abort();
            }
        }

        /** The next chunk once it is due; null when the input ended and the queue is drained, or when closed. */
        private Chunk takeDue() throws InterruptedException {
            pumpLock.lock();
            try {
                while (!connection.closed) {
                    Chunk head = queue.peekFirst();
                    if (head == null) {
                        if (inputEnded) {
                            return null;
                        }
                        changed.await();
                        continue;
                    }
                    long waitNanos = head.dueNanos() - System.nanoTime();
                    if (waitNanos <= 0) {
                        queue.removeFirst();
                        queuedBytes -= head.bytes().length;
                        changed.signalAll();
                        return head;
                    }
                    changed.awaitNanos(waitNanos);
                }
                return null;
            } finally {
                pumpLock.unlock();
            }
        }
    }

    /**
     * Builder of a {@link FaultInjectingProxy}. Not thread-safe; {@link #build()} copies the settings, so one builder
     * may build several proxies.
     */
    public static final class Builder {

        private InetSocketAddress target;
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int listenPort;
        private int bufferSize = DEFAULT_BUFFER_SIZE;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

        private Builder() {
        }

        /**
         * The address every accepted connection is forwarded to. Required.
         *
         * @param target the server's address; its port must not be 0 ({@link #build()} checks)
         * @return this builder
         * @throws NullPointerException if {@code target} is null
         */
        public Builder target(InetSocketAddress target) {
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        /**
         * Shorthand for {@code target(new InetSocketAddress(host, port))}; the host is resolved now.
         *
         * @param host the server's host name or address
         * @param port the server's port, 1 to 65535
         * @return this builder
         * @throws IllegalArgumentException if {@code port} is outside 0 to 65535
         * @throws NullPointerException     if {@code host} is null
         */
        public Builder target(String host, int port) {
            return target(new InetSocketAddress(Objects.requireNonNull(host, "host"), port));
        }

        /**
         * The local address to listen on. Default: the loopback address ({@code 127.0.0.1}). Hazard: a non-loopback
         * address exposes the proxy (and the target behind it) to the network.
         *
         * @param bindAddress the address to listen on
         * @return this builder
         * @throws NullPointerException if {@code bindAddress} is null
         */
        public Builder bindAddress(InetAddress bindAddress) {
            this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
            return this;
        }

        /**
         * The port to listen on; 0 (the default) picks an ephemeral port, see {@link FaultInjectingProxy#localPort()}.
         * A fixed port lets a client reconnect to the same address after the proxy is replaced, but may collide with
         * other processes.
         *
         * @param listenPort the port, 0 to 65535 ({@link #build()} checks)
         * @return this builder
         */
        public Builder listenPort(int listenPort) {
            this.listenPort = listenPort;
            return this;
        }

        /**
         * The read buffer and the bound of the queue between reader and writer, per direction and connection.
         * Default {@value FaultInjectingProxy#DEFAULT_BUFFER_SIZE} bytes. With {@link Fault#delay(Duration)}
         * throughput is bounded to about this many bytes per delay period.
         *
         * @param bufferSize the size in bytes, positive ({@link #build()} checks)
         * @return this builder
         */
        public Builder bufferSize(int bufferSize) {
            this.bufferSize = bufferSize;
            return this;
        }

        /**
         * How long the proxy waits to connect to the target for each accepted connection before resetting the
         * client. Default 5 seconds.
         *
         * @param connectTimeout the timeout, positive ({@link #build()} checks)
         * @return this builder
         * @throws NullPointerException if {@code connectTimeout} is null
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * How long {@link FaultInjectingProxy#close()} waits for the proxy's threads to end. Default 5 seconds.
         * Threads still alive after it are interrupted and logged; the sockets are closed regardless.
         *
         * @param closeTimeout the timeout, positive ({@link #build()} checks)
         * @return this builder
         * @throws NullPointerException if {@code closeTimeout} is null
         */
        public Builder closeTimeout(Duration closeTimeout) {
            this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
            return this;
        }

        /**
         * Validates the settings and returns an unstarted proxy; call {@link FaultInjectingProxy#start()}.
         *
         * @return a new proxy, not listening yet
         *
         * @throws IllegalStateException if no target was set
         * @throws IllegalArgumentException if {@code listenPort} is outside 0..65535, the target port is 0,
         *         {@code bufferSize} is not positive, or a timeout is not positive
         */
        public FaultInjectingProxy build() {
            if (target == null) {
                throw new IllegalStateException("target must be set");
            }
            if (target.getPort() == 0) {
                throw new IllegalArgumentException("target port must not be 0, was " + target);
            }
            if (listenPort < 0 || listenPort > 65535) {
                throw new IllegalArgumentException("listenPort must be between 0 and 65535, was " + listenPort);
            }
            if (bufferSize <= 0) {
                throw new IllegalArgumentException("bufferSize must be positive, was " + bufferSize);
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + connectTimeout);
            }
            if (closeTimeout.isNegative() || closeTimeout.isZero()) {
                throw new IllegalArgumentException("closeTimeout must be positive, was " + closeTimeout);
            }
            return new FaultInjectingProxy(this);
        }
    }
}
