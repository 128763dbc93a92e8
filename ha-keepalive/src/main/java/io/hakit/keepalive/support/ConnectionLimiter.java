package io.hakit.keepalive.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the connections a listening port holds before they prove who they are: at most {@code maxPending} in all
 * and {@code maxPerAddress} from one address may be in their handshake at once, and each gets {@code deadline} to
 * finish it ({@link #admitted}); the rest are closed at once. A flood of idle or garbage connections therefore costs
 * a bounded number of descriptors and never starves the port of room for the real peer, whose admitted connection
 * no longer counts. What it refused is logged once per minute with counts, never per connection.
 *
 * <p>Add one instance (it is {@link ChannelHandler.Sharable}) first in every accepted channel's pipeline. Thread-safe.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    /** Defaults for a port that expects one peer: 64 pending in all, 8 per address, 5 s to finish the handshake. */
    public static final int DEFAULT_MAX_PENDING = 64;
    public static final int DEFAULT_MAX_PER_ADDRESS = 8;
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

    private static final Object PENDING = new Object();

    private final String what;
    private final int maxPending;
    private final int maxPerAddress;
    private final long deadlineNanos;
    private final Logger log;
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private final Map<Channel, ScheduledFuture<?>> pending = new HashMap<>();
    private long refused;
    private long expired;
    private long lastReport = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);

    /**
     * @param what a name for the port in log lines (e.g. "node-a sync port 7656")
     */
    public ConnectionLimiter(String what, int maxPending, int maxPerAddress, Duration deadline, Logger log) {
        if (maxPending < 1 || maxPerAddress < 1 || deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("limits must be positive: maxPending " + maxPending
                    + ", maxPerAddress " + maxPerAddress + ", deadline " + deadline);
        }
        this.what = what;
        this.maxPending = maxPending;
        this.maxPerAddress = maxPerAddress;
        this.deadlineNanos = deadline.toNanos();
        this.log = log;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        InetAddress from = address(ch);
        boolean accept;
        synchronized (this) {
            int mine = perAddress.getOrDefault(from, 0);
            accept = pending.size() < maxPending && mine < maxPerAddress;
            if (accept) {
                perAddress.put(from, mine + 1);
                pending.put(ch, null);
            } else {
                refused++;
            }
        }
        if (!accept) {
            report();
            ch.close();
            return;
        }
        ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
            if (release(ch)) {
                synchronized (this) {
                    expired++;
                }
                report();
                ch.close();
            }
        }, deadlineNanos, TimeUnit.NANOSECONDS);
        synchronized (this) {
            if (pending.containsKey(ch)) {
                pending.put(ch, timer);
            } else {
                timer.cancel(false); // admitted or closed already
            }
        }
        ch.closeFuture().addListener(f -> release(ch));
        super.channelActive(ctx);
    }

    /** The connection proved who it is (its handshake and hello are done): it no longer counts as pending. */
    public void admitted(Channel ch) {
        release(ch);
    }

    /** How many connections are in their handshake now. */
    public synchronized int pending() {
        return pending.size();
    }

    private boolean release(Channel ch) {
        ScheduledFuture<?> timer;
        synchronized (this) {
            if (!pending.containsKey(ch)) {
                return false;
            }
            timer = pending.remove(ch);
            InetAddress from = address(ch);
            int left = perAddress.getOrDefault(from, 1) - 1;
            if (left <= 0) {
                perAddress.remove(from);
            } else {
                perAddress.put(from, left);
            }
        }
        if (timer != null) {
            timer.cancel(false);
        }
        return true;
    }

    private void report() {
        long r;
        long e;
        int p;
        int a;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - lastReport < TimeUnit.MINUTES.toNanos(1)) {
                return;
            }
            lastReport = now;
            r = refused;
            e = expired;
            p = pending.size();
            a = perAddress.size();
            refused = 0;
            expired = 0;
        }
        log.warn("{}: refused {} connection(s) over the limits ({} in their handshake at once, {} per address) and "
                        + "closed {} that did not finish their handshake within {} ms, in the last minute; {} pending "
                        + "now from {} address(es)", what, r, maxPending, maxPerAddress, e,
                TimeUnit.NANOSECONDS.toMillis(deadlineNanos), p, a);
    }

    private static InetAddress address(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress s ? s.getAddress() : null;
    }
}
