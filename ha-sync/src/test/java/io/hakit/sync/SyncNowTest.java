package io.hakit.sync;

import io.hakit.keepalive.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** syncNow keeps its contract when no round can run. */
class SyncNowTest {

    @TempDir
    Path tmp;
    private SyncPair pair;

    @AfterEach
    void close() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void syncNowFailsWithTheCauseWhenTheStandbyIsUnreachable() throws Exception {
        pair = new SyncPair(tmp, b -> b);
        pair.startA(); // no standby listens on portB
        pair.a.roleChanged(Role.ACTIVE, 1);
        assertThatThrownBy(() -> pair.a.syncNow(Duration.ofSeconds(8))).isInstanceOf(IOException.class)
                .hasMessageContaining("peer unreachable").hasMessageContaining(":" + pair.portB);
    }
}
