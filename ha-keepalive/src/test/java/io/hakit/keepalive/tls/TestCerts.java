package io.hakit.keepalive.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Certificate directories for tests, made with {@link CertificateGenerator}. */
public final class TestCerts {

    public final CertificateGenerator.Issued ca;
    private final Path root;
    private final Instant now;

    public TestCerts(Path root, Instant now) {
        this.root = root;
        this.now = now;
        this.ca = CertificateGenerator.certificateAuthority("HAKit Test CA", now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(3650)));
    }

    /** A valid node directory for {@code name} (valid for a year). */
    public PemLayout node(String name) {
        return node(name, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
    }

    /** A node directory with the given validity, signed by this CA. */
    public PemLayout node(String name, Instant notBefore, Instant notAfter) {
        return write(name + "-" + notAfter.getEpochSecond(),
                CertificateGenerator.node(ca, name, List.of("127.0.0.1", "localhost"), notBefore, notAfter), ca);
    }

    /** A node directory whose certificate is signed by another CA (but that trusts this test's CA). */
    public PemLayout nodeOfOtherCa(String name) {
        CertificateGenerator.Issued other = CertificateGenerator.certificateAuthority("Rogue CA",
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)));
        CertificateGenerator.Issued node = CertificateGenerator.node(other, name, List.of("127.0.0.1"),
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
        Path dir = root.resolve(name + "-rogue");
        CertificateGenerator.writeNode(dir, node, ca); // trusts our CA, presents a rogue certificate
        return new PemLayout(dir);
    }

    /** A node directory whose certificate is self-signed. */
    public PemLayout selfSigned(String name) {
        CertificateGenerator.Issued self = CertificateGenerator.certificateAuthority(name,
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
        Path dir = root.resolve(name + "-self");
        CertificateGenerator.writeNode(dir, self, ca);
        return new PemLayout(dir);
    }

    private PemLayout write(String dirName, CertificateGenerator.Issued node, CertificateGenerator.Issued authority) {
        Path dir = root.resolve(dirName);
        CertificateGenerator.writeNode(dir, node, authority);
        return new PemLayout(dir);
    }
}
