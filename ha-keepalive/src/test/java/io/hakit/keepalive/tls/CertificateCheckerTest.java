package io.hakit.keepalive.tls;

import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.alarm.AlarmType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class CertificateCheckerTest {

    private static final Instant NOW = Instant.parse("2026-11-22T01:00:00Z");

    @TempDir
    Path dir;

    private CertificateChecker checker(Instant at) {
        return new CertificateChecker(Duration.ofDays(30), Clock.fixed(at, ZoneOffset.UTC));
    }

    @Test
    void aFreshCertificateIsValidAndItsExpiryIsForeseen() {
        TestCerts certs = new TestCerts(dir, NOW);
        PemLayout node = certs.node("node-a");
        CertificateChecker.Verdict v = checker(NOW).check(node);
        assertThat(v.status()).isEqualTo(CertificateChecker.Status.VALID);
        assertThat(v.subject()).contains("node-a");
        assertThat(v.daysLeft()).isBetween(363L, 365L);

        assertThat(checker(NOW.plus(Duration.ofDays(340))).check(node).status())
                .isEqualTo(CertificateChecker.Status.EXPIRING);
        assertThat(checker(NOW.plus(Duration.ofDays(366))).check(node).status())
                .isEqualTo(CertificateChecker.Status.EXPIRED);
        assertThat(checker(NOW.minus(Duration.ofDays(2))).check(node).status())
                .as("not yet valid: a clock problem").isEqualTo(CertificateChecker.Status.INVALID);
    }

    @Test
    void problemsAreInvalidAndNameTheFile() throws Exception {
        TestCerts certs = new TestCerts(dir, NOW);
        PemLayout rogue = certs.nodeOfOtherCa("node-a");
        assertThat(checker(NOW).check(rogue).status()).isEqualTo(CertificateChecker.Status.INVALID);
        assertThat(checker(NOW).check(rogue).detail()).contains("not issued by the CA");

        PemLayout self = certs.selfSigned("node-b");
        assertThat(checker(NOW).check(self).status()).isEqualTo(CertificateChecker.Status.INVALID);

        PemLayout mismatched = certs.node("node-c");
        PemLayout other = certs.node("node-d");
        Files.copy(other.keyFile(), mismatched.keyFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CertificateChecker.Verdict v = checker(NOW).check(mismatched);
        assertThat(v.status()).isEqualTo(CertificateChecker.Status.INVALID);
        assertThat(v.detail()).contains("server.key").contains("does not belong");

        PemLayout missing = certs.node("node-e");
        Files.delete(missing.caFile());
        assertThat(checker(NOW).check(missing).detail()).contains("ca.crt").contains("missing");

        PemLayout garbage = certs.node("node-f");
        Files.writeString(garbage.certificateFile(), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        assertThat(checker(NOW).check(garbage).detail()).contains("server.crt");

        PemLayout pkcs1 = certs.node("node-g");
        Files.writeString(pkcs1.keyFile(), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertThat(checker(NOW).check(pkcs1).detail()).contains("PKCS#8").contains("openssl pkcs8");
    }

    @Test
    void aCertificateThatDoesNotNameTheNodeIsInvalidForThatNode() {
        TestCerts certs = new TestCerts(dir, NOW);
        PemLayout b = certs.node("node-b");
        assertThat(checker(NOW).check(b, "node-b").status()).isEqualTo(CertificateChecker.Status.VALID);
        assertThat(checker(NOW).check(b, "NODE-B").status()).as("DNS names are case-insensitive")
                .isEqualTo(CertificateChecker.Status.VALID);
        CertificateChecker.Verdict v = checker(NOW).check(b, "node-a");
        assertThat(v.status()).isEqualTo(CertificateChecker.Status.INVALID);
        assertThat(v.detail()).contains("our own certificate " + b.certificateFile() + " (CN=node-b) does not name "
                + "this node node-a").contains("[node-b, 127.0.0.1, localhost]");
        // the date is judged first: an expired certificate of another node reads "expired"
        assertThat(checker(NOW.plus(Duration.ofDays(400))).check(b, "node-a").status())
                .isEqualTo(CertificateChecker.Status.EXPIRED);
    }

    @Test
    void theVerdictRaisesExactlyOneAlarmAndAValidOneClearsThem() {
        TestCerts certs = new TestCerts(dir, NOW);
        PemLayout node = certs.node("node-a", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(10)));
        AlarmRegistry alarms = AlarmRegistry.create(Runnable::run, Clock.fixed(NOW, ZoneOffset.UTC), Ticker.system());
        String source = node.dir().toString();

        CertificateChecker.applyAlarms(checker(NOW).check(node), alarms, source);
        assertThat(alarms.isActive(AlarmType.CERT_EXPIRING, source)).isTrue();

        CertificateChecker.applyAlarms(checker(NOW.plus(Duration.ofDays(11))).check(node), alarms, source);
        assertThat(alarms.isActive(AlarmType.CERT_EXPIRED, source)).isTrue();
        assertThat(alarms.isActive(AlarmType.CERT_EXPIRING, source)).isFalse();

        // a new certificate is installed in the same directory: the alarms clear
        PemLayout renewed = certs.node("node-a");
        CertificateGenerator.writeNode(node.dir(), CertificateGenerator.node(certs.ca, "node-a",
                java.util.List.of(), NOW, NOW.plus(Duration.ofDays(365))), certs.ca);
        assertThat(renewed.dir()).isNotEqualTo(node.dir());
        CertificateChecker.applyAlarms(checker(NOW.plus(Duration.ofDays(11))).check(node), alarms, source);
        assertThat(alarms.active()).isEmpty();
    }
}
