package io.hakit.keepalive.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EpochStoreTest {

    @TempDir
    Path dir;

    @Test
    void startsAtZeroAndSurvivesARestart() throws Exception {
        EpochStore s = new EpochStore(dir.resolve("state/epoch"));
        assertThat(s.load()).isZero();
        s.store(5);
        assertThat(new EpochStore(dir.resolve("state/epoch")).load()).isEqualTo(5);
        s.store(5);
        s.store(9);
        assertThat(s.load()).isEqualTo(9);
        try (var files = Files.list(dir.resolve("state"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("epoch");
        }
    }

    @Test
    void neverGoesBackwards() {
        EpochStore s = new EpochStore(dir.resolve("epoch"));
        s.store(7);
        assertThatThrownBy(() -> s.store(6)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7");
        assertThat(s.load()).isEqualTo(7);
    }

    @Test
    void aCorruptFileIsRefusedNamingIt() throws Exception {
        Path f = dir.resolve("epoch");
        Files.writeString(f, "seven\n");
        assertThatThrownBy(() -> new EpochStore(f).load()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("seven");
    }

    @Test
    void anUnwritableDirectoryFailsLoudly() throws Exception {
        Path blocker = dir.resolve("not-a-dir");
        Files.writeString(blocker, "x");
        assertThatThrownBy(() -> new EpochStore(blocker.resolve("epoch")).store(1))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining(blocker.toString());
    }
}
