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

    @Test
    void nodeCertificatesExpireApartAndOneIsRenewedFromTheExistingCa() throws Exception {
        assertThat(run(NOW, "generate", "--out", dir.toString(), "--days", "100")).isZero();
        java.security.cert.X509Certificate a = cert(dir.resolve("node-a/server.crt"));
        java.security.cert.X509Certificate b = cert(dir.resolve("node-b/server.crt"));
        assertThat(Duration.between(b.getNotAfter().toInstant(), a.getNotAfter().toInstant()).toDays())
                .as("staggered").isEqualTo(14);
        // about to expire: the check says how to renew it
        assertThat(run(NOW.plus(Duration.ofDays(80)), "check", dir.resolve("node-a").toString())).isEqualTo(1);
        assertThat(out()).contains("hakit cert renew --ca").contains("--node node-a");

        Instant later = NOW.plus(Duration.ofDays(80));
        assertThat(run(later, "renew", "--ca", dir.toString(), "--node", "node-a")).as(out()).isZero();
        java.security.cert.X509Certificate renewed = cert(dir.resolve("node-a/server.crt"));
        assertThat(renewed.getSerialNumber()).isNotEqualTo(a.getSerialNumber());
        assertThat(renewed.getNotAfter().toInstant()).isAfter(a.getNotAfter().toInstant());
        assertThat(renewed.getIssuerX500Principal()).isEqualTo(a.getIssuerX500Principal());
        assertThat(run(later, "check", dir.resolve("node-a").toString())).isZero(); // chained to the same CA
        assertThat(out()).contains("VALID");
        assertThat(run(later, "renew", "--ca", dir.resolve("node-b").toString(), "--node", "x")).isEqualTo(1);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).contains("ca.key");
        assertThat(run(later, "renew", "--help")).isZero();
    }

    private static java.security.cert.X509Certificate cert(Path p) throws Exception {
        try (var in = Files.newInputStream(p)) {
            return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(in);
        }
    }
}
