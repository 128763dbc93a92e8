package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.Hello;
import io.hakit.sync.internal.proto.Refuse;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The standby's side of one connection, on its event loop: the hello (protocol, cluster, peer, roots, epoch fence),
 * then the rounds through a {@link Sink}. A refused or misbehaving source is told why and closed; frames already
 * read after that are dropped, not applied.
 */
public final class SinkSession extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(SinkSession.class);

    /** The synchronizer around the session; called on the connection's event loop. */
    public interface Host {
        /** Whether this node is active itself (then it takes no files: split brain). */
        boolean active();

        /** A source was admitted on {@code ctx}'s channel (an older one is to be closed). */
        void admitted(ChannelHandlerContext ctx, String peer, long epoch);

        /** The connection closed. */
        void closed(ChannelHandlerContext ctx);

        /** A round was applied. */
        void roundApplied(RoundDone done, long sourceEpoch);

        /** The source broke the protocol (the connection is being closed). */
        void brokeProtocol(String why);

        /**
         * Holds back repeats of a connection's problem (a peer that retries a failing handshake every heartbeat
         * would otherwise log a line each time): keyed by the peer's host and the cause, not its port.
         */
        io.hakit.keepalive.support.RepeatFilter connectionProblems();
    }

    /** Who may be a source and what it must send. */
    public record Rules(int protocolVersion, String clusterId, String nodeId, String peerNodeId,
                        Map<String, Path> roots, Path stateDir) {
    }

    private final Rules rules;
    private final Scanner scanner;
    private final HashCache cache;
    private final SyncRecord record;
    private final Sink.Limits limits;
    private final Host host;
    private Sink sink;
    // set once the connection is refused or the peer broke the protocol: frames already read (the rest of the batch,
    // or what the decoder still holds when the channel goes inactive) are dropped, not applied
    private boolean done;

    public SinkSession(Rules rules, Scanner scanner, HashCache cache, SyncRecord record, Sink.Limits limits,
                       Host host) {
        this.rules = rules;
        this.scanner = scanner;
        this.cache = cache;
        this.record = record;
        this.limits = limits;
        this.host = host;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (done) {
                return;
            }
            if (sink == null) {
                hello(ctx, msg);
                return;
            }
            if (msg instanceof SyncFrames.Data d) {
                msg = null; // onData releases it
                sink.onData(d);
            } else {
                sink.onMessage((SyncMessage) msg);
            }
        } catch (Sink.ProtocolException e) {
            done = true;
            warn(ctx, "closing the sync connection from", e.getMessage());
            host.brokeProtocol(e.getMessage());
            ctx.close();
        } finally {
            if (msg instanceof SyncFrames.Data d) {
                d.bytes().release(); // not reference-counted itself: its buffer is
            } else if (msg != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    private void hello(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof SyncMessage m) || !m.hasHello()) {
            refuse(ctx, "the first frame must be a hello");
            return;
        }
        Hello h = m.getHello();
        Set<String> roots = new HashSet<>(h.getRootsList());
        if (h.getProtocolVersion() != rules.protocolVersion()) {
            refuse(ctx, "protocol version " + h.getProtocolVersion() + ", this node speaks " + rules.protocolVersion()
                    + " (run the same HAKit version on both nodes)");
        } else if (!h.getClusterId().equals(rules.clusterId())) {
            refuse(ctx, "cluster '" + h.getClusterId() + "', this node is in '" + rules.clusterId() + "'");
        } else if (!h.getNodeId().equals(rules.peerNodeId())) {
            refuse(ctx, "node '" + h.getNodeId() + "' is not this node's peer '" + rules.peerNodeId() + "'");
        } else if (!roots.equals(rules.roots().keySet())) {
            refuse(ctx, "roots " + roots + " differ from this node's " + rules.roots().keySet());
        } else if (host.active()) {
            refuse(ctx, rules.nodeId() + " is active too (split brain): it takes no files until one steps down");
        } else if (!record.admitEpoch(h.getEpoch())) {
            refuse(ctx, "epoch " + h.getEpoch() + " is older than " + record.highestEpoch()
                    + ", which this node has seen: a deposed active must not overwrite the new one's files");
        } else if (epochSaved(ctx)) {
            long epoch = h.getEpoch();
            host.admitted(ctx, h.getNodeId(), epoch);
            sink = new Sink(rules.roots(), scanner, cache, record, limits, rules.nodeId(), out -> {
                // flushed in channelReadComplete: the wants of a whole manifest batch go out together; a RoundDone at
                // once (the sink saves its record after it)
                ctx.write(SyncFrames.control(ctx.alloc(), out));
                if (out.hasRoundDone()) {
                    host.roundApplied(out.getRoundDone(), epoch); // status first: the source may ask for it next
                    ctx.flush();
                }
            });
            ctx.writeAndFlush(SyncFrames.control(ctx.alloc(), SyncMessage.newBuilder().setHello(Hello.newBuilder()
                    .setProtocolVersion(rules.protocolVersion()).setClusterId(rules.clusterId())
                    .setNodeId(rules.nodeId()).setEpoch(record.highestEpoch())
                    .addAllRoots(rules.roots().keySet())).build()));
            LOG.info("{}: accepted {} (epoch {}) as the sync source", rules.nodeId(), h.getNodeId(), epoch);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    /** Makes an epoch just admitted durable before any file is taken: a restart must not forget it. */
    private boolean epochSaved(ChannelHandlerContext ctx) {
        try {
            record.save();
            return true;
        } catch (IOException e) {
            refuse(ctx, rules.nodeId() + " cannot record the epoch in " + rules.stateDir() + ": " + e.getMessage());
            return false;
        }
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
        done = true;
        LOG.warn("{}: refusing sync source {}: {}", rules.nodeId(), ctx.channel().remoteAddress(), reason);
        ctx.writeAndFlush(SyncFrames.control(ctx.alloc(), SyncMessage.newBuilder()
                .setRefuse(Refuse.newBuilder().setReason(reason)).build())).addListener(f -> ctx.close());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (sink != null) {
            sink.abort();
        }
        host.closed(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!done) {
            warn(ctx, "sync connection failed from", SyncTransport.describe(cause));
        }
        done = true;
        ctx.close();
    }

    /** One line per peer host and cause per minute; the next one says how many were held back. */
    private void warn(ChannelHandlerContext ctx, String what, String why) {
        java.net.SocketAddress remote = ctx.channel().remoteAddress();
        String from = remote instanceof java.net.InetSocketAddress a ? a.getHostString() : String.valueOf(remote);
        String problem = what + " " + from + ": " + why;
        io.hakit.keepalive.support.RepeatFilter filter = host.connectionProblems();
        if (filter.shouldLog(problem)) {
            LOG.warn("{}: {} {}: {}{}", rules.nodeId(), what, remote, why, filter.suppressedNote(problem));
        }
    }
}
