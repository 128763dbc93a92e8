package io.hakit.sync;

import io.hakit.api.alarm.Alarm;
import io.hakit.api.alarm.AlarmType;
import io.hakit.sync.internal.HashCache;
import io.hakit.sync.internal.Scanner;
import io.hakit.sync.internal.Sink;
import io.hakit.sync.internal.SyncFrames;
import io.hakit.sync.internal.SyncRecord;
import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.EntryType;
import io.hakit.sync.internal.proto.Reuse;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import com.google.protobuf.ByteString;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.hakit.sync.CraftedSource.absent;
import static io.hakit.sync.CraftedSource.control;
import static io.hakit.sync.CraftedSource.data;
import static io.hakit.sync.CraftedSource.digest;
import static io.hakit.sync.CraftedSource.dir;
import static io.hakit.sync.CraftedSource.file;
import static io.hakit.sync.CraftedSource.fileEnd;
import static io.hakit.sync.CraftedSource.fileStart;
import static io.hakit.sync.CraftedSource.frame;
import static io.hakit.sync.CraftedSource.link;
import static io.hakit.sync.CraftedSource.manifest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A crafted source speaks the wire protocol to a real sink over a plain socket and tries what a real source never
 * sends. Each attempt must end in a clear refusal or error naming the problem, and change nothing on disk: the sink's
 * root and its sibling directory 'outside' are compared byte for byte before and after.
 */
class HostilePeerTest {

    static final long MAX_FILE = 1000;
    static final int MAX_ENTRIES = 50;
    static final byte[] ABC = "abc".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;
    private SyncPair pair;
    private Path root;
    private Path outside;
    private final List<CraftedSource> sources = new ArrayList<>();

    @BeforeEach
    void startSink() throws IOException {
        pair = new SyncPair(tmp, b -> b.maxFileSize(MAX_FILE).maxEntries(MAX_ENTRIES).diskReserve(0));
        root = pair.rootB;
        outside = Files.createDirectories(tmp.resolve("b/outside"));
        Files.writeString(outside.resolve("secret"), "secret");
        Files.writeString(root.resolve("keep.txt"), "keep");
        Files.createDirectories(root.resolve("sub"));
        Files.createSymbolicLink(root.resolve("link"), Path.of("../outside"));
        pair.startB();
    }

    @AfterEach
    void stop() throws IOException {
        for (CraftedSource s : sources) {
            s.close();
        }
        pair.close();
    }

    private CraftedSource connect() throws IOException {
        CraftedSource s = new CraftedSource(pair.portB);
        sources.add(s);
        return s;
    }

    private CraftedSource admitted() throws IOException {
        return admitted(1);
    }

    private CraftedSource admitted(long epoch) throws IOException {
        CraftedSource s = CraftedSource.admitted(pair.portB, epoch);
        sources.add(s);
        return s;
    }

    /** The sink's root and its sibling 'outside', everything in them. */
    private TreeMap<String, String> disk() throws IOException {
        return TreeAssert.snapshot(tmp.resolve("b"));
    }

