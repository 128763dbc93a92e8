package io.hakit.sync.internal;

import io.hakit.api.support.EventExecutor;
import io.hakit.keepalive.support.ConnectionLimiter;
import io.hakit.keepalive.tls.PemLayout;
import io.hakit.keepalive.tls.TlsContexts;
import io.hakit.sync.internal.proto.SyncMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The synchronizer's network: the standby's listening port (its pipeline reads as the protocol's table of contents:
 * connection limits, TLS, frames, the sink) and the active's connection to it ({@link #connect}, a {@link Link}
 * with flow control). Mutual TLS with the keepalive pair's certificates and the peer-name check, unless insecure.
 * Thread-safe; {@link #close} ends both.
 */
public final class SyncTransport implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(SyncTransport.class);
    /** Bounds every frame: a Want offers at most 65,536 block digests (2.2 MiB), a Manifest 1,000 entries. */
    public static final int MAX_FRAME = 8 << 20;
    /** Bytes the source lets travel towards the socket before it waits for the oldest write to complete. */
    static final int WINDOW = 4 << 20;
    /**
     * Plaintext the source's TLS handler encrypts per pass: a data frame's worth (its TLS records stay at most 16 KiB
     * each, as the protocol has them) into one buffer and one write, instead of netty's default of one record per pass
     * with a buffer, a write and a promise each (docs/benchmarks.md, sync-throughput, issue 18: TLS cost).
     */
    static final int TLS_WRAP = Source.CHUNK;

    private final String nodeId;
    private final InetSocketAddress peer;
    private final Duration timeout;
    private final EventLoopGroup group;
    private final SslContext serverTls;
    private final SslContext clientTls;
    private final ConnectionLimiter limiter;
    private final Channel server;
    private final ByteCounter bytes = new ByteCounter();

    /**
     * Listens on {@code bind}; each accepted connection gets the handler {@code sink} makes (after the limits, TLS
     * and the frame decoder).
     *
     * @param certDir the keepalive pair's certificate directory, or null for an insecure transport
     * @throws IOException naming what cannot be used: the certificates, or the port (with the key that sets it)
     */
    public SyncTransport(String nodeId, String peerNodeId, InetSocketAddress bind, String bindKey,
                         InetSocketAddress peer, Path certDir, Duration timeout, Supplier<ChannelHandler> sink)
            throws IOException {
        this.nodeId = nodeId;
        this.peer = peer;
        this.timeout = timeout;
        if (certDir == null) {
            serverTls = null;
            clientTls = null;
        } else {
            try {
                TlsContexts t = TlsContexts.load(new PemLayout(certDir), peerNodeId);
                serverTls = t.server();
                clientTls = t.client();
            } catch (PemLayout.CertificateProblem e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        this.limiter = new ConnectionLimiter(nodeId + " sync port " + bind.getPort(),
                ConnectionLimiter.DEFAULT_MAX_PENDING, ConnectionLimiter.DEFAULT_MAX_PER_ADDRESS,
                timeout.compareTo(ConnectionLimiter.DEFAULT_DEADLINE) < 0 ? timeout
                        : ConnectionLimiter.DEFAULT_DEADLINE, LOG);
        this.group = new NioEventLoopGroup(2, EventExecutor.daemon("hakit-sync-io-" + nodeId));
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            p.addLast("bytes", bytes);
                            p.addLast("limits", limiter);
                            if (serverTls != null) {
                                p.addLast("tls", serverTls.newHandler(ch.alloc()));
                            }
                            p.addLast("frames", new SyncFrames.Decoder(MAX_FRAME));
                            p.addLast("sink", sink.get());
                        }
                    }).bind(bind).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the BindException (checked) undeclared
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + bind + " (" + bindKey + "): " + e.getMessage(), e);
        }
    }

    /** Bytes written to the synchronizer's connections since the start, as they go to the socket (TLS included). */
    public long bytesSent() {
        return bytes.sent.sum();
    }

    /** Bytes read from the synchronizer's connections since the start, as they come from the socket (TLS included). */
    public long bytesReceived() {
        return bytes.received.sum();
    }

    /** Counts the bytes every connection (accepted or dialed) reads and writes; next to the socket. */
    @ChannelHandler.Sharable
    private static final class ByteCounter extends ChannelDuplexHandler {
        final LongAdder sent = new LongAdder();
        final LongAdder received = new LongAdder();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) {
                received.add(b.readableBytes());
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf b) {
                sent.add(b.readableBytes());
            }
            ctx.write(msg, promise);
        }
    }

    /** The port the sink listens on. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public boolean secure() {
        return serverTls != null;
    }

    /** An accepted connection's hello was accepted: it no longer counts against the handshake limits. */
    public void admitted(Channel ch) {
        limiter.admitted(ch);
    }

    /**
     * Connects to the standby (bounded by the timeout).
     *
     * @throws IOException "peer unreachable: ..." naming the address and why
     */
    public NettyLink connect() throws IOException, InterruptedException {
        NettyLink link = new NettyLink();
        ChannelFuture f = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(10_000, timeout.toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("bytes", bytes);
                        if (clientTls != null) {
                            SslHandler tls = clientTls.newHandler(ch.alloc(), peer.getHostString(), peer.getPort());
                            tls.setWrapDataSize(TLS_WRAP);
                            p.addLast("tls", tls);
                        }
                        p.addLast("frames", new SyncFrames.Decoder(MAX_FRAME));
                        p.addLast("link", link);
                    }
                }).connect(peer);
        if (!f.await(timeout.toMillis() + 1000) || !f.isSuccess()) {
            f.channel().close();
            Throwable c = f.cause();
            throw new IOException("peer unreachable: cannot connect to " + peer + " ("
                    + (c == null ? "timed out" : c.getMessage()) + ")");
        }
        link.channel = f.channel();
        return link;
    }

    private record Sent(ChannelFuture future, int bytes) {
    }

    private static final Object CLOSED = new Object();

    /** The source's side of a connection: a queue of what arrives, writes that wait while congested. */
    public final class NettyLink extends ChannelInboundHandlerAdapter implements Source.Link {
        private final LinkedBlockingQueue<Object> inbound = new LinkedBlockingQueue<>();
        private volatile Channel channel;
        private volatile Runnable onClose = () -> { };
        private long unflushed;
        private final Deque<Sent> inFlight = new ArrayDeque<>();
        private long inFlightBytes;

        /** Runs (on an I/O thread) when the connection closes: an idle source notices at once. */
        public void onClose(Runnable r) {
            onClose = r;
            if (channel != null && !channel.isActive()) {
                r.run();
            }
        }

        public boolean isActive() {
            return channel.isActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof SyncMessage) {
                inbound.add(msg);
            } else {
                if (msg instanceof SyncFrames.Data d) {
                    d.bytes().release();
                }
                ReferenceCountUtil.release(msg);
                inbound.add(new IOException("the standby sent file data"));
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inbound.add(CLOSED);
            onClose.run();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            inbound.add(new IOException("connection to the standby failed: " + describe(cause), cause));
            ctx.close();
        }

        /**
         * Waits (bounded by the timeout) until at most {@value #WINDOW} bytes written earlier are still on their way
         * to the socket: each write's future completes once the bytes are in the kernel, oldest first.
         */
        private void awaitWindow() throws IOException {
            while (inFlightBytes > WINDOW) {
                Sent oldest = inFlight.peekFirst();
                if (!oldest.future.isDone()) {
                    flush();
                    try {
                        if (!oldest.future.await(timeout.toMillis())) {
                            throw new IOException("the standby took no data for " + timeout.toMillis() + " ms");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while sending", e);
                    }
                }
                if (!oldest.future.isSuccess()) {
                    throw new IOException("sending to the standby failed: " + describe(oldest.future.cause()),
                            oldest.future.cause());
                }
                inFlight.removeFirst();
                inFlightBytes -= oldest.bytes;
            }
            while (!inFlight.isEmpty() && inFlight.peekFirst().future.isDone()) {
                Sent done = inFlight.removeFirst();
                inFlightBytes -= done.bytes;
                if (!done.future.isSuccess()) {
                    throw new IOException("sending to the standby failed: " + describe(done.future.cause()),
                            done.future.cause());
                }
            }
            if (!channel.isActive()) {
                throw new IOException("connection to the standby closed");
            }
        }

        private void written(ChannelFuture f, int bytes) {
            inFlight.addLast(new Sent(f, bytes));
            inFlightBytes += bytes;
            unflushed += bytes;
            if (unflushed >= 256 * 1024) {
                flush();
            }
        }

        @Override
        public void send(SyncMessage m) throws IOException {
            awaitWindow();
            ByteBuf frame = SyncFrames.control(channel.alloc(), m);
            int n = frame.readableBytes();
            written(channel.write(frame), n);
        }

        @Override
        public void sendData(int id, long offset, ByteBuf bytes) throws IOException {
            try {
                awaitWindow();
            } catch (IOException e) {
                bytes.release();
                throw e;
            }
            int n = bytes.readableBytes();
            channel.write(SyncFrames.dataHeader(channel.alloc(), id, offset, n));
            written(channel.write(bytes), n);
        }

        @Override
        public void flush() {
            unflushed = 0;
            channel.flush();
        }

        @Override
        public boolean hasInbound() {
            return !inbound.isEmpty();
        }

        @Override
        public SyncMessage receive(Duration wait) throws IOException, InterruptedException {
            Object o = inbound.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (o == null) {
                return null;
            }
            if (o == CLOSED) {
                inbound.add(CLOSED);
                throw new IOException("connection to the standby closed");
            }
            if (o instanceof IOException e) {
                throw e;
            }
            return (SyncMessage) o;
        }

        @Override
        public ByteBufAllocator alloc() {
            return channel.alloc();
        }

        public void close() {
            Channel c = channel;
            if (c != null) {
                c.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
        }
    }

    /** The innermost cause's message. */
    public static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
