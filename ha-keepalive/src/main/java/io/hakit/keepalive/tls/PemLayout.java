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

    /** The node's certificate file: its certificate first, then any intermediates, PEM. */
    public static final String CERTIFICATE = "server.crt";
    /** The node's private key file: unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}). */
    public static final String PRIVATE_KEY = "server.key";
    /** The file of the CA certificates both nodes trust, PEM. */
    public static final String CA = "ca.crt";
    private static final int MAX_FILE = 1 << 20;
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private final Path dir;

    /**
     * The layout of {@code dir}. Nothing is read here: each accessor reads its file when called, so a layout sees
     * files replaced since (a certificate reload builds its contexts from a layout again).
     *
     * @param dir the certificate directory; made absolute against the current directory now
     * @throws NullPointerException if {@code dir} is null
     */
    public PemLayout(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath();
    }

    /**
     * The certificate directory.
     *
     * @return the directory, absolute
     */
    public Path dir() {
        return dir;
    }

    /**
     * Where the node's certificate chain is.
     *
     * @return {@value #CERTIFICATE} in the directory
     */
    public Path certificateFile() {
        return dir.resolve(CERTIFICATE);
    }

    /**
     * Where the node's private key is.
     *
     * @return {@value #PRIVATE_KEY} in the directory
     */
    public Path keyFile() {
        return dir.resolve(PRIVATE_KEY);
    }

    /**
     * Where the trusted CA certificates are.
     *
     * @return {@value #CA} in the directory
     */
    public Path caFile() {
        return dir.resolve(CA);
    }

    /**
     * The node's certificate chain, leaf first, read from {@link #certificateFile()} now.
     *
     * @return the certificates in file order, at least one
     * @throws CertificateProblem if the file is missing, unreadable, larger than 1 MiB or holds no valid PEM
     *     certificate
     */
    public List<X509Certificate> certificateChain() throws CertificateProblem {
        return certificates(certificateFile());
    }

    /**
     * The trusted CA certificates, read from {@link #caFile()} now.
     *
     * @return the certificates in file order, at least one
     * @throws CertificateProblem if the file is missing, unreadable, larger than 1 MiB or holds no valid PEM
     *     certificate
     */
    public List<X509Certificate> caCertificates() throws CertificateProblem {
        return certificates(caFile());
    }

    /**
     * The node's private key, read from {@link #keyFile()} now.
     *
     * @return the key
     * @throws CertificateProblem as {@link #privateKey(Path)}
     */
    public PrivateKey privateKey() throws CertificateProblem {
        return privateKey(keyFile());
    }

    /**
     * The unencrypted PKCS#8 private key in {@code f} (EC, RSA or Ed25519).
     *
     * @param f a PEM file holding a {@code -----BEGIN PRIVATE KEY-----} block; the first such block is read
     * @return the key
     * @throws CertificateProblem if the file is missing, unreadable or larger than 1 MiB, holds a PKCS#1, SEC1 or
     *     encrypted key (the message says how to convert it), no PEM private key, invalid base64, or a key of
     *     another algorithm
     */
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

    /**
     * The certificates in PEM file {@code f}, in order.
     *
     * @param f a file of one or more PEM (or DER) X.509 certificates
     * @return the certificates in file order, at least one
     * @throws CertificateProblem if the file is missing, unreadable, larger than 1 MiB, holds no certificate or one
     *     that does not parse
     */
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
        /** The file the problem is about (a {@code Path} is not serializable: {@link #fileName} travels instead). */
        private final transient Path file;
        /** The file's name as text, kept across serialization. */
        private final String fileName;

        /**
         * Creates the exception.
         *
         * @param file    the file the problem is about
         * @param problem what is wrong with it, worded to follow the file's name ("is missing", "holds no
         *                certificate"); the message is the file, a blank and this
         */
        public CertificateProblem(Path file, String problem) {
            super(file + " " + problem);
            this.file = file;
            this.fileName = file.toString();
        }

        /**
         * The file the problem is about, also at the start of {@link #getMessage()}.
         *
         * @return the file, as given to the constructor (after deserialization: a path parsed from its name)
         */
        public Path file() {
            return file != null ? file : Path.of(fileName);
        }
    }
}