    private List<String> tempFiles() throws IOException {
        try (Stream<Path> s = Files.walk(tmp.resolve("b"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(Scanner.TEMP_PREFIX)).toList();
        }
    }

    private String sinkAlarm() {
        return pair.alarmsB.get(AlarmType.SYNC_FAILED, "sync:node-b").map(Alarm::detail).orElse("(no alarm)");
    }

    /** Frames of a well-formed one-file round writing "abc" to x: what must not be applied after a violation. */
    private static byte[][] roundWritingX() {
        return new byte[][] {control(manifest(1, true, file("x", 3))), control(fileStart(0, 3)), data(0, 0, ABC),
            control(fileEnd(0, digest(ABC)))};
    }

    private static byte[][] concat(byte[] first, byte[]... rest) {
        byte[][] all = new byte[rest.length + 1][];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    // ------------------------------------------------------------------ hello

    @Test
    void aHelloFromAnotherClusterIsRefused() throws IOException {
        CraftedSource s = connect();
        s.send(SyncMessage.newBuilder().setHello(CraftedSource.hello().setClusterId("c2")).build());
        assertThat(s.refusal()).contains("cluster 'c2'").contains("'c1'");
        assertThat(s.closedBySink()).isTrue();
    }

    @Test
    void aHelloFromAnotherNodeIsRefused() throws IOException {
        CraftedSource s = connect();
        s.send(SyncMessage.newBuilder().setHello(CraftedSource.hello().setNodeId("node-x")).build());
        assertThat(s.refusal()).contains("node 'node-x' is not this node's peer 'node-a'");
        assertThat(s.closedBySink()).isTrue();
    }

    @Test
    void aHelloWithAnotherProtocolOrOtherRootsIsRefused() throws IOException {
        CraftedSource s = connect();
        s.send(SyncMessage.newBuilder().setHello(CraftedSource.hello().setProtocolVersion(1)).build());
        assertThat(s.refusal()).contains("protocol version 1, this node speaks 2");
        CraftedSource t = connect();
        t.send(SyncMessage.newBuilder().setHello(CraftedSource.hello().addRoots("etc")).build());
        assertThat(t.refusal()).contains("roots").contains("etc");
    }

    @Test
    void aFirstFrameThatIsNoHelloIsRefused() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = connect();
        s.sendRaw(roundWritingX());
        assertThat(s.refusal()).contains("the first frame must be a hello");
        assertThat(s.closedBySink()).isTrue();
        assertThat(disk()).isEqualTo(before);
    }

    @Test
    void aHelloWithALowerEpochThanOneAdmittedIsRefused() throws IOException {
        admitted(5).close();
        // durable at once, before any round: a standby restarted now must still refuse epoch 4
        assertThat(SyncRecord.load(tmp.resolve("node-b-state/sync-record.bin")).highestEpoch()).isEqualTo(5);
        CraftedSource s = connect();
        s.send(SyncMessage.newBuilder().setHello(CraftedSource.hello().setEpoch(4)).build());
        assertThat(s.refusal()).contains("epoch 4 is older than 5").contains("deposed active");
        assertThat(s.closedBySink()).isTrue();
        admitted(5); // the same epoch again is fine
    }

    // ------------------------------------------------------------------ paths

    static Stream<Arguments> badPaths() {
        return Stream.of(
                Arguments.of("/etc/x", "absolute path: '/etc/x'"),
                Arguments.of("ABSOLUTE_SECRET", "absolute path"),
                Arguments.of("../outside/x", "'..' segment in path: '../outside/x'"),
                Arguments.of("../outside/secret", "'..' segment in path"),
                Arguments.of("a/../../x", "'..' segment in path: 'a/../../x'"),
                Arguments.of("./x", "'.' segment in path"),
                Arguments.of("a\0b", "NUL in path: 'a\\x00b'"),
                Arguments.of("a//b", "empty segment in path: 'a//b'"),
                Arguments.of("a/", "empty segment in path"),
                Arguments.of("", "empty path"),
                Arguments.of("link/x", "path goes through the symbolic link link: 'link/x'"),
                Arguments.of("link/secret", "path goes through the symbolic link link"),
                Arguments.of("keep.txt/x", "which is not a directory"),
                Arguments.of(".hakit-tmp-1/x", "reserved name"),
                Arguments.of("sub/.hakit-tmp-1", "reserved name"),
                Arguments.of("x.hakit-conflict-1/y", "reserved name"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badPaths")
    void aBadPathIsRefusedAsAnyTypeOfEntryAndChangesNothing(String path, String why) throws IOException {
        String p = path.equals("ABSOLUTE_SECRET") ? outside.resolve("secret").toAbsolutePath().toString() : path;
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        long round = 1;
        for (EntryType type : List.of(EntryType.ENTRY_TYPE_FILE, EntryType.ENTRY_TYPE_DIRECTORY,
                EntryType.ENTRY_TYPE_SYMLINK, EntryType.ENTRY_TYPE_ABSENT)) {
            RoundDone done = s.round(round++, CraftedSource.entry(p, type));
            if (type == EntryType.ENTRY_TYPE_ABSENT && why.contains("not a directory")) {
                // deleting below a file: nothing there to delete (churn makes this legitimately), nothing reported
                assertThat(done.getRefusedList()).as(type.name()).isEmpty();
            } else {
                assertThat(done.getRefusedList()).as(type.name()).singleElement().asString().startsWith("data: ")
                        .contains(why);
            }
            assertThat(done.getErrorsList()).as(type.name()).isEmpty();
            assertThat(done.getFiles() + done.getDeleted()).as(type.name()).isZero();
            assertThat(s.wants).as(type.name()).isEmpty();
            assertThat(disk()).as(type.name()).isEqualTo(before);
        }
        if (!why.contains("not a directory")) { // else the last (ABSENT) round was a good one and cleared it
            assertThat(sinkAlarm()).startsWith("refused: data: ").contains(why);
        }
    }

    @Test
    void aPathThroughALinkThatAppearsAfterTheWantIsRefusedAtFileStart() throws IOException {
        CraftedSource s = admitted();
        s.send(manifest(1, true, file("race/x", 3)));
        Want w = s.want();
        assertThat(w.getPath().toStringUtf8()).isEqualTo("race/x");
        // between the Want and the FileStart 'race' becomes a link out of the root
        Files.createSymbolicLink(root.resolve("race"), Path.of("../outside"));
        TreeMap<String, String> before = disk();
        s.sendRaw(control(fileStart(w.getId(), 3)), data(w.getId(), 0, ABC), control(fileEnd(w.getId(),
                digest(ABC))));
        RoundDone done = s.roundDone(true);
        assertThat(done.getRefusedList()).singleElement().asString()
                .contains("path goes through the symbolic link race: 'race/x'");
        assertThat(done.getFiles()).isZero();
        assertThat(outside.resolve("x")).doesNotExist();
        assertThat(disk()).isEqualTo(before);
    }

    @Test
    void aSymbolicLinkLeavingTheRootIsRefused() throws IOException {
        Files.createSymbolicLink(root.resolve("self"), Path.of("."));
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        long round = 1;
        for (Entry e : List.of(link("esc", "../outside"), link("esc", "/etc"), link("sub/esc", "../../outside"),
                link("esc", "sub/../../outside"), link("esc", "a\0b"), link("esc", ""),
                // lexically inside, but 'self' is '.': self/.. is the root's parent
                link("esc", "self/.."), link("sub/esc", "../self/../outside/secret"))) {
            RoundDone done = s.round(round++, e);
            assertThat(done.getRefusedList()).as(e.getLinkTarget().toStringUtf8()).singleElement().asString()
                    .contains("symbolic link '" + e.getPath().toStringUtf8() + "'").contains("leaves the root");
            assertThat(disk()).as(e.getLinkTarget().toStringUtf8()).isEqualTo(before);
        }
    }

    // ------------------------------------------------------------------ sizes and counts

    @Test
    void anOversizedFileIsRefusedInTheManifestAndAtFileStart() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        RoundDone done = s.round(1, file("big", MAX_FILE + 1));
        assertThat(done.getRefusedList()).singleElement().asString()
                .contains("file 'big' of 1001 bytes exceeds sync.max-file-size 1000");
        assertThat(s.wants).isEmpty();

        // announced small, then started big
        s.send(manifest(2, true, file("grows", 3)));
        Want w = s.want();
        byte[] big = new byte[(int) MAX_FILE + 1];
        s.sendRaw(control(fileStart(w.getId(), big.length)), data(w.getId(), 0, big), control(fileEnd(w.getId(),
                digest(big))));
        done = s.roundDone(true);
        assertThat(done.getErrorsList()).singleElement().asString()
                .contains("data:grows").contains("1001 bytes exceeds sync.max-file-size 1000");
        assertThat(done.getFiles()).isZero();
        assertThat(tempFiles()).isEmpty();
        assertThat(disk()).isEqualTo(before);
    }

    @Test
    void aManifestMessageOfMoreThan10000EntriesClosesTheConnection() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i <= 10_000; i++) {
            entries.add(dir("d" + i));
        }
        s.send(manifest(1, true, entries));
        assertThat(s.closedBySink()).isTrue();
        assertThat(sinkAlarm()).contains("manifest message with 10001 entries (limit 10000)");
        assertThat(disk()).isEqualTo(before);
    }

    @Test
    void aRoundOfMoreEntriesThanMaxEntriesClosesTheConnection() throws IOException {
        TreeMap<String, String> before = disk();
        List<Entry> dirs = new ArrayList<>();
        for (int i = 0; i <= MAX_ENTRIES; i++) {
            dirs.add(dir("d" + i));
        }
        CraftedSource s = admitted();
        s.send(manifest(1, true, dirs));
        assertThat(s.closedBySink()).isTrue();
        assertThat(sinkAlarm()).contains("more than 50 entries (sync.max-entries)");
        assertThat(disk()).isEqualTo(before);

        // spread over two messages
        List<Entry> files = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            files.add(file("f" + i, 3));
        }
        CraftedSource t = admitted();
        t.sendRaw(control(manifest(2, false, files)), control(manifest(2, true, files)));
        assertThat(t.closedBySink()).isTrue();
        assertThat(sinkAlarm()).contains("more than 50 entries (sync.max-entries)");
        assertThat(tempFiles()).isEmpty();
        assertThat(disk()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ frames

    @Test
    void aWellFormedRoundWritesTheFile() throws IOException {
        CraftedSource s = admitted();
        s.sendRaw(roundWritingX());
        RoundDone done = s.roundDone(false);
        assertThat(done.getErrorsList()).isEmpty();
        assertThat(done.getFiles()).isEqualTo(1);
        assertThat(Files.readAllBytes(root.resolve("x"))).isEqualTo(ABC);
    }

    static Stream<Arguments> badFrames() {
        return Stream.of(
                Arguments.of("longer than 8 MiB", frame((8 << 20) + 1, 1, new byte[0])),
                Arguments.of("length 0", frame(0, 1, new byte[0])),
                Arguments.of("negative length", frame(-1, 1, new byte[0])),
                Arguments.of("unknown kind", frame(4, 9, new byte[] {1, 2, 3})),
                Arguments.of("data frame shorter than its header", frame(5, 2, new byte[] {0, 0, 0, 0})),
                Arguments.of("control frame that is no SyncMessage", frame(4, 1, new byte[] {(byte) 0xff,
                    (byte) 0xff, (byte) 0xff})),
                Arguments.of("data frame with a negative offset", data(0, -1, ABC)));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badFrames")
    void aBadFrameClosesTheConnectionAndNothingAfterItIsApplied(String what, byte[] bad) throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        s.sendRaw(concat(bad, roundWritingX()));
        assertThat(s.closedBySink()).isTrue();
        assertThat(root.resolve("x")).doesNotExist();
        assertThat(tempFiles()).isEmpty();
        assertThat(disk()).isEqualTo(before);
    }

    static Stream<Arguments> protocolViolations() {
        return Stream.of(
                Arguments.of(control(fileStart(7, 3)), "FileStart for transfer 7, which was not wanted or is done"),
                Arguments.of(data(7, 0, ABC), "data for transfer 7, which is not in progress"),
                Arguments.of(control(fileEnd(7, digest(ABC))), "FileEnd for transfer 7, which is not in progress"),
                Arguments.of(control(SyncMessage.newBuilder().setReuse(Reuse.newBuilder().setId(7).setCount(1))
                        .build()), "Reuse for transfer 7, which is not in progress"),
                Arguments.of(control(SyncMessage.newBuilder().setRoundDone(RoundDone.newBuilder().setRound(1))
                        .build()), "unexpected ROUND_DONE from the source"),
                Arguments.of(control(SyncMessage.newBuilder().setManifest(io.hakit.sync.internal.proto.Manifest
                        .newBuilder().setRound(1).setRoot("etc").setLast(true)).build()),
                        "manifest for unknown root 'etc'"),
                Arguments.of(control(manifest(1, true, withContent(file("x", 4), ABC, digest(ABC)))),
                        "content of 3 bytes in the manifest for 'x', a file of 4 bytes (at most 65536 bytes, with a "
                                + "digest)"),
                Arguments.of(control(manifest(1, true, file("x", 3).toBuilder().setContent(ByteString.copyFrom(ABC))
                        .build())), "content of 3 bytes in the manifest for 'x', a file of 3 bytes without a digest "
                                + "(at most 65536 bytes, with a digest)"));
    }

    /** {@code e} with its whole content in the manifest, as a source sends a small file of an incremental round. */
    static Entry withContent(Entry e, byte[] content, byte[] digest) {
        return e.toBuilder().setDigest(ByteString.copyFrom(digest)).setContent(ByteString.copyFrom(content)).build();
    }

    // ------------------------------------------------------------------ content in the manifest

    @Test
    void smallFilesWhoseContentComesWithTheManifestAreWrittenWithoutAWant() throws IOException {
        CraftedSource s = admitted();
        byte[] keep = "keep".getBytes(StandardCharsets.US_ASCII);
        List<Entry> entries = new ArrayList<>();
        entries.add(withContent(file("x", 3), ABC, digest(ABC)));
        entries.add(withContent(file("new/dir/y", 3), ABC, digest(ABC)));
        // keep.txt was not synchronized here; the source vouches (base digest) that its content is what both had
        entries.add(withContent(file("keep.txt", 3), ABC, digest(ABC)).toBuilder()
                .setBaseDigest(ByteString.copyFrom(digest(keep))).build());
        entries.add(withContent(file("empty", 0), new byte[0], digest(new byte[0])));
        for (int i = 0; i < 10; i++) { // more than are fsynced one by one as they are written
            byte[] c = ("file " + i).getBytes(StandardCharsets.US_ASCII);
            entries.add(withContent(file("many/f" + i, c.length), c, digest(c)));
        }
        s.send(manifest(1, true, entries));
        RoundDone done = s.roundDone(false);
        assertThat(s.wants).isEmpty();
        assertThat(done.getErrorsList()).isEmpty();
        assertThat(done.getConflictsList()).isEmpty();
        assertThat(done.getFiles()).isEqualTo(14);
        assertThat(root.resolve("x")).hasBinaryContent(ABC);
        assertThat(root.resolve("new/dir/y")).hasBinaryContent(ABC);
        assertThat(root.resolve("keep.txt")).hasBinaryContent(ABC);
        assertThat(root.resolve("empty")).isEmptyFile();
        for (int i = 0; i < 10; i++) {
            assertThat(root.resolve("many/f" + i)).hasContent("file " + i);
        }
        assertThat(Files.getLastModifiedTime(root.resolve("x")).toMillis())
                .isEqualTo(CraftedSource.MTIME_SECONDS * 1000L);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(
                root.resolve("x")))).isEqualTo("rw-r--r--");
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void contentInTheManifestWhoseDigestDoesNotMatchWritesNothing() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        byte[] other = digest("abd".getBytes(StandardCharsets.US_ASCII));
        s.send(manifest(1, true, withContent(file("x", 3), ABC, other), withContent(file("keep.txt", 3), ABC,
                other), withContent(file("sub/z", 3), ABC, other)));
        RoundDone done = s.roundDone(false);
        assertThat(s.wants).isEmpty();
        assertThat(done.getErrorsList()).hasSize(3).allSatisfy(e -> assertThat(e).startsWith("digest mismatch for ")
                .endsWith("(nothing written)"));
        assertThat(done.getErrors(0)).startsWith("digest mismatch for data:x: received ");
        assertThat(done.getFiles()).isZero();
        assertThat(tempFiles()).isEmpty();
        assertThat(disk()).isEqualTo(before);
        assertThat(sinkAlarm()).startsWith("digest mismatch for data:x");
    }

