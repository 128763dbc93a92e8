package io.hakit.sync;

import io.hakit.sync.internal.Digests;
import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.EntryType;
import io.hakit.sync.internal.proto.FileEnd;
import io.hakit.sync.internal.proto.FileStart;
import io.hakit.sync.internal.proto.Hello;
import io.hakit.sync.internal.proto.Manifest;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import com.google.protobuf.ByteString;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-made sync source on a plain socket: writes frames exactly as SyncFrames documents them (4-byte big-endian
 * length, kind byte, body) to an insecure sink, so a test can send what a real source never would. Every read is
 * bounded by the socket timeout (5 s).
 */
final class CraftedSource implements AutoCloseable {

    static final int MTIME_SECONDS = 1_600_000_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** Every Want the sink sent, in order. */
    final List<Want> wants = new ArrayList<>();

    CraftedSource(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = socket.getOutputStream();
    }

    /** The hello a real node-a of cluster c1 sends (roots ["data"], protocol 2, epoch 1). */
    static Hello.Builder hello() {
        return Hello.newBuilder().setProtocolVersion(2).setClusterId("c1").setNodeId("node-a").setEpoch(1)
                .addRoots("data");
    }

    /** Connects and says hello at {@code epoch}; the sink must answer with its own hello. */
    static CraftedSource admitted(int port, long epoch) throws IOException {
        CraftedSource s = new CraftedSource(port);
        s.send(SyncMessage.newBuilder().setHello(hello().setEpoch(epoch)).build());
        SyncMessage answer = s.receive();
        if (!answer.hasHello()) {
            s.close();
            throw new AssertionError("the sink answered the hello with " + answer);
        }
        return s;
    }

    // ------------------------------------------------------------------ frames

    static byte[] frame(int length, int kind, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(5 + body.length);
        b.putInt(length).put((byte) kind).put(body);
        return b.array();
    }

    static byte[] control(SyncMessage m) {
        byte[] body = m.toByteArray();
        return frame(body.length + 1, 1, body);
    }

    static byte[] data(int id, long offset, byte[] bytes) {
        ByteBuffer body = ByteBuffer.allocate(12 + bytes.length);
        body.putInt(id).putLong(offset).put(bytes);
        return frame(13 + bytes.length, 2, body.array());
    }

