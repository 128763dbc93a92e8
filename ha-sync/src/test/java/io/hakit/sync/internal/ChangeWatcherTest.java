package io.hakit.sync.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ChangeWatcherTest {

    @TempDir
    Path root;

    @Test
    void directoriesBeyondTheWatchLimitAreCountedAndAskForAFullRound() throws Exception {
        for (int i = 0; i < 5; i++) {
            Files.createDirectories(root.resolve("d" + i));
        }
        try (ChangeWatcher w = new ChangeWatcher(Map.of("data", root), () -> { }, 3)) {
            assertThat(w.unwatched()).isEqualTo(3); // the root and two directories are watched
            assertThat(w.takeNeedFull()).isTrue(); // changes in the others wait for a full round
            assertThat(w.takeNeedFull()).isFalse();
        }
    }

    @Test
    void aChangeInAWatchedDirectoryIsReported() throws Exception {
        Files.createDirectories(root.resolve("d"));
        try (ChangeWatcher w = new ChangeWatcher(Map.of("data", root), () -> { })) {
            assertThat(w.unwatched()).isZero();
            Files.writeString(root.resolve("d/f"), "x");
            await().atMost(Duration.ofSeconds(10)).until(() -> w.drain().getOrDefault("data", java.util.Set.of())
                    .contains("d/f"));
        }
    }
}
