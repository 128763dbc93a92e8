package io.hakit.sync;

import io.hakit.api.alarm.Alarm;
import io.hakit.api.alarm.AlarmType;
import io.hakit.testkit.Tmpfs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A target the standby cannot write (an immutable directory, a read-only file system; root ignores mode bits) fails
 * the round with an error and an alarm that name the path; once writable again the next round succeeds and clears it.
 */
class PermissionTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    private SyncPair pair;
    private Path immutable;
    private Tmpfs disk;

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (immutable != null) {
                Tmpfs.run("chattr", "-i", immutable.toString());
            }
            if (pair != null) {
                pair.close();
            }
        } finally {
            if (disk != null) {
                disk.close();
            }
        }
    }

    private String alarmA() {
        return pair.alarmsA.get(AlarmType.SYNC_FAILED, "sync:node-a").map(Alarm::detail).orElse(null);
    }

    @Test
    void anImmutableDirectoryIsNamedAndTheNextRoundRecovers() throws Exception {
        Assumptions.assumeTrue(Tmpfs.root(), "chattr +i needs root");
        Path a = Files.createDirectories(tmp.resolve("a/data/locked"));
        Files.writeString(a.resolve("old.txt"), "old");
        pair = SyncPair.started(tmp, b -> b);
        assertThat(pair.a.syncNow(WAIT).errors()).isEmpty();
        Path locked = pair.rootB.resolve("locked");
        Assumptions.assumeTrue(Tmpfs.run("chattr", "+i", locked.toString()) == 0, "chattr +i does not work here");
        immutable = locked;

        Files.writeString(a.resolve("new.txt"), "new");
        RoundResult r = pair.a.syncNow(WAIT);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors().get(0)).isEqualTo("data:locked/new.txt: permission denied (operation not permitted; "
                + "immutable?): " + locked + "/");
        assertThat(alarmA()).contains("data:locked/new.txt: permission denied").contains(locked.toString());

        assertThat(Tmpfs.run("chattr", "-i", locked.toString())).isZero();
        immutable = null;
        r = pair.a.syncNow(WAIT);
        assertThat(r.errors()).isEmpty();
        assertThat(alarmA()).isNull();
        assertThat(TreeAssert.differences(pair.rootA, pair.rootB)).isEmpty();
    }

    @Test
    void aReadOnlyFileSystemIsNamedAndTheNextRoundRecovers() throws Exception {
        disk = Tmpfs.mount(tmp.resolve("b-disk"), "4m");
        Path a = Files.createDirectories(tmp.resolve("a/data"));
        Files.writeString(a.resolve("one.txt"), "one");
        pair = SyncPair.started(tmp, a, disk.dir(), b -> b.diskReserve(0));
        assertThat(pair.a.syncNow(WAIT).errors()).isEmpty();
        disk.remount("ro");

        Files.writeString(a.resolve("two.txt"), "two");
        RoundResult r = pair.a.syncNow(WAIT);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors().get(0)).isEqualTo("data:two.txt: read-only file system: " + disk.dir() + "/");
        assertThat(alarmA()).contains("data:two.txt: read-only file system: " + disk.dir());

        disk.remount("rw");
        r = pair.a.syncNow(WAIT);
        assertThat(r.errors()).isEmpty();
        assertThat(alarmA()).isNull();
        assertThat(TreeAssert.differences(a, disk.dir())).isEmpty();
    }
}
