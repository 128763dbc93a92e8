package io.hakit.keepalive.internal;

import io.hakit.api.Scheduler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * Netty's {@link IdleStateHandler} for reads, with its timer set through the node's {@link Timers}: when nothing has
 * been read on the channel for the timeout, it fires {@link IdleStateEvent#FIRST_READER_IDLE_STATE_EVENT} (then
 * {@link IdleStateEvent#READER_IDLE_STATE_EVENT} after each further timeout without a read), on the channel's event
 * loop. Time is read on the timers' ticker, so a test's manual time decides when a silent connection is given up, as it
 * decides every other timer of the node. One instance per channel; all its state is touched on the event loop only.
 */
public final class ReadIdleHandler extends ChannelInboundHandlerAdapter {

    private final Timers timers;
    private final long timeoutNanos;
    private long lastReadNanos;
    private boolean started;
    private boolean stopped;
    private boolean first = true;
    private Scheduler.Cancellable check;

    /**
     * @param timeoutNanos how long the channel may read nothing; positive
     */
    public ReadIdleHandler(Timers timers, long timeoutNanos) {
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("the read timeout must be positive, was " + timeoutNanos + " ns");
        }
        this.timers = timers;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx); // added to a live channel (a pipeline's replace once the peer's Hello arrived)
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        lastReadNanos = timers.ticker().read();
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void start(ChannelHandlerContext ctx) {
        if (started || stopped) {
            return;
        }
        started = true;
        lastReadNanos = timers.ticker().read();
        arm(ctx, timeoutNanos);
    }

    private void stop() {
        stopped = true;
        if (check != null) {
            check.cancel();
            check = null;
        }
    }

    private void arm(ChannelHandlerContext ctx, long delayNanos) {
        check = timers.once(ctx.executor(), () -> due(ctx), delayNanos);
    }

    private void due(ChannelHandlerContext ctx) {
        check = null;
        if (stopped || !ctx.channel().isOpen()) {
            return;
        }
        long idle = timers.ticker().read() - lastReadNanos;
        if (idle < timeoutNanos) {
            arm(ctx, timeoutNanos - idle); // read meanwhile: due again a timeout after that read
            return;
        }
        arm(ctx, timeoutNanos);
        IdleStateEvent event = first ? IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT
                : IdleStateEvent.READER_IDLE_STATE_EVENT;
        first = false;
        ctx.fireUserEventTriggered(event);
    }
}
