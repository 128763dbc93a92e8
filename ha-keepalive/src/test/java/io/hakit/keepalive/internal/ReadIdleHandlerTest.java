package io.hakit.keepalive.internal;

import io.hakit.testkit.ManualTicker;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The read timeout of a connection, on an {@link EmbeddedChannel} and manual time: no sleeping. */
class ReadIdleHandlerTest {

    private static final Duration TIMEOUT = Duration.ofMillis(100);
    private static final Duration MS = Duration.ofMillis(1);

    private final ManualTicker time = new ManualTicker();
    private final Timers timers = new Timers(time, time);
    private final List<Object> events = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(new ReadIdleHandler(timers, TIMEOUT.toNanos()),
            new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    events.add(evt);
                }
            });

    /** Moves time and runs what the timers handed to the channel's event loop. */
    private void advance(Duration d) {
        time.advance(d);
        channel.runPendingTasks();
    }

    @Test
    void aChannelThatReadsNothingIsIdleWhenTheTimeoutEndsAndNotAMillisecondBefore() {
        advance(TIMEOUT.minus(MS));
        assertThat(events).isEmpty();

        advance(MS);
        assertThat(events).containsExactly(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);

        advance(TIMEOUT);
        assertThat(events).containsExactly(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT,
                IdleStateEvent.READER_IDLE_STATE_EVENT);
    }

    @Test
    void aReadPushesTheTimeoutToATimeoutAfterIt() {
        advance(Duration.ofMillis(60));
        channel.writeInbound("heartbeat");
        assertThat((Object) channel.readInbound()).isEqualTo("heartbeat");

        advance(TIMEOUT.minus(MS)); // 159 ms: 99 ms after the read
        assertThat(events).isEmpty();
        advance(MS);
        assertThat(events).containsExactly(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
    }

    @Test
    void aHandlerPutInPlaceOnALiveChannelStartsAtOnceAndTheOneItReplacesSetsNoMoreTimers() {
        String name = channel.pipeline().context(ReadIdleHandler.class).name();
        channel.pipeline().replace(name, name, new ReadIdleHandler(timers, TIMEOUT.multipliedBy(3).toNanos()));

        advance(TIMEOUT.multipliedBy(3).minus(MS));
        assertThat(events).isEmpty();
        advance(MS);
        assertThat(events).containsExactly(IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT);
        assertThat(time.pendingTasks()).as("the new handler's next check only").isEqualTo(1);
    }

    @Test
    void aClosedChannelIsNeverIdleAndItsTimerIsGone() {
        channel.close();
        assertThat(time.pendingTasks()).isZero();
        advance(TIMEOUT.multipliedBy(10));
        assertThat(events).isEmpty();
    }
}
