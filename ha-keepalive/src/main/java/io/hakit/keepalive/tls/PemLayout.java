package io.hakit.keepalive.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's certificate directory, in the layout FlinkServer keeps under {@code ha/local/cert}: {@code server.crt}
 * (the node's certificate, optionally followed by intermediates), {@code server.key} (its private key, PKCS#8 PEM)
 * and {@code ca.crt} (the CA that both nodes trust). Loading uses the JDK only. Every failure names the file.
 */
public final class PemLayout {

    public static final String CERTIFICATE = "server.crt";
    public static final String PRIVATE_KEY = "server.key";
    public static final String CA = "ca.crt";
    private static final int MAX_FILE = 1 << 20;
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private final Path dir;

    public PemLayout(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
    }

    public Path dir() {
        return dir;
    }

    public Path certificateFile() {
        return dir.resolve(CERTIFICATE);
    }

    public Path keyFile() {
        return dir.resolve(PRIVATE_KEY);
    }

    public Path caFile() {
        return dir.resolve(CA);
    }

    /** The node's certificate chain, leaf first. */
    public List<X509Certificate> certificateChain() throws CertificateProblem {
        return certificates(certificateFile());
    }

    /** The trusted CA certificates. */
    public List<X509Certificate> caCertificates() throws CertificateProblem {
        return certificates(caFile());
    }

    /** The node's private key. */
    public PrivateKey privateKey() throws CertificateProblem {
        return privateKey(keyFile());
    }

    /** The unencrypted PKCS#8 private key in {@code f} (EC, RSA or Ed25519). */
    public static PrivateKey privateKey(Path f) throws CertificateProblem {
        String text = new String(read(f), StandardCharsets.US_ASCII);
        if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                || text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new CertificateProblem(f, "is a PKCS#1, SEC1 or encrypted key; convert it to unencrypted PKCS#8 "
                    + "(openssl pkcs8 -topk8 -nocrypt -in " + f.getFileName() + ")");
        }
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            throw new CertificateProblem(f, "holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new CertificateProblem(f, "has a private key that is not valid base64");
        }
        for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new CertificateProblem(f, "holds a private key that is neither EC, RSA nor Ed25519");
    }

    /** The certificates in PEM file {@code f}, in order. */
    public static List<X509Certificate> certificates(Path f) throws CertificateProblem {
        byte[] bytes = read(f);
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new CertificateProblem(f, "holds no certificate");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new CertificateProblem(f, "is not a PEM certificate: " + e.getMessage());
        }
    }

    private static byte[] read(Path f) throws CertificateProblem {
        try {
            if (Files.size(f) > MAX_FILE) {
                throw new CertificateProblem(f, "is larger than 1 MiB");
            }
            return Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            throw new CertificateProblem(f, "is missing");
        } catch (IOException e) {
            throw new CertificateProblem(f, "cannot be read: " + e.getMessage());
        }
    }

    /** A certificate file is missing or invalid; the message names the file. */
    public static final class CertificateProblem extends Exception {
        private static final long serialVersionUID = 1L;
        private final Path file;

        public CertificateProblem(Path file, String problem) {
            super(file + " " + problem);
            this.file = file;
        }

        public Path file() {
            return file;
        }
    }
}
