package io.hakit.sync;

import io.hakit.sync.internal.proto.Entry;
import io.hakit.sync.internal.proto.Manifest;
import io.hakit.sync.internal.proto.RoundDone;
import io.hakit.sync.internal.proto.SyncMessage;
import io.hakit.sync.internal.proto.Want;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.hakit.sync.CraftedSource.control;
import static io.hakit.sync.CraftedSource.data;
import static io.hakit.sync.CraftedSource.digest;
import static io.hakit.sync.CraftedSource.dir;
import static io.hakit.sync.CraftedSource.file;
import static io.hakit.sync.CraftedSource.fileEnd;
import static io.hakit.sync.CraftedSource.fileStart;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A local user (or process) that can write into the standby's root swaps a directory for a symbolic link to a place
 * outside the root at each point of a round: before the manifest, between manifest batches (before the directories'
 * metadata is applied at the end), during a transfer, between a file's end and its rename into place, and before the
 * full round's delete walk. Whatever the source sends (here a crafted one that asks for mode 0777 and owner 4242),
 * nothing outside the root changes: each file and directory there keeps its bytes, mode, owner and mtime.
 */
class LinkSwapTest {

    @TempDir
    Path tmp;
    private SyncPair pair;
    private Path root;
    private Path outside;
    private CraftedSource source;

    @BeforeEach
    void start() throws Exception {
        pair = new SyncPair(tmp, b -> b.diskReserve(0));
        root = pair.rootB;
        outside = Files.createDirectories(tmp.resolve("b/outside"));
        Files.createDirectories(outside.resolve("deep"));
        Files.writeString(outside.resolve("secret"), "secret");
        Files.writeString(outside.resolve("deep/secret"), "deep secret");
        Files.setPosixFilePermissions(outside.resolve("secret"), java.nio.file.attribute.PosixFilePermissions
                .fromString("rw-------"));
        Files.createDirectories(root.resolve("sub/deep"));
        Files.writeString(root.resolve("keep.txt"), "keep");
        pair.startB();
        source = CraftedSource.admitted(pair.portB, 1);
    }

    @AfterEach
    void stop() throws IOException {
        if (source != null) {
            source.close();
        }
        pair.close();
    }