    @Test
    void contentInTheManifestOfAFileOverTheSizeLimitIsRefusedLikeAnyOther() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        byte[] big = new byte[(int) MAX_FILE + 1];
        RoundDone done = s.round(1, withContent(file("big", big.length), big, digest(big)));
        assertThat(done.getRefusedList()).singleElement().asString().contains("exceeds sync.max-file-size");
        assertThat(s.wants).isEmpty();
        assertThat(tempFiles()).isEmpty();
        assertThat(disk()).isEqualTo(before);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("protocolViolations")
    void aProtocolViolationClosesTheConnectionAndNothingAfterItIsApplied(byte[] bad, String why)
            throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        s.sendRaw(concat(bad, roundWritingX()));
        assertThat(s.closedBySink()).isTrue();
        assertThat(sinkAlarm()).isEqualTo("the active broke the sync protocol: " + why);
        assertThat(root.resolve("x")).doesNotExist();
        assertThat(tempFiles()).isEmpty();
        assertThat(disk()).isEqualTo(before);
    }

    @Test
    void dataPastTheAnnouncedSizeClosesTheConnectionAndLeavesNoTempFile() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        s.send(manifest(1, true, file("x", 3)));
        Want w = s.want();
        s.send(fileStart(w.getId(), 3));
        await().atMost(Duration.ofSeconds(5)).until(() -> !tempFiles().isEmpty());
        s.sendRaw(data(w.getId(), 0, "abcd".getBytes(StandardCharsets.US_ASCII)),
                control(fileEnd(w.getId(), digest(ABC))));
        assertThat(s.closedBySink()).isTrue();
        assertThat(sinkAlarm()).contains("data at 0+4 for x (expected offset 0, size 3)");
        await().atMost(Duration.ofSeconds(5)).until(() -> tempFiles().isEmpty());
        assertThat(disk()).isEqualTo(before);
    }

    @Test
    void dataAtAWrongOffsetClosesTheConnectionAndLeavesNoTempFile() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        s.send(manifest(1, true, file("x", 3)));
        Want w = s.want();
        s.sendRaw(control(fileStart(w.getId(), 3)), data(w.getId(), 0, "a".getBytes(StandardCharsets.US_ASCII)),
                data(w.getId(), 2, "c".getBytes(StandardCharsets.US_ASCII)), data(w.getId(), 1,
                        "b".getBytes(StandardCharsets.US_ASCII)), control(fileEnd(w.getId(), digest(ABC))));
        assertThat(s.closedBySink()).isTrue();
        assertThat(sinkAlarm()).contains("data at 2+1 for x (expected offset 1, size 3)");
        await().atMost(Duration.ofSeconds(5)).until(() -> tempFiles().isEmpty());
        assertThat(disk()).isEqualTo(before);
    }

    @Test
    void aFileEndWhoseDigestDoesNotMatchWritesNothing() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        byte[] keep = "KEEP".getBytes(StandardCharsets.US_ASCII);
        s.send(manifest(1, true, file("x", 3), file("keep.txt", 4)));
        Want wx = s.want();
        Want wk = s.want();
        s.sendRaw(control(fileStart(wx.getId(), 3)), data(wx.getId(), 0, ABC), control(fileEnd(wx.getId(),
                digest("abd".getBytes(StandardCharsets.US_ASCII)))), control(fileStart(wk.getId(), 4)),
                data(wk.getId(), 0, keep), control(fileEnd(wk.getId(), digest(ABC))));
        RoundDone done = s.roundDone(false);
        assertThat(done.getErrorsList()).hasSize(2).allSatisfy(e -> assertThat(e).startsWith("digest mismatch for ")
                .endsWith("(nothing written)"));
        assertThat(done.getErrors(0)).startsWith("digest mismatch for data:x: received ");
        assertThat(done.getErrors(1)).startsWith("digest mismatch for data:keep.txt: received ");
        assertThat(done.getFiles()).isZero();
        assertThat(tempFiles()).isEmpty();
        assertThat(disk()).isEqualTo(before);
        assertThat(sinkAlarm()).startsWith("digest mismatch for data:x");
    }

    @Test
    void aFileEndBeforeAllTheBytesClosesTheConnection() throws IOException {
        TreeMap<String, String> before = disk();
        CraftedSource s = admitted();
        s.send(manifest(1, true, file("x", 3)));
        Want w = s.want();
        s.sendRaw(control(fileStart(w.getId(), 3)), data(w.getId(), 0, "ab".getBytes(StandardCharsets.US_ASCII)),
                control(fileEnd(w.getId(), digest(ABC))));
        assertThat(s.closedBySink()).isTrue();
        assertThat(sinkAlarm()).contains("FileEnd for x after 2 of 3 bytes");
        await().atMost(Duration.ofSeconds(5)).until(() -> tempFiles().isEmpty());
        assertThat(disk()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ the Sink alone

    @Nested
    class AgainstTheSinkDirectly {
        private final List<SyncMessage> out = new ArrayList<>();
        private Sink sink;

        @BeforeEach
        void sink() throws IOException {
            pair.close(); // the FileSync above is not needed here
            sink = new Sink(Map.of("data", root), new Scanner(List.of(), List.of(), 1000), new HashCache(1 << 20),
                    SyncRecord.load(tmp.resolve("direct-record")), new Sink.Limits(MAX_FILE, MAX_ENTRIES, 0),
                    "node-b", out::add);
        }

        private Want want(String path, long size) throws Sink.ProtocolException {
            sink.onMessage(manifest(1, true, file(path, size)));
            return out.stream().filter(SyncMessage::hasWant).map(SyncMessage::getWant).reduce((a, b) -> b)
                    .orElseThrow();
        }

        @Test
        void aFileStartForAnIdNeverWantedIsAProtocolError() throws Exception {
            TreeMap<String, String> before = disk();
            want("x", 3);
            assertThatThrownBy(() -> sink.onMessage(fileStart(1, 3))).isInstanceOf(Sink.ProtocolException.class)
                    .hasMessage("FileStart for transfer 1, which was not wanted or is done");
            sink.abort();
            assertThat(disk()).isEqualTo(before);
        }

        @Test
        void dataPastTheSizeIsAProtocolErrorAndAbortRemovesTheTempFile() throws Exception {
            TreeMap<String, String> before = disk();
            Want w = want("x", 3);
            sink.onMessage(fileStart(w.getId(), 3));
            assertThat(tempFiles()).hasSize(1);
            sink.onData(new SyncFrames.Data(w.getId(), 0, Unpooled.wrappedBuffer("ab".getBytes())));
            assertThatThrownBy(() -> sink.onData(new SyncFrames.Data(w.getId(), 2,
                    Unpooled.wrappedBuffer("cd".getBytes())))).isInstanceOf(Sink.ProtocolException.class)
                    .hasMessage("data at 2+2 for x (expected offset 2, size 3)");
            sink.abort();
            assertThat(tempFiles()).isEmpty();
            assertThat(disk()).isEqualTo(before);
        }

        @Test
        void aReuseOfBlocksNeverOfferedIsAProtocolError() throws Exception {
            TreeMap<String, String> before = disk();
            Want w = want("x", 3);
            assertThat(w.getBlockDigestsCount()).isZero();
            sink.onMessage(fileStart(w.getId(), 3));
            assertThatThrownBy(() -> sink.onMessage(SyncMessage.newBuilder().setReuse(Reuse.newBuilder()
                    .setId(w.getId()).setFirst(0).setCount(1)).build())).isInstanceOf(Sink.ProtocolException.class)
                    .hasMessageContaining("does not fit the 0 blocks offered");
            sink.abort();
            assertThat(disk()).isEqualTo(before);
        }

        @Test
        void aDirectoryWithATempNameDoesNotStopTheStartUpCleaning() throws Exception {
            Files.createDirectories(root.resolve(".hakit-tmp-dir"));
            Files.writeString(root.resolve(".hakit-tmp-dir/x"), "x");
            Files.writeString(root.resolve("sub/.hakit-tmp-1-f"), "partial");
            assertThat(Sink.cleanLeftovers(Map.of("data", root))).singleElement().asString()
                    .startsWith("data:sub/.hakit-tmp-1-f");
            assertThat(root.resolve(".hakit-tmp-dir/x")).hasContent("x");
        }

        @Test
        void aRecordThatCannotBeSavedAfterARoundIsReportedWithTheNextRound() throws Exception {
            // the record is saved after the RoundDone is out; here its snapshot cannot be written (a directory is
            // where its temp file goes)
            Files.createDirectories(tmp.resolve("direct-record.tmp/x"));
            sink.onMessage(manifest(1, true, withContent(file("x", 3), ABC, digest(ABC))));
            RoundDone first = out.get(out.size() - 1).getRoundDone();
            assertThat(first.getErrorsList()).isEmpty();
            assertThat(first.getFiles()).isEqualTo(1);
            assertThat(root.resolve("x")).hasBinaryContent(ABC);
            sink.onMessage(manifest(2, true, absent("nothing-here")));
            RoundDone second = out.get(out.size() - 1).getRoundDone();
            assertThat(second.getRound()).isEqualTo(2);
            assertThat(second.getErrorsList()).singleElement().asString()
                    .startsWith("saving the sync record after round 1: ");
            Files.delete(tmp.resolve("direct-record.tmp/x"));
            Files.delete(tmp.resolve("direct-record.tmp"));
            sink.onMessage(manifest(3, true, absent("nothing-here")));
            assertThat(out.get(out.size() - 1).getRoundDone().getErrorsList()).singleElement().asString()
                    .startsWith("saving the sync record after round 2: ");
            sink.onMessage(manifest(4, true, absent("nothing-here")));
            assertThat(out.get(out.size() - 1).getRoundDone().getErrorsList()).isEmpty();
            assertThat(SyncRecord.load(tmp.resolve("direct-record")).get("data", "x")).isNotNull();
        }

        @Test
        void aManifestOfAnotherRoundOrAfterTheLastIsAProtocolError() throws Exception {
            sink.onMessage(manifest(1, false, file("x", 3)));
            assertThatThrownBy(() -> sink.onMessage(manifest(2, true))).isInstanceOf(Sink.ProtocolException.class)
                    .hasMessage("manifest of round 2 during round 1");
            sink.abort();
            sink.onMessage(manifest(3, true, absent("nothing-here")));
            assertThat(out.get(out.size() - 1).hasRoundDone()).isTrue();
        }
    }
}
