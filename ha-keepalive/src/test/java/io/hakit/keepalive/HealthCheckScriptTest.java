package io.hakit.keepalive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link HealthCheck#script}: real commands through {@code sh}. */
class HealthCheckScriptTest {

    private static Optional<String> run(String shell, Duration timeout) throws Exception {
        return HealthCheck.script(List.of("sh", "-c", shell), timeout).check();
    }

    @Test
    void exitZeroPassesAndAnyOtherCodeFailsWithTheCommandsOutput() throws Exception {
        assertThat(run("echo fine; exit 0", Duration.ofSeconds(10))).isEmpty();
        assertThat(run("echo 'disk full' >&2; exit 3", Duration.ofSeconds(10)))
                .hasValue("sh -c echo 'disk full' >&2; exit 3 exited with 3: disk full");
    }

    @Test
    void aCommandThatWritesMoreThanAPipeHoldsStillPasses() throws Exception {
        // 1 MiB of output, 16 times a Linux pipe: unread, the command blocks until it is killed at the timeout.
        assertThat(run("head -c 1048576 /dev/zero | tr '\\0' x; exit 0", Duration.ofSeconds(10))).isEmpty();
        Optional<String> failed = run("head -c 1048576 /dev/zero | tr '\\0' y; exit 4", Duration.ofSeconds(10));
        assertThat(failed).isPresent();
        assertThat(failed.get()).endsWith("exited with 4: " + "y".repeat(512));
    }

    @Test
    void aCommandStillRunningAtTheTimeoutFails() throws Exception {
        assertThat(run("sleep 30", Duration.ofMillis(200))).hasValue("sh -c sleep 30 did not finish within 200 ms");
    }

    @Test
    void aCommandKilledAtTheTimeoutTakesItsChildrenWithIt(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        assertThat(run("sleep 30 & echo $! > " + pidFile + "; wait", Duration.ofMillis(500))).isPresent();
        long child = Long.parseLong(Files.readString(pidFile).trim());
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    }
}