    /** Everything below 'outside': type, bytes, mode, owner, mtime. */
    private Map<String, String> outside() throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(outside)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime",
                        LinkOption.NOFOLLOW_LINKS);
                String what = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir" : sha(Files.readAllBytes(p));
                m.put(outside.relativize(p).toString(), what + " " + Integer.toOctalString((Integer) a.get("mode"))
                        + " " + a.get("uid") + ":" + a.get("gid") + " " + a.get("lastModifiedTime"));
            }
        }
        return m;
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 'sub' becomes a link to ../outside; the real directory moves aside (still inside the root). */
    private void swap() throws IOException {
        Files.move(root.resolve("sub"), root.resolve("sub.moved"));
        Files.createSymbolicLink(root.resolve("sub"), Path.of("../outside"));
    }

    private static Entry hostile(Entry e) {
        return e.toBuilder().setMode(0777).setUid(4242).setGid(4242).build();
    }

    private static SyncMessage manifest(long round, boolean full, boolean last, Entry... entries) {
        return SyncMessage.newBuilder().setManifest(Manifest.newBuilder().setRound(round).setRoot("data")
                .setFull(full).setLast(last).addAllEntries(List.of(entries))).build();
    }

    private List<String> filesOutsideTheRootNamed(String prefix) throws IOException {
        try (Stream<Path> s = Files.walk(outside)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList();
        }
    }

    @Test
    void beforeTheManifestTheLinkIsReplacedNotFollowed() throws Exception {
        Map<String, String> before = outside();
        swap();
        source.send(manifest(1, false, true, hostile(dir("sub")), hostile(dir("sub/deep"))));
        RoundDone done = source.roundDone(true);
        assertThat(done.getErrorsList()).isEmpty();
        assertThat(outside()).isEqualTo(before);
        assertThat(root.resolve("sub")).isDirectory().isNotEqualTo(outside);
        assertThat(Files.isSymbolicLink(root.resolve("sub"))).isFalse();
        assertThat(root.resolve("sub/deep")).isDirectory();
    }

    @Test
    void betweenManifestBatchesTheDirectoriesMetadataIsNotAppliedThroughTheLink() throws Exception {
        Map<String, String> before = outside();
        source.send(manifest(1, false, false, hostile(dir("sub")), hostile(dir("sub/deep")), file("marker", 3)));
        // the Want for 'marker' says the batch was applied: the directories' metadata waits for the round's end
        Want marker = source.want();
        swap();
        source.send(manifest(1, false, true));
        skip(marker);
        RoundDone done = source.roundDone(true);
        assertThat(outside()).isEqualTo(before);
        assertThat(done.getErrorsList()).anySatisfy(e -> assertThat(e).contains("data:sub")
                .contains("symbolic link"));
    }

    @Test
    void duringATransferTheFileNeverLandsOutside() throws Exception {
        Map<String, String> before = outside();
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        source.send(manifest(1, false, true, file("sub/deep/secret", 3)));
        Want w = source.want();
        source.send(fileStart(w.getId(), 3));
        await(() -> tempFiles(root).size() == 1);
        swap();
        source.sendRaw(data(w.getId(), 0, abc), control(fileEnd(w.getId(), digest(abc))));
        RoundDone done = source.roundDone(true);
        assertThat(done.getFiles()).isZero();
        assertThat(String.join("\n", done.getErrorsList()) + String.join("\n", done.getRefusedList()))
                .contains("symbolic link");
        assertThat(outside()).isEqualTo(before);
        assertThat(filesOutsideTheRootNamed(".hakit-tmp-")).isEmpty();
    }

    @Test
    void betweenAFilesEndAndItsRenameNothingIsRenamedOutside() throws Exception {
        Map<String, String> before = outside();
        byte[] one = "one".getBytes(StandardCharsets.US_ASCII);
        byte[] two = "two".getBytes(StandardCharsets.US_ASCII);
        source.send(manifest(1, false, true, file("sub/deep/secret", 3), file("other.txt", 3)));
        Want w1 = source.want();
        Want w2 = source.want();
        // the first file is written and checked, then waits for the end of the round to be renamed into place
        source.sendRaw(control(fileStart(w1.getId(), 3)), data(w1.getId(), 0, one),
                control(fileEnd(w1.getId(), digest(one))));
        source.send(fileStart(w2.getId(), 3));
        await(() -> tempFiles(root).size() == 2);
        swap();
        source.sendRaw(data(w2.getId(), 0, two), control(fileEnd(w2.getId(), digest(two))));
        RoundDone done = source.roundDone(true);
        assertThat(done.getFiles()).isEqualTo(1); // other.txt
        assertThat(String.join("\n", done.getErrorsList()) + String.join("\n", done.getRefusedList()))
                .contains("symbolic link");
        assertThat(outside()).isEqualTo(before);
        assertThat(root.resolve("other.txt")).hasContent("two");
    }

    @Test
    void theFullRoundsDeleteWalkDoesNotDescendThroughTheLink() throws Exception {
        Map<String, String> before = outside();
        // a full round whose first batch lists 'sub' (a directory, so the walk descends into it) but nothing in it
        source.send(manifest(1, true, false, dir("sub"), file("marker", 3)));
        Want marker = source.want(); // the first batch is applied
        swap();
        source.send(manifest(1, true, true));
        skip(marker);
        RoundDone done = source.roundDone(true);
        assertThat(outside()).isEqualTo(before);
        assertThat(done.getErrorsList()).anySatisfy(e -> assertThat(e).contains("data:sub").contains("symbolic link"));
        assertThat(filesOutsideTheRootNamed("secret.hakit-conflict-")).isEmpty();
        assertThat(outside.resolve("secret")).hasContent("secret");
    }

    private void skip(Want w) throws IOException {
        source.send(fileStart(w.getId(), 0));
        source.send(SyncMessage.newBuilder().setFileEnd(io.hakit.sync.internal.proto.FileEnd.newBuilder()
                .setId(w.getId()).setSkipped(true).setReason("test")).build());
    }

    private static List<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".hakit-tmp-")).toList();
        }
    }

    private static void await(java.util.concurrent.Callable<Boolean> c) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(c);
    }
}
