package io.hakit.sync;

import io.hakit.api.alarm.AlarmType;
import io.hakit.keepalive.Role;
import io.hakit.sync.internal.Source;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
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

    private Source.RoundResult full() throws Exception {
        return pair.a.syncNow(WAIT);
    }

    @Test
    void aFullRoundMirrorsContentModesMtimesLinksAndDeletes() throws Exception {
        pair = SyncPair.started(tmp, b -> b);
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
        Source.RoundResult first = full();
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
        Source.RoundResult second = full();
        assertThat(second.errors()).isEmpty();
        assertThat(TreeAssert.differences(a, pair.rootB))
                .containsExactlyInAnyOrder("missing on the replica: escape", "only on the replica: stale");
        // deleted, not kept as conflict copies (which round deleted them, the watcher's or this one, is a race:
        // aRoundAfterTheStandbyCameBackDeletesAndCountsWhatTheSourceNoLongerHas counts them)
        assertThat(second.conflicts()).isEmpty();
        try (Stream<Path> s = Files.walk(pair.rootB)) {
            assertThat(s.map(p -> pair.rootB.relativize(p).toString()).filter(p -> p.contains(".hakit-conflict-")))
                    .singleElement().asString().startsWith("stale/old.txt.hakit-conflict-");
        }
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
    void aRoundAfterTheStandbyCameBackDeletesAndCountsWhatTheSourceNoLongerHas() throws Exception {
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
        CompletableFuture<Source.RoundResult> round = CompletableFuture.supplyAsync(() -> {
            try {
                return full();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        Thread.sleep(100); // syncNow is waiting when the standby comes back
        pair.startB();
        Source.RoundResult r = round.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(r.full()).isTrue();
        assertThat(r.errors()).isEmpty();
        assertThat(r.conflicts()).isEmpty();
        assertThat(r.deleted()).isEqualTo(3);
        assertThat(TreeAssert.differences(a, pair.rootB)).isEmpty();
    }
}
