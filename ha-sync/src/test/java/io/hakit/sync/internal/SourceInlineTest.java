package io.hakit.sync.internal;

import io.hakit.sync.RoundResult;
import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The source sends the whole content of small files inside the manifest of an incremental round (no Want, no second
 * round trip), and only there: not in full rounds, not for files over {@link Source#INLINE_MAX}, not beyond
 * {@link Source#INLINE_ROUND_MAX} per round, and not the bytes of a file whose content both sides already agreed on.
 */
class SourceInlineTest {

    @TempDir
    Path tmp;
    private Path root;
    private SyncRecord record;
    private Source source;
    private final Recording link = new Recording();

    /** What the source sends; the manifest's last message is answered with a clean RoundDone. */
    private static final class Recording implements Source.Link {
        final List<SyncMessage> sent = new ArrayList<>();
        final Deque<SyncMessage> answers = new ArrayDeque<>();

        @Override
        public void send(SyncMessage m) {
            sent.add(m);
            if (m.hasManifest() && m.getManifest().getLast()) {
                answers.add(SyncMessage.newBuilder().setRoundDone(RoundDone.newBuilder()
                        .setRound(m.getManifest().getRound())).build());
            }
        }

        @Override
        public void sendData(int id, long offset, ByteBuf bytes) {
            bytes.release();
            throw new AssertionError("no file was wanted");
        }

        @Override
        public void flush() {
        }

        @Override
        public boolean hasInbound() {
            return !answers.isEmpty();
        }

        @Override
        public SyncMessage receive(Duration timeout) {
            return answers.poll();
        }

        @Override
        public ByteBufAllocator alloc() {
            return ByteBufAllocator.DEFAULT;
        }

        /** The manifests' entries by path. */
        Map<String, Entry> entries() {
            Map<String, Entry> m = new LinkedHashMap<>();
            sent.stream().filter(SyncMessage::hasManifest).flatMap(x -> x.getManifest().getEntriesList().stream())
                    .forEach(e -> m.put(e.getPath().toStringUtf8(), e));
            return m;
        }
    }

    @BeforeEach
    void source() throws IOException {
        root = Files.createDirectories(tmp.resolve("data"));
        record = SyncRecord.load(tmp.resolve("record"));
        source = new Source(Map.of("data", root), new Scanner(List.of(), List.of(), 100_000), new HashCache(1 << 20),
                record, Source.Throttle.NONE, Duration.ofSeconds(5), x -> { });
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    private static byte[] digest(byte[] content) {
        return Digests.of(ByteBuffer.wrap(content)).digest();
    }

    private RoundResult incremental(String... paths) throws Exception {
        return source.run(link, 1, false, source.describe(Map.of("data", List.of(paths))));
    }

    @Test
    void anIncrementalRoundSendsSmallFilesInItsManifest() throws Exception {
        byte[] small = bytes(100, 1);
        byte[] limit = bytes(Source.INLINE_MAX, 2);
        Files.write(root.resolve("small"), small);
        Files.write(root.resolve("limit"), limit);
        Files.write(root.resolve("big"), bytes(Source.INLINE_MAX + 1, 3));
        Files.write(root.resolve("empty"), new byte[0]);
        RoundResult r = incremental("small", "limit", "big", "empty");
        Map<String, Entry> e = link.entries();
        assertThat(e.get("small").getContent().toByteArray()).isEqualTo(small);
        assertThat(e.get("small").getDigest().toByteArray()).isEqualTo(digest(small));
        assertThat(e.get("limit").getContent().toByteArray()).isEqualTo(limit);
        // just created empty: most likely being written (the watch reports the open): asked for, not sent now
        assertThat(e.get("empty").hasContent()).isFalse();
        assertThat(e.get("big").hasContent()).isFalse();
        assertThat(r.bytesSent()).isEqualTo(100 + Source.INLINE_MAX);
    }

    @Test
    void aFullRoundSendsNoContentInItsManifest() throws Exception {
        Files.write(root.resolve("small"), bytes(100, 1));
        source.run(link, 1, true, source.scanAll(false));
        assertThat(link.entries().get("small").hasContent()).isFalse();
    }

    @Test
    void aRoundCarriesAtMostINLINE_ROUND_MAXBytesOfContent() throws Exception {
        int n = 20;
        String[] paths = new String[n];
        for (int i = 0; i < n; i++) {
            paths[i] = "f" + i;
            Files.write(root.resolve(paths[i]), bytes(60 * 1024, i));
        }
        RoundResult r = incremental(paths);
        long inline = link.entries().values().stream().filter(Entry::hasContent).count();
        assertThat(inline).isEqualTo(Source.INLINE_ROUND_MAX / (60 * 1024)); // 17
        assertThat(r.bytesSent()).isEqualTo(inline * 60 * 1024).isLessThanOrEqualTo(Source.INLINE_ROUND_MAX);
    }

    @Test
    void aFileWhoseContentBothSidesAgreedOnGoesWithItsDigestOnly() throws Exception {
        byte[] c = bytes(100, 1);
        Path f = root.resolve("chmodded");
        Files.write(f, c);
        record.put("data", "chmodded", Scanner.stat(root, "chmodded", x -> { }), digest(c));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        RoundResult r = incremental("chmodded");
        Entry e = link.entries().get("chmodded");
        assertThat(e.hasContent()).isFalse();
        assertThat(e.getDigest().toByteArray()).isEqualTo(digest(c)); // the sink keeps its copy, fixes the mode
        assertThat(e.getMode()).isEqualTo(0600);
        assertThat(r.bytesSent()).isZero();
    }
}
