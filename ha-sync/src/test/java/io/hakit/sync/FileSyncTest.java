package io.hakit.sync;

import io.hakit.api.alarm.AlarmType;
import io.hakit.keepalive.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FileSyncTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    private SyncPair pair;

    @AfterEach
    void close() {
        if (pair != null) {
            pair.close();
        }
    }

    private static void write(Path p, String s) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, s);
    }

    private RoundResult full() throws Exception {
        return pair.a.syncNow(WAIT);
    }

    @Test
    void aFullRoundMirrorsContentModesMtimesLinksAndDeletes() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false)); // what the full rounds do, counted
        full(); // the round every activation starts, done before the trees change (it could make the conflict copy)
        Path a = pair.rootA;
        write(a.resolve("conf/app.yaml"), "port: 1");
        write(a.resolve("conf/deep/x/y.txt"), "deep");
        write(a.resolve("bin/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(a.resolve("bin/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(a.resolve("conf/app.yaml"), FileTime.from(Instant.parse("2020-01-02T03:04:05.123456789Z")));
        Files.write(a.resolve("empty"), new byte[0]);
        byte[] big = new byte[3 << 20];
        new Random(7).nextBytes(big);
        Files.write(a.resolve("big.bin"), big);
        Files.createSymbolicLink(a.resolve("conf/current"), Path.of("app.yaml"));
        Files.createSymbolicLink(a.resolve("escape"), Path.of("../../etc/passwd"));
        Files.createDirectories(a.resolve("emptydir"));
        write(pair.rootB.resolve("stale/old.txt"), "gone soon");

        // old.txt was never received from the source (no record of it): kept as a conflict copy, not deleted
        RoundResult first = full();
        assertThat(first.errors()).isEmpty();
        assertThat(first.conflicts()).singleElement().asString().contains("stale/old.txt");
        assertThat(TreeAssert.differences(a, pair.rootB))
                .containsExactlyInAnyOrder("missing on the replica: escape", "only on the replica: stale");
        try (Stream<Path> kept = Files.list(pair.rootB.resolve("stale"))) {
            assertThat(kept).singleElement().satisfies(p -> {
                assertThat(p.getFileName().toString()).startsWith("old.txt.hakit-conflict-");
                assertThat(Files.readString(p)).isEqualTo("gone soon");
            });
        }

        Files.delete(a.resolve("conf/deep/x/y.txt"));
        Files.delete(a.resolve("conf/deep/x"));
        Files.delete(a.resolve("big.bin"));
        RoundResult second = full();
        assertThat(second.errors()).isEmpty();
        assertThat(TreeAssert.differences(a, pair.rootB))
                .containsExactlyInAnyOrder("missing on the replica: escape", "only on the replica: stale");
        // not second.deleted() >= 3: the watcher's incremental round may delete them before the full round runs
        assertThat(pair.rootB.resolve("conf/deep/x")).doesNotExist();
        assertThat(pair.rootB.resolve("big.bin")).doesNotExist();
        // deleted, not kept as conflict copies (which round deleted them, the watcher's or this one, is a race:
        // aStandbyThatComesBackGetsTheDeletesMadeWhileItWasDownWithoutConflicts counts them)
        assertThat(second.conflicts()).isEmpty();
        try (Stream<Path> s = Files.walk(pair.rootB)) {
            assertThat(s.map(p -> pair.rootB.relativize(p).toString()).filter(p -> p.contains(".hakit-conflict-")))
                    .singleElement().asString().startsWith("stale/old.txt.hakit-conflict-");
        }
    }

    @Test
    void aWatchedChangeReachesTheStandbyWithoutAFullRound() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        full();
        long roundsBefore = pair.a.status().rounds();
        for (int i = 0; i < 5; i++) {
            String content = "v" + i;
            write(pair.rootA.resolve("hot/f.txt"), content);
            await().atMost(WAIT).until(() -> Files.exists(pair.rootB.resolve("hot/f.txt"))
                    && Files.readString(pair.rootB.resolve("hot/f.txt")).equals(content));
        }
        Files.delete(pair.rootA.resolve("hot/f.txt"));
        await().atMost(WAIT).until(() -> !Files.exists(pair.rootB.resolve("hot/f.txt")));
        // the period is an hour: every one of these came from watch-driven rounds
        assertThat(pair.a.status().rounds()).isGreaterThan(roundsBefore);
        assertThat(pair.a.status().lastError()).isEmpty();
    }

    @Test
    void aChangeInTheMiddleOfALargeFileSendsOnlyTheChangedBlocks() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false)); // every byte counted by the full rounds below
        // the connection's own first round must be over before the file exists: run under load, it raced the write
        // and sent part of the file, and the first counted round then sent only the blocks still missing
        full();
        byte[] data = new byte[16 << 20];
        new Random(1).nextBytes(data);
        Path f = pair.rootA.resolve("big.bin");
        Files.write(f, data);
        assertThat(full().bytesSent()).isEqualTo(data.length);
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(8 << 20);
            raf.write("changed in the middle".getBytes(StandardCharsets.UTF_8));
        }
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        RoundResult r = full();
        assertThat(r.errors()).isEmpty();
        assertThat(r.bytesSent()).isEqualTo(128 * 1024); // one block
        assertThat(TreeAssert.differences(pair.rootA, pair.rootB)).isEmpty();
    }

    @Test
    void watchedRoundsRemoveARenamedDirectoryAndReplaceADirectoryByAFileWithoutConflicts() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        Path a = pair.rootA;
        write(a.resolve("d/x/1.txt"), "one");
        write(a.resolve("d/2.txt"), "two");
        write(a.resolve("e/3.txt"), "three");
        assertThat(full().ok()).isTrue();

        Files.move(a.resolve("d"), a.resolve("renamed"));
        Files.delete(a.resolve("e/3.txt"));
        Files.delete(a.resolve("e"));
        write(a.resolve("e"), "now a file");
        await().atMost(WAIT).untilAsserted(() -> assertThat(TreeAssert.differences(a, pair.rootB)).isEmpty());
        try (Stream<Path> s = Files.list(pair.rootB)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("renamed", "e");
        }
        assertThat(pair.a.status().conflicts()).isEmpty();
        assertThat(pair.alarmsA.history()).isEmpty();
    }

    @Test
    void aRewriteThatKeepsSizeAndMtimeTravelsWhileTheMtimeIsRecent() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        Path f = pair.rootA.resolve("f.txt");
        write(f, "version one");
        FileTime t = Files.getLastModifiedTime(f);
        assertThat(full().ok()).isTrue();
        assertThat(Files.readString(pair.rootB.resolve("f.txt"))).isEqualTo("version one");

        // a second write within the file system's timestamp tick leaves size and mtime as they were
        write(f, "version two");
        Files.setLastModifiedTime(f, t);
        assertThat(full().ok()).isTrue();
        assertThat(TreeAssert.differences(pair.rootA, pair.rootB)).isEmpty();
    }

    @Test
    void afterASplitBrainTheDeposedNodesOwnChangesAreKeptAsConflictCopies() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        write(pair.rootA.resolve("state.txt"), "agreed");
        write(pair.rootA.resolve("other.txt"), "agreed");
        full();
        // split brain: b is active too and writes its own version; then b wins with a higher epoch
        pair.b.roleChanged(Role.ACTIVE, 2);
        write(pair.rootA.resolve("state.txt"), "written by a while both were active");
        write(pair.rootA.resolve("only-on-a.txt"), "a's new file");
        pair.a.roleChanged(Role.STANDBY, 1);
        write(pair.rootB.resolve("other.txt"), "b's version");
        RoundResult r = pair.b.syncNow(WAIT);
        assertThat(r.errors()).isEmpty();
        assertThat(r.conflicts()).hasSize(2).anySatisfy(c -> assertThat(c).contains("state.txt"))
                .anySatisfy(c -> assertThat(c).contains("only-on-a.txt"));
        assertThat(Files.readString(pair.rootA.resolve("other.txt"))).isEqualTo("b's version");
        try (Stream<Path> s = Files.list(pair.rootA)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".hakit-conflict-"))
                    .map(n -> n.substring(0, n.indexOf(".hakit-conflict-"))))
                    .containsExactlyInAnyOrder("state.txt", "only-on-a.txt");
        }
        assertThat(TreeAssert.differences(pair.rootB, pair.rootA)).isEmpty();
        assertThat(pair.b.status().latestConflicts()).hasSize(2);
        // the copies are on a, which raises SYNC_CONFLICT naming them until the operator resolves them
        assertThat(pair.a.status().conflicts()).hasSize(2);
        await().atMost(WAIT).until(() -> pair.alarmsA.isActive(AlarmType.SYNC_CONFLICT, "sync:node-a"));
        assertThat(pair.alarmsA.get(AlarmType.SYNC_CONFLICT, "sync:node-a").orElseThrow().detail())
                .contains("2 conflict copies").contains("state.txt.hakit-conflict-");
        try (Stream<Path> s = Files.list(pair.rootA)) {
            for (Path copy : s.filter(p -> p.getFileName().toString().contains(".hakit-conflict-")).toList()) {
                Files.delete(copy);
            }
        }
        await().atMost(WAIT).until(() -> !pair.alarmsA.isActive(AlarmType.SYNC_CONFLICT, "sync:node-a"));
        assertThat(pair.a.status().conflicts()).isEmpty();
    }

    @Test
    void aDeposedActiveWithALowerEpochIsRefusedAndRaisesTheAlarm() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        write(pair.rootA.resolve("x.txt"), "1");
        full();
        // b saw epoch 1 from a; a newer active (epoch 5) came and went; a now comes back claiming epoch 1
        pair.a.roleChanged(Role.STANDBY, 1);
        pair.b.roleChanged(Role.ACTIVE, 5);
        pair.b.syncNow(WAIT);
        pair.b.roleChanged(Role.STANDBY, 5);
        pair.a.roleChanged(Role.ACTIVE, 1);
        write(pair.rootA.resolve("x.txt"), "stale write");
        assertThatThrownBy(() -> pair.a.syncNow(Duration.ofSeconds(3))).hasMessageContaining("epoch 1 is older than 5");
        await().atMost(WAIT).until(() -> pair.alarmsA.isActive(AlarmType.SYNC_FAILED, "sync:node-a"));
        assertThat(pair.alarmsA.get(AlarmType.SYNC_FAILED, "sync:node-a").orElseThrow().detail())
                .contains("older than");
        assertThat(Files.readString(pair.rootB.resolve("x.txt"))).isEqualTo("1");
        // with a current epoch it syncs and the alarm clears
        pair.a.roleChanged(Role.ACTIVE, 6);
        assertThat(pair.a.syncNow(WAIT).errors()).isEmpty();
        assertThat(pair.alarmsA.isActive(AlarmType.SYNC_FAILED, "sync:node-a")).isFalse();
        assertThat(Files.readString(pair.rootB.resolve("x.txt"))).isEqualTo("stale write");
    }

    @Test
    void aStandbyThatIsActiveItselfRefusesTheOtherActive() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        pair.b.roleChanged(Role.ACTIVE, 1);
        assertThatThrownBy(() -> pair.a.syncNow(Duration.ofSeconds(3))).hasMessageContaining("split brain");
        assertThat(pair.a.status().connected()).isFalse();
    }

    @Test
    void aStandbyThatComesBackGetsTheDeletesMadeWhileItWasDownWithoutConflicts() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
        Path a = pair.rootA;
        write(a.resolve("conf/deep/x/y.txt"), "deep");
        write(a.resolve("big.bin"), "big");
        assertThat(full().ok()).isTrue();

        // with the standby down no round runs: the deletions wait for the full round after the reconnect
        pair.b.close();
        await().atMost(WAIT).until(() -> !pair.a.status().connected());
        Files.delete(a.resolve("conf/deep/x/y.txt"));
        Files.delete(a.resolve("conf/deep/x"));
        Files.delete(a.resolve("big.bin"));
        // syncNow fails fast while the standby is down
        assertThatThrownBy(this::full).hasMessageContaining("peer unreachable");
        pair.startB();
        // the full round that follows the reconnect deletes them, without conflict copies
        await().atMost(WAIT).untilAsserted(() -> assertThat(TreeAssert.differences(a, pair.rootB)).isEmpty());
        RoundResult r = full();
        assertThat(r.full()).isTrue();
        assertThat(r.errors()).isEmpty();
        assertThat(r.conflicts()).isEmpty();
        assertThat(pair.b.status().conflicts()).isEmpty();
        assertThat(TreeAssert.differences(a, pair.rootB)).isEmpty();
    }

    @Test
    void excludedPathsStayOnTheirSideAndIncludesSelectFiles() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false).exclude(java.util.List.of("*.tmp", "cache"))
                .include(java.util.List.of("*.yaml", "*.txt")));
        Path a = pair.rootA;
        write(a.resolve("conf/app.yaml"), "kept");
        write(a.resolve("conf/notes.txt"), "kept");
        write(a.resolve("conf/run.tmp"), "excluded by name");
        write(a.resolve("conf/blob.bin"), "not included");
        write(a.resolve("cache/x/data.yaml"), "under an excluded directory");
        write(pair.rootB.resolve("conf/local.tmp"), "the standby's own excluded file");
        write(pair.rootB.resolve("cache/mine.yaml"), "the standby's own excluded directory");
        assertThat(full().errors()).isEmpty();
        assertThat(pair.rootB.resolve("conf/app.yaml")).hasContent("kept");
        assertThat(pair.rootB.resolve("conf/notes.txt")).hasContent("kept");
        assertThat(pair.rootB.resolve("conf/run.tmp")).doesNotExist();
        assertThat(pair.rootB.resolve("conf/blob.bin")).doesNotExist();
        assertThat(pair.rootB.resolve("cache/x")).doesNotExist();
        // what the filter leaves out is not the synchronizer's to delete on the standby either
        assertThat(pair.rootB.resolve("conf/local.tmp")).hasContent("the standby's own excluded file");
        assertThat(pair.rootB.resolve("cache/mine.yaml")).hasContent("the standby's own excluded directory");
    }

    @Test
    void aStandbyHoldsTheActivesFilesOnlyAfterAWholeRoundFromTheNewestActive() throws Exception {
        pair = SyncPair.started(tmp, b -> b.watch(false));
        write(pair.rootA.resolve("x.txt"), "1");
        full();
        assertThat(pair.b.holdsActiveFiles()).isTrue();
        // b was active at epoch 2 meanwhile (a failover): a's files at epoch 1 are no longer the newest
        pair.b.roleChanged(Role.ACTIVE, 2);
        pair.b.roleChanged(Role.STANDBY, 2);
        assertThat(pair.b.holdsActiveFiles()).as("preempting now could make stale files the source").isFalse();
        pair.a.roleChanged(Role.ACTIVE, 3);
        assertThat(full().errors()).isEmpty();
        assertThat(pair.b.holdsActiveFiles()).isTrue();
    }
}
