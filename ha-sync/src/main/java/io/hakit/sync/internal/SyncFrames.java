package io.hakit.sync.internal;

import io.hakit.sync.internal.proto.SyncMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;

import java.io.IOException;
import java.util.List;

/**
 * The synchronizer's framing. Wire format, each frame:
 *
 * <pre>
 *   uint32 length   (big-endian; bytes that follow; 1 .. maxFrame)
 *   uint8  kind     1 = control: the rest is one serialized SyncMessage (sync.proto)
 *                   2 = data: uint32 transfer id, uint64 offset, then the file's bytes (length - 13 of them)
 * </pre>
 *
 * A length of 0 or above the bound, an unknown kind, a data frame shorter than its header or a control body that is
 * not a SyncMessage raises {@link CorruptedFrameException} or {@link TooLongFrameException}; the handler closes the
 * channel. Data frames reach the next handler as {@link Data} holding a retained slice (release it).
 */
public final class SyncFrames {

    public static final byte CONTROL = 1;
    public static final byte DATA = 2;
    public static final int DATA_HEADER = 1 + 4 + 8;

    private SyncFrames() {
    }

    /** A chunk of a file's bytes. Reference-counted through {@link #bytes}. */
    public record Data(int id, long offset, ByteBuf bytes) {
    }

    /** Writes a control frame. */
    public static ByteBuf control(io.netty.buffer.ByteBufAllocator alloc, SyncMessage m) {
        int n = m.getSerializedSize();
        ByteBuf b = alloc.buffer(5 + n);
        b.writeInt(n + 1).writeByte(CONTROL);
        try {
            m.writeTo(new io.netty.buffer.ByteBufOutputStream(b));
        } catch (IOException e) {
            b.release();
            throw new IllegalStateException("cannot serialize " + m.getBodyCase(), e);
        }
        return b;
    }

    /** The header of a data frame whose {@code length} bytes follow in another buffer. */
    public static ByteBuf dataHeader(io.netty.buffer.ByteBufAllocator alloc, int id, long offset, int length) {
        ByteBuf b = alloc.buffer(4 + DATA_HEADER);
        return b.writeInt(DATA_HEADER + length).writeByte(DATA).writeInt(id).writeLong(offset);
    }

    /** Decodes frames; see the class comment for the format and the errors. */
    public static final class Decoder extends ByteToMessageDecoder {
        private final int maxFrame;

        public Decoder(int maxFrame) {
            this.maxFrame = maxFrame;
            setCumulator(COMPOSITE_CUMULATOR); // data frames are sliced out of what arrived, not copied
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (in.readableBytes() < 4) {
                return;
            }
            int len = in.getInt(in.readerIndex());
            if (len <= 0) {
                throw new CorruptedFrameException("sync frame length " + len + " (must be positive)");
            }
            if (len > maxFrame) {
                throw new TooLongFrameException("sync frame of " + len + " bytes exceeds the limit " + maxFrame);
            }
            if (in.readableBytes() < 4 + len) {
                return;
            }
            in.skipBytes(4);
            byte kind = in.readByte();
            if (kind == CONTROL) {
                try (ByteBufInputStream s = new ByteBufInputStream(in.readSlice(len - 1))) {
                    out.add(SyncMessage.parseFrom(s));
                } catch (InvalidProtocolBufferException e) {
                    throw new CorruptedFrameException("sync control frame is not a SyncMessage: " + e.getMessage());
                }
            } else if (kind == DATA) {
                if (len < DATA_HEADER) {
                    in.skipBytes(len - 1);
                    throw new CorruptedFrameException("sync data frame of " + len + " bytes is shorter than its "
                            + "header");
                }
                int id = in.readInt();
                long offset = in.readLong();
                if (offset < 0) {
                    in.skipBytes(len - DATA_HEADER);
                    throw new CorruptedFrameException("sync data frame with negative offset " + offset);
                }
                out.add(new Data(id, offset, in.readRetainedSlice(len - DATA_HEADER)));
            } else {
                in.skipBytes(len - 1);
                throw new CorruptedFrameException("sync frame of unknown kind " + kind);
            }
        }
    }
}
