package io.hakit.cli;

import io.hakit.api.support.EventExecutor;
import io.hakit.keepalive.tls.PemLayout;
import io.hakit.keepalive.tls.TlsContexts;
import io.hakit.keepalive.tls.TlsProblem;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One connection to a port of the peer, as the agent itself would make it, that names the step that fails: the TCP
 * connect, the TLS handshake (the peer refused this node's certificate, does not speak TLS, did not answer), the
 * peer certificate's trust (not signed by the pair's CA), its name (another node than {@code keepalive.peer.node-id})
 * or its expiry. Mutual TLS with this node's certificate directory and the pair's peer-name check
 * ({@link TlsContexts}); the handshake is TLS 1.2, so that it completes only once the peer has accepted this node's
 * certificate too (with TLS 1.3 a client finishes first and hears of a refusal later, if at all). Nothing is sent
 * after the handshake: the peer sees a connection that closes before its Hello, which it ignores.
 */
final class PeerProbe {

    /**
     * How long the TLS handshake may take: a first handshake in a cold JVM on a busy machine takes seconds (key
     * agreement, certificate path checks, class loading).
     */
    static final Duration HANDSHAKE_LIMIT = Duration.ofSeconds(10);

    /** Where a probe failed. */
    enum Step {
        TCP_CONNECT("TCP connect"),
        TLS_HANDSHAKE("TLS handshake"),
        CERTIFICATE_TRUST("certificate trust"),
        CERTIFICATE_NAME("certificate name"),
        CERTIFICATE_EXPIRY("certificate expiry");

        private final String shown;

        Step(String shown) {
            this.shown = shown;
        }

        @Override
        public String toString() {
            return shown;
        }
    }

    /**
     * A probe's outcome.
     *
     * @param failed      the step that failed, or null when every step passed
     * @param detail      why it failed, or what was seen
     * @param certificate the peer's certificate (null unless the handshake completed)
     * @param millis      how long the probe took
     */
    record Result(Step failed, String detail, X509Certificate certificate, long millis) {
        boolean ok() {
            return failed == null;
        }
    }

    private PeerProbe() {
    }

    /**
     * Connects to {@code address} and, unless {@code certDir} is null (TLS disabled), completes a mutual TLS handshake
     * that checks the peer's certificate names {@code expectedPeer}; then closes. Bounded by {@code timeout} for the
     * connect and {@link #HANDSHAKE_LIMIT} for the handshake.
     */
    static Result probe(InetSocketAddress address, Path certDir, String expectedPeer, Duration timeout) {
        long start = System.nanoTime();
        InetSocketAddress target = address.isUnresolved()
                ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
        String where = address.getHostString() + ":" + address.getPort();
        if (target.isUnresolved()) {
            return new Result(Step.TCP_CONNECT, "cannot resolve " + address.getHostString(), null, millis(start));
        }
        TlsContexts tls = null;
        if (certDir != null) {
            try {
                tls = TlsContexts.load(new PemLayout(certDir), expectedPeer);
            } catch (PemLayout.CertificateProblem e) {
                return new Result(Step.TLS_HANDSHAKE, "this node's certificates cannot be used: " + e.getMessage(),
                        null, millis(start));
            }
        }
        EventLoopGroup group = new NioEventLoopGroup(1, EventExecutor.daemon("hakit-doctor-probe"));
        try {
            ChannelFuture connect = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
                    .handler(new Discard()).connect(target);
            if (!connect.awaitUninterruptibly(timeout.toMillis() + 1000) || !connect.isSuccess()) {
                connect.channel().close();
                Throwable c = connect.cause();
                String why = c == null ? "timed out" : c.getMessage() == null ? c.toString() : c.getMessage();
                // netty appends the address ("Connection refused: /10.0.0.12:7655"): it is named already
                return new Result(Step.TCP_CONNECT, "cannot connect to " + where + ": " + why.replaceFirst(": /\\S+$",
                        ""), null, millis(start));
            }
            Channel ch = connect.channel();
            if (tls == null) {
                ch.close();
                return new Result(null, "TCP connect to " + where + " (TLS disabled: keepalive.tls.insecure)", null,
                        millis(start));
            }
            SSLEngine engine = tls.client().newEngine(ch.alloc(), address.getHostString(), address.getPort());
            engine.setEnabledProtocols(new String[] {"TLSv1.2"});
            SslHandler ssl = new SslHandler(engine);
            ssl.setHandshakeTimeoutMillis(HANDSHAKE_LIMIT.toMillis());
            ch.pipeline().addFirst("tls", ssl);
            io.netty.util.concurrent.Future<Channel> handshake = ssl.handshakeFuture();
            if (!handshake.awaitUninterruptibly(HANDSHAKE_LIMIT.toMillis() + 1000)) {
                ch.close();
                return new Result(Step.TLS_HANDSHAKE, where + " accepted the connection but did not finish a TLS "
                        + "handshake within " + HANDSHAKE_LIMIT.toSeconds() + " s", null, millis(start));
            }
            if (!handshake.isSuccess()) {
                ch.close();
                TlsProblem p = TlsProblem.of(handshake.cause());
                return new Result(step(p.kind()), p.detail(), null, millis(start));
            }
            X509Certificate peer;
            try {
                peer = (X509Certificate) engine.getSession().getPeerCertificates()[0];
            } catch (SSLPeerUnverifiedException e) {
                peer = null;
            }
            ch.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            return new Result(null, "TCP connect and TLS handshake (" + engine.getSession().getProtocol() + ") with "
                    + where, peer, millis(start));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    private static Step step(TlsProblem.Kind kind) {
        switch (kind) {
            case UNKNOWN_CA:
            case PEER_UNTRUSTED:
                return Step.CERTIFICATE_TRUST;
            case PEER_WRONG_NAME:
                return Step.CERTIFICATE_NAME;
            case PEER_EXPIRED:
            case PEER_NOT_YET_VALID:
                return Step.CERTIFICATE_EXPIRY;
            default:
                return Step.TLS_HANDSHAKE;
        }
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Drops whatever the peer sends (its Hello) and the errors of a connection that is closed anyway. */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the handshake future carries the cause
        }
    }
}
