package io.hakit.keepalive.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.hakit.keepalive.internal.proto.Envelope;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.handler.codec.TooLongFrameException;

import java.io.IOException;
import java.util.List;

/**
 * The keepalive wire format, both directions.
 *
 * <pre>
 * +----------------+------------------------------------+
 * | length: uint32 | Envelope (protobuf), length bytes  |
 * | big-endian     |                                    |
 * +----------------+------------------------------------+
 * </pre>
 *
 * The length counts the Envelope's bytes only, must be at least 1 and at most the configured maximum (64 KiB by
 * default; every message is a few dozen bytes). A length outside that range raises {@link TooLongFrameException} or
 * {@link CorruptedFrameException}, and bytes that do not parse as an Envelope with a body raise
 * {@link CorruptedFrameException}; the handler then closes the channel with a log line naming the peer. A frame is
 * never read beyond its length, so a corrupt frame cannot consume the next one.
 */
public final class FrameCodec {

    /** The default maximum frame length. */
    public static final int DEFAULT_MAX_FRAME = 64 * 1024;

    private FrameCodec() {
    }

    /** Decodes frames into {@link Envelope}s. Stateful: one per channel. */
    public static final class Decoder extends ByteToMessageDecoder {
        private final int maxFrame;

        public Decoder(int maxFrame) {
            if (maxFrame < 1) {
                throw new IllegalArgumentException("maxFrame must be positive, was " + maxFrame);
            }
            this.maxFrame = maxFrame;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws IOException {
            while (in.readableBytes() >= 4) {
                long length = in.getUnsignedInt(in.readerIndex());
                if (length == 0) {
                    throw new CorruptedFrameException("frame of length 0");
                }
                if (length > maxFrame) {
                    throw new TooLongFrameException("frame of " + length + " bytes exceeds the maximum of "
                            + maxFrame);
                }
                if (in.readableBytes() < 4 + length) {
                    return;
                }
                in.skipBytes(4);
                ByteBuf frame = in.readSlice((int) length);
                Envelope envelope;
                try (ByteBufInputStream stream = new ByteBufInputStream(frame)) {
                    envelope = Envelope.parseFrom(stream);
                } catch (InvalidProtocolBufferException e) {
                    throw new CorruptedFrameException("frame of " + length + " bytes is not a valid message: "
                            + e.getMessage(), e);
                }
                if (envelope.getBodyCase() == Envelope.BodyCase.BODY_NOT_SET) {
                    throw new CorruptedFrameException("frame of " + length + " bytes carries no known message");
                }
                out.add(envelope);
            }
        }
    }

    /** Encodes {@link Envelope}s as frames. Stateless and sharable. */
    @io.netty.channel.ChannelHandler.Sharable
    public static final class Encoder extends MessageToByteEncoder<Envelope> {
        private final int maxFrame;

        public Encoder(int maxFrame) {
            this.maxFrame = maxFrame;
        }

        @Override
        protected void encode(ChannelHandlerContext ctx, Envelope msg, ByteBuf out) {
            int size = msg.getSerializedSize();
            if (size > maxFrame) {
                throw new TooLongFrameException("outgoing message of " + size + " bytes exceeds the maximum of "
                        + maxFrame);
            }
            out.writeInt(size);
            out.writeBytes(msg.toByteArray());
        }
    }
}
