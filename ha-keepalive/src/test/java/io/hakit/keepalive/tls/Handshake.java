package io.hakit.keepalive.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;

import java.util.ArrayList;
import java.util.List;

/**
 * A real TLS handshake between two {@link TlsContexts}, in memory: a client and a server {@code SslHandler} on
 * {@link EmbeddedChannel}s, their bytes carried across by hand until neither has more to say. Records what each side
 * ends with: the handshake failure, and any exception read after it (a TLS 1.3 client learns that the server refused
 * its certificate only after its own side of the handshake completed).
 */
final class Handshake {

    /** What one side saw. */
    static final class Side extends ChannelInboundHandlerAdapter {
        final List<Throwable> failures = new ArrayList<>();
        boolean succeeded;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent) {
                SslHandshakeCompletionEvent e = (SslHandshakeCompletionEvent) evt;
                if (e.isSuccess()) {
                    succeeded = true;
                } else {
                    failures.add(e.cause());
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.add(cause);
        }

        /** The last failure seen, or null. */
        Throwable failure() {
            return failures.isEmpty() ? null : failures.get(failures.size() - 1);
        }
    }

    final Side client = new Side();
    final Side server = new Side();

    /** Runs a handshake: {@code clientSide} dials, {@code serverSide} accepts. */
    static Handshake run(TlsContexts clientSide, TlsContexts serverSide) {
        Handshake h = new Handshake();
        EmbeddedChannel c = new EmbeddedChannel();
        EmbeddedChannel s = new EmbeddedChannel();
        s.pipeline().addLast(serverSide.server().newHandler(s.alloc()), h.server);
        c.pipeline().addLast(clientSide.client().newHandler(c.alloc()), h.client);
        for (int round = 0; round < 50; round++) {
            boolean moved = carry(c, s) | carry(s, c);
            c.runPendingTasks();
            s.runPendingTasks();
            if (!moved) {
                break;
            }
        }
        c.finishAndReleaseAll();
        s.finishAndReleaseAll();
        return h;
    }

    private static boolean carry(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        for (ByteBuf b; (b = from.readOutbound()) != null; ) {
            moved = true;
            if (to.isOpen()) {
                to.writeInbound(b);
            } else {
                b.release();
            }
        }
        return moved;
    }

    /** The engines to test: the JDK's always, OpenSSL when netty-tcnative is on the class path. */
    static List<SslProvider> providers() {
        List<SslProvider> out = new ArrayList<>(List.of(SslProvider.JDK));
        if (io.netty.handler.ssl.OpenSsl.isAvailable()) {
            out.add(SslProvider.OPENSSL);
        }
        return out;
    }
}
