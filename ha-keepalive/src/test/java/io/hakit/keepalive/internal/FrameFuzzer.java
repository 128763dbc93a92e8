package io.hakit.keepalive.internal;

import io.hakit.keepalive.internal.proto.Ack;
import io.hakit.keepalive.internal.proto.Envelope;
import io.hakit.keepalive.internal.proto.Goodbye;
import io.hakit.keepalive.internal.proto.Heartbeat;
import io.hakit.keepalive.internal.proto.Hello;
import io.hakit.keepalive.internal.proto.RoleChange;
import io.hakit.keepalive.internal.proto.WireRole;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Feeds the keepalive frame decoder ({@link FrameCodec.Decoder} on an {@link EmbeddedChannel}, as a node runs it)
 * with seeded valid, mutated and random inputs and counts what became of them; the {@code ka-fuzz} benchmark and the
 * tests run it. Lives with the codec (in ha-keepalive's test jar) because it builds frames from the wire classes,
 * which are not exported.
 */
public final class FrameFuzzer {

    /** The maximum frame the decoder is fed with, as a node runs it. */
    public static final int MAX_FRAME = FrameCodec.DEFAULT_MAX_FRAME;

    private FrameFuzzer() {
    }

    /** Runs {@code inputs} inputs; returns the figures (counts and throughput). */
    public static Map<String, Object> fuzz(int inputs, long seed, PrintStream out) {
        SplittableRandom random = new SplittableRandom(seed);
        long decoded = 0;
        long messages = 0;
        long refused = 0;
        long pending = 0;
        long escapes = 0;
        long valid = 0;
        long bytes = 0;
        long start = System.nanoTime();
        for (int i = 0; i < inputs; i++) {
            int kind = random.nextInt(3);
            List<Envelope> sent = new ArrayList<>();
            byte[] input;
            if (kind == 2) {
                input = new byte[random.nextInt(129)];
                random.nextBytes(input);
            } else {
                int n = 1 + random.nextInt(4);
                for (int m = 0; m < n; m++) {
                    sent.add(message(random));
                }
                input = encode(sent);
                if (kind == 1) {
                    input = mutate(input, random);
                } else {
                    valid++;
                }
            }
            bytes += input.length;
            EmbeddedChannel ch = new EmbeddedChannel(new FrameCodec.Decoder(MAX_FRAME));
            List<Object> got = new ArrayList<>();
            String escape = null;
            boolean wasRefused = false;
            try {
                for (byte[] chunk : chunks(input, random)) {
                    ch.writeInbound(Unpooled.wrappedBuffer(chunk));
                    Object o;
                    while ((o = ch.readInbound()) != null) {
                        got.add(o);
                    }
                }
            } catch (DecoderException e) {
                wasRefused = true;
            } catch (RuntimeException | Error e) {
                escape = e.toString();
            }
            try {
                // closing runs the decoder once more over what is left (the refused bytes raise again)
                ch.finishAndReleaseAll();
            } catch (DecoderException e) {
                wasRefused = true;
            } catch (RuntimeException | Error e) {
                escape = "on close: " + e;
            }
            for (Object o : got) {
                if (!(o instanceof Envelope) || ((Envelope) o).getBodyCase() == Envelope.BodyCase.BODY_NOT_SET) {
                    escape = "decoded " + o + " (" + (o == null ? null : o.getClass().getName()) + ")";
                }
            }
            if (escape == null && kind == 0 && (wasRefused || !got.equals(sent))) {
                escape = "a valid stream of " + sent.size() + " messages decoded to " + got.size()
                        + (wasRefused ? " and was refused" : "");
            }
            if (escape != null) {
                escapes++;
                if (escapes <= 5) {
                    out.println("  ESCAPE #" + i + ": " + escape + "; input " + HexFormat.of().formatHex(input));
                }
            } else if (wasRefused) {
                refused++;
            } else if (got.isEmpty()) {
                pending++;
            } else {
                decoded++;
            }
            messages += got.size();
            if ((i + 1) % (inputs / 10) == 0) {
                out.printf("  %,d inputs: %,d decoded, %,d refused, %,d pending, %d escapes%n", i + 1, decoded,
                        refused, pending, escapes);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("inputs", inputs);
        f.put("valid_inputs", valid);
        f.put("decoded", decoded);
        f.put("messages", messages);
        f.put("refused", refused);
        f.put("pending", pending);
        f.put("escapes", escapes);
        f.put("input_bytes", bytes);
        f.put("inputs_per_s", Math.round(inputs / seconds));
        return f;
    }

    private static Envelope message(SplittableRandom r) {
        WireRole role = WireRole.forNumber(r.nextInt(5));
        switch (r.nextInt(5)) {
            case 0:
                return Envelope.newBuilder().setHello(Hello.newBuilder().setProtocolVersion(r.nextInt(3))
                        .setClusterId(text(r)).setNodeId(text(r)).setPriority(r.nextInt(256))
                        .setEpoch(r.nextLong() & Long.MAX_VALUE).setRole(role)).build();
            case 1:
                return Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(r.nextLong())
                        .setSendTimeNanos(r.nextLong()).setRole(role).setEpoch(r.nextInt(1000))
                        .setPriority(r.nextInt(256)).setHealthy(r.nextBoolean())).build();
            case 2:
                return Envelope.newBuilder().setAck(Ack.newBuilder().setSequence(r.nextLong())
                        .setEchoedSendTimeNanos(r.nextLong())).build();
            case 3:
                return Envelope.newBuilder().setRoleChange(RoleChange.newBuilder().setRole(role)
                        .setEpoch(r.nextInt(1000)).setReason(text(r)).setWantActive(r.nextBoolean())).build();
            default:
                return Envelope.newBuilder().setGoodbye(Goodbye.newBuilder().setRole(role).setEpoch(r.nextInt(1000))
                        .setReason(text(r))).build();
        }
    }

    private static String text(SplittableRandom r) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(24);
        for (int i = 0; i < n; i++) {
            // mostly ASCII, sometimes a multi-byte character
            s.append(r.nextInt(8) == 0 ? (char) (0xa0 + r.nextInt(0x2000)) : (char) (0x20 + r.nextInt(0x5f)));
        }
        return s.toString();
    }

    private static byte[] encode(List<Envelope> envelopes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Envelope e : envelopes) {
            byte[] body = e.toByteArray();
            out.writeBytes(ByteBuffer.allocate(4).putInt(body.length).array());
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static final long[] LENGTHS = {0, 1, MAX_FRAME, MAX_FRAME + 1L, 1L << 31, (1L << 32) - 1};

    private static byte[] mutate(byte[] in, SplittableRandom r) {
        byte[] b = in.clone();
        int rounds = 1 + r.nextInt(3);
        for (int k = 0; k < rounds && b.length > 0; k++) {
            switch (r.nextInt(6)) {
                case 0: { // flip 1-4 bits
                    int flips = 1 + r.nextInt(4);
                    for (int f = 0; f < flips; f++) {
                        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
                    }
                    break;
                }
                case 1: // overwrite a byte
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                    break;
                case 2: { // insert 1-8 random bytes
                    int at = r.nextInt(b.length + 1);
                    byte[] extra = new byte[1 + r.nextInt(8)];
                    r.nextBytes(extra);
                    byte[] n = new byte[b.length + extra.length];
                    System.arraycopy(b, 0, n, 0, at);
                    System.arraycopy(extra, 0, n, at, extra.length);
                    System.arraycopy(b, at, n, at + extra.length, b.length - at);
                    b = n;
                    break;
                }
                case 3: { // delete 1-8 bytes
                    int at = r.nextInt(b.length);
                    int len = Math.min(b.length - at, 1 + r.nextInt(8));
                    byte[] n = new byte[b.length - len];
                    System.arraycopy(b, 0, n, 0, at);
                    System.arraycopy(b, at + len, n, at, b.length - at - len);
                    b = n;
                    break;
                }
                case 4: // truncate
                    b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
                    break;
                default: // the first length prefix set to an edge value
                    if (b.length >= 4) {
                        long v = LENGTHS[r.nextInt(LENGTHS.length)];
                        b[0] = (byte) (v >>> 24);
                        b[1] = (byte) (v >>> 16);
                        b[2] = (byte) (v >>> 8);
                        b[3] = (byte) v;
                    }
            }
        }
        return b;
    }

    /** The input cut into one to four chunks, as TCP may deliver it. */
    private static List<byte[]> chunks(byte[] input, SplittableRandom r) {
        int n = input.length == 0 ? 1 : 1 + r.nextInt(Math.min(4, input.length));
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int c = 1; c <= n; c++) {
            int to = c == n ? input.length : from + r.nextInt(input.length - from + 1);
            out.add(java.util.Arrays.copyOfRange(input, from, to));
            from = to;
        }
        return out;
    }
}