    /** Writes all frames with one write (the sink most likely reads them in one batch). */
    void sendRaw(byte[]... frames) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            all.write(f);
        }
        out.write(all.toByteArray());
        out.flush();
    }

    void send(SyncMessage m) throws IOException {
        sendRaw(control(m));
    }

    void sendData(int id, long offset, byte[] bytes) throws IOException {
        sendRaw(data(id, offset, bytes));
    }

    /** The next control message from the sink. */
    SyncMessage receive() throws IOException {
        int len = in.readInt();
        byte kind = in.readByte();
        byte[] body = new byte[len - 1];
        in.readFully(body);
        if (kind != 1) {
            throw new AssertionError("the sink sent a frame of kind " + kind);
        }
        return SyncMessage.parseFrom(body);
    }

    /** Reads until the sink's RoundDone, collecting Wants; a Want is answered with a skipped file when asked. */
    RoundDone roundDone(boolean skipWants) throws IOException {
        while (true) {
            SyncMessage m = receive();
            if (m.hasWant()) {
                wants.add(m.getWant());
                if (skipWants) {
                    send(fileStart(m.getWant().getId(), 0));
                    send(SyncMessage.newBuilder().setFileEnd(FileEnd.newBuilder().setId(m.getWant().getId())
                            .setSkipped(true).setReason("test")).build());
                }
            } else if (m.hasRoundDone()) {
                return m.getRoundDone();
            } else if (!m.hasWantsDone()) {
                throw new AssertionError("unexpected " + m.getBodyCase() + " from the sink");
            }
        }
    }

    /** Reads until the sink's next Want. */
    Want want() throws IOException {
        while (true) {
            SyncMessage m = receive();
            if (m.hasWant()) {
                wants.add(m.getWant());
                return m.getWant();
            }
            if (!m.hasWantsDone()) {
                throw new AssertionError("expected a Want, got " + m.getBodyCase());
            }
        }
    }

    /** Sends one incremental manifest (the whole round's) and returns the sink's RoundDone; Wants are skipped. */
    RoundDone round(long round, Entry... entries) throws IOException {
        send(manifest(round, true, entries));
        return roundDone(true);
    }

    /** The text of the sink's Refuse, or fails. */
    String refusal() throws IOException {
        SyncMessage m = receive();
        if (!m.hasRefuse()) {
            throw new AssertionError("expected a Refuse, got " + m);
        }
        return m.getRefuse().getReason();
    }

    /**
     * Whether the sink closes the connection within the socket timeout: reads (and drops) what it still sends until
     * end of stream or a reset.
     */
    boolean closedBySink() throws IOException {
        try {
            while (true) {
                int len = in.readInt();
                in.skipNBytes(len);
            }
        } catch (EOFException | SocketException closed) {
            return true;
        } catch (SocketTimeoutException open) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ------------------------------------------------------------------ messages

    static SyncMessage manifest(long round, boolean last, Entry... entries) {
        return SyncMessage.newBuilder().setManifest(Manifest.newBuilder().setRound(round).setRoot("data")
                .setFull(false).setLast(last).addAllEntries(List.of(entries))).build();
    }

    static SyncMessage manifest(long round, boolean last, List<Entry> entries) {
        return manifest(round, last, entries.toArray(new Entry[0]));
    }

    static Entry entry(String path, EntryType type) {
        return switch (type) {
            case ENTRY_TYPE_FILE -> file(path, 3);
            case ENTRY_TYPE_DIRECTORY -> dir(path);
            case ENTRY_TYPE_SYMLINK -> link(path, "target");
            default -> absent(path);
        };
    }

    static Entry file(String path, long size) {
        return Entry.newBuilder().setPath(ByteString.copyFromUtf8(path)).setType(EntryType.ENTRY_TYPE_FILE).setSize(size)
                .setMtimeNanos(MTIME_SECONDS * 1_000_000_000L).setMode(0644).setUid(-1).setGid(-1).build();
    }

    static Entry dir(String path) {
        return Entry.newBuilder().setPath(ByteString.copyFromUtf8(path)).setType(EntryType.ENTRY_TYPE_DIRECTORY)
                .setMtimeNanos(MTIME_SECONDS * 1_000_000_000L).setMode(0777).setUid(-1).setGid(-1).build();
    }

    static Entry link(String path, String target) {
        return Entry.newBuilder().setPath(ByteString.copyFromUtf8(path)).setType(EntryType.ENTRY_TYPE_SYMLINK).setLinkTarget(ByteString.copyFromUtf8(target))
                .setMode(0777).setUid(-1).setGid(-1).build();
    }

    static Entry absent(String path) {
        return Entry.newBuilder().setPath(ByteString.copyFromUtf8(path)).setType(EntryType.ENTRY_TYPE_ABSENT).setUid(-1).setGid(-1).build();
    }

    static SyncMessage fileStart(int id, long size) {
        return SyncMessage.newBuilder().setFileStart(FileStart.newBuilder().setId(id).setSize(size).setMode(0644)
                .setMtimeNanos(MTIME_SECONDS * 1_000_000_000L).setUid(-1).setGid(-1)).build();
    }

    /**
     * A FileEnd as an honest source sends it for the content whose digest is {@code digest} (made by
     * {@link #digest}): the digest, its block digests and the CRC32C of that content.
     */
    static SyncMessage fileEnd(int id, byte[] digest) {
        FileEnd.Builder b = FileEnd.newBuilder().setId(id).setDigest(ByteString.copyFrom(digest));
        byte[] content = CONTENT.get(ByteString.copyFrom(digest));
        if (content != null) {
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(content);
            b.setCrc32C((int) crc.getValue());
            Digests.of(ByteBuffer.wrap(content)).blocks().forEach(x -> b.addBlockDigests(ByteString.copyFrom(x)));
        }
        return SyncMessage.newBuilder().setFileEnd(b).build();
    }

    private static final java.util.Map<ByteString, byte[]> CONTENT = new java.util.concurrent.ConcurrentHashMap<>();

    /** The protocol's digest of {@code content} (see Digests). */
    static byte[] digest(byte[] content) {
        byte[] d = Digests.of(ByteBuffer.wrap(content)).digest();
        CONTENT.put(ByteString.copyFrom(d), content.clone());
        return d;
    }
}
