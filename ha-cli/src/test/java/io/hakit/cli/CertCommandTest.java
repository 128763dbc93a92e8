package io.hakit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CertCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");

    private int run(Instant at, String... args) {
        outBytes.reset();
        errBytes.reset();
        return new CertCommand(out, err, Clock.fixed(at, ZoneOffset.UTC)).run(List.of(args));
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void generateThenCheckOverTheCertificatesLife() throws Exception {
        assertThat(run(NOW, "generate", "--out", dir.toString(), "--days", "100", "--alt", "10.0.0.5")).isZero();
        for (String f : List.of("ca.crt", "ca.key", "node-a/server.crt", "node-a/server.key", "node-a/ca.crt",
                "node-b/server.crt")) {
            assertThat(dir.resolve(f)).exists();
        }
        assertThat(Files.getPosixFilePermissions(dir.resolve("node-a/server.key"))).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

        assertThat(run(NOW, "check", dir.resolve("node-a").toString())).isZero();
        assertThat(out()).contains("CN=node-a").contains("VALID").contains("days left");
        assertThat(run(NOW.plus(Duration.ofDays(80)), "check", dir.resolve("node-a").toString())).isEqualTo(1);
        assertThat(out()).contains("EXPIRING");
        assertThat(run(NOW.plus(Duration.ofDays(101)), "check", dir.resolve("node-a").toString())).isEqualTo(1);
        assertThat(out()).contains("EXPIRED");

        assertThat(run(NOW, "generate", "--out", dir.toString())).as("never overwrite a CA").isEqualTo(1);
    }

    @Test
    void checkOfABrokenDirectoryNamesTheFile() throws Exception {
        run(NOW, "generate", "--out", dir.toString());
        Files.delete(dir.resolve("node-b/server.key"));
        assertThat(run(NOW, "check", dir.resolve("node-b").toString())).isEqualTo(1);
        assertThat(out()).contains("INVALID").contains("server.key").contains("missing");
    }

    @Test
    void badUsageIsExitCodeTwo() {
        assertThat(run(NOW, "generate")).isEqualTo(2);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("--out DIR is required");
        assertThat(run(NOW, "frobnicate")).isEqualTo(2);
        assertThat(run(NOW, "check", "--warn-days", "zero", "x")).isEqualTo(2);
    }
}
