package io.hakit.keepalive.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateDirLockTest {

    @TempDir
    Path dir;

    @Test
    void theHolderWritesItsPidAndASecondLockIsRefusedNamingIt() throws Exception {
        Path state = dir.resolve("state");
        try (StateDirLock lock = StateDirLock.acquire(state, "node-a, bind 127.0.0.1:7000")) {
            String written = Files.readString(lock.file());
            assertThat(written).startsWith("pid=" + ProcessHandle.current().pid() + "\n")
                    .contains("holder=node-a, bind 127.0.0.1:7000\n");
            assertThatThrownBy(() -> StateDirLock.acquire(state, "node-a, bind 127.0.0.1:7001"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("the state directory " + state.toAbsolutePath() + " is in use: this "
                            + "process (PID " + ProcessHandle.current().pid() + ") holds " + lock.file());
        }
        // released: the next holder takes it and its lines replace the old ones
        try (StateDirLock lock = StateDirLock.acquire(state, "node-a, bind 127.0.0.1:7001")) {
            assertThat(Files.readString(lock.file())).contains("7001").doesNotContain("7000");
        }
    }

    @Test
    void aFileLeftByAKilledHolderDoesNotLock() throws Exception {
        // what a SIGKILLed holder leaves: the file with its lines, but no lock (the kernel dropped it)
        Path state = Files.createDirectories(dir.resolve("state"));
        Files.writeString(state.resolve(StateDirLock.FILE), "pid=999999\nholder=node-a, bind 127.0.0.1:7000\n"
                + "since=2020-01-01T00:00:00Z\nand some more text from a longer file\n");
        try (StateDirLock lock = StateDirLock.acquire(state, "node-a, bind 127.0.0.1:7000")) {
            assertThat(Files.readString(lock.file())).startsWith("pid=" + ProcessHandle.current().pid())
                    .doesNotContain("longer file");
        }
    }

    @Test
    void thePidIsReadFromWhatTheHolderWrote() {
        assertThat(StateDirLock.pid("pid=4242\nholder=x\n")).isEqualTo("4242");
        assertThat(StateDirLock.pid("")).isEqualTo("(PID not written yet)");
    }
}
