package io.hakit.keepalive.internal;

import io.hakit.keepalive.internal.proto.Ack;
import io.hakit.keepalive.internal.proto.Envelope;
import io.hakit.keepalive.internal.proto.Heartbeat;
import io.hakit.keepalive.internal.proto.Hello;
import io.hakit.keepalive.internal.proto.WireRole;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameCodecTest {

    private static Envelope hello() {
        return Envelope.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(1).setClusterId("c")
                .setNodeId("a").setPriority(150).setEpoch(7).setRole(WireRole.WIRE_ROLE_STANDBY)).build();
    }

    private static Envelope heartbeat(long seq) {
        return Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(seq).setSendTimeNanos(seq * 10)
                .setRole(WireRole.WIRE_ROLE_ACTIVE).setEpoch(7).setPriority(150).setHealthy(true)).build();
    }

    private static ByteBuf encode(Envelope... envelopes) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Encoder(FrameCodec.DEFAULT_MAX_FRAME));
        ByteBuf all = Unpooled.buffer();
        for (Envelope e : envelopes) {
            ch.writeOutbound(e);
            ByteBuf b = ch.readOutbound();
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    @Test
    void roundTripOfEveryMessage() {
        Envelope ack = Envelope.newBuilder().setAck(Ack.newBuilder().setSequence(3).setEchoedSendTimeNanos(30)).build();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(FrameCodec.DEFAULT_MAX_FRAME));
        assertThat(ch.writeInbound(encode(hello(), heartbeat(1), ack))).isTrue();
        assertThat((Envelope) ch.readInbound()).isEqualTo(hello());
        assertThat((Envelope) ch.readInbound()).isEqualTo(heartbeat(1));
        assertThat((Envelope) ch.readInbound()).isEqualTo(ack);
        assertThat((Object) ch.readInbound()).isNull();
    }

    @Test
    void framesSplitAtEveryByteStillDecode() {
        ByteBuf wire = encode(hello(), heartbeat(2));
        byte[] bytes = new byte[wire.readableBytes()];
        wire.readBytes(bytes);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(FrameCodec.DEFAULT_MAX_FRAME));
        for (byte b : bytes) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertThat((Envelope) ch.readInbound()).isEqualTo(hello());
        assertThat((Envelope) ch.readInbound()).isEqualTo(heartbeat(2));
    }

    @Test
    void aTruncatedFrameWaitsForTheRest() {
        ByteBuf wire = encode(heartbeat(3));
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(FrameCodec.DEFAULT_MAX_FRAME));
        ch.writeInbound(wire.readRetainedSlice(wire.readableBytes() - 1));
        assertThat((Object) ch.readInbound()).isNull();
        ch.writeInbound(wire);
        assertThat((Envelope) ch.readInbound()).isEqualTo(heartbeat(3));
    }

    @Test
    void anOversizedLengthIsRefusedBeforeAnythingIsBuffered() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(1024));
        ByteBuf evil = Unpooled.buffer().writeInt(Integer.MAX_VALUE).writeBytes(new byte[16]);
        assertThatThrownBy(() -> ch.writeInbound(evil)).isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("exceeds the maximum of 1024");
        ByteBuf negative = Unpooled.buffer().writeInt(-1);
        EmbeddedChannel ch2 = new EmbeddedChannel(new FrameCodec.Decoder(1024));
        assertThatThrownBy(() -> ch2.writeInbound(negative)).isInstanceOf(TooLongFrameException.class);
    }

    @Test
    void aZeroLengthOrGarbageFrameIsCorrupt() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(1024));
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.buffer().writeInt(0)))
                .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("length 0");
        EmbeddedChannel ch2 = new EmbeddedChannel(new FrameCodec.Decoder(1024));
        ByteBuf garbage = Unpooled.buffer().writeInt(4).writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, 0x7f, 0x01});
        assertThatThrownBy(() -> ch2.writeInbound(garbage)).isInstanceOf(CorruptedFrameException.class);
        EmbeddedChannel ch3 = new EmbeddedChannel(new FrameCodec.Decoder(1024));
        // a valid protobuf with only an unknown field: no body
        ByteBuf unknown = Unpooled.buffer().writeInt(3).writeBytes(new byte[] {(byte) 0xb8, 0x06, 0x01});
        assertThatThrownBy(() -> ch3.writeInbound(unknown)).isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("no known message");
    }

    @Test
    void aCorruptFrameDoesNotSwallowTheFollowingBytes() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(1024));
        ByteBuf wire = Unpooled.buffer().writeInt(3).writeBytes(new byte[] {0x0a, 0x05, 0x01});
        wire.writeBytes(encode(heartbeat(9)));
        assertThatThrownBy(() -> ch.writeInbound(wire)).isInstanceOf(CorruptedFrameException.class);
    }

    @Test
    void anOutgoingMessageOverTheMaximumIsRefused() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Encoder(16));
        assertThatThrownBy(() -> ch.writeOutbound(hello())).hasCauseInstanceOf(TooLongFrameException.class);
    }

    /** A bounded fuzz run for CI; benchmarks/ runs a long one. Any input ends in messages or a codec exception. */
    @Test
    void boundedFuzzNeverEscapesTheCodecsExceptions() {
        Random random = new Random(20261122L);
        byte[] valid = new byte[0];
        ByteBuf v = encode(hello(), heartbeat(5));
        valid = new byte[v.readableBytes()];
        v.readBytes(valid);
        int decoded = 0;
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] input;
            if (random.nextBoolean()) {
                input = valid.clone();
                int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    input[random.nextInt(input.length)] ^= (byte) (1 << random.nextInt(8));
                }
            } else {
                input = new byte[random.nextInt(64)];
                random.nextBytes(input);
            }
            EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(4096));
            try {
                ch.writeInbound(Unpooled.wrappedBuffer(input));
                Object o;
                while ((o = ch.readInbound()) != null) {
                    assertThat(o).isInstanceOf(Envelope.class);
                    assertThat(((Envelope) o).getBodyCase()).isNotEqualTo(Envelope.BodyCase.BODY_NOT_SET);
                    decoded++;
                }
            } catch (DecoderException e) {
                refused++;
            } finally {
                ch.releaseInbound();
                ch.close();
            }
        }
        assertThat(decoded).isPositive();
        assertThat(refused).isPositive();
    }
}
