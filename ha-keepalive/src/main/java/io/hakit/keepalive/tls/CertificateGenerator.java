package io.hakit.keepalive.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * Creates a certificate authority and node certificates for the keepalive pair's mutual TLS (the job of
 * FlinkServer's {@code proceed_ha_ssl_cert.sh}), as PEM files in the layout {@link PemLayout} reads:
 * {@code ca.crt}, and per node a directory with {@code server.crt}, {@code server.key}, {@code ca.crt}. Keys are
 * EC P-256; a node certificate names the node in its CN and in a DNS subject alternative name (and any extra names
 * or IP addresses given), and is valid for both TLS server and client authentication.
 *
 * <p>Needs BouncyCastle ({@code org.bouncycastle:bcpkix-jdk18on}) on the class path; nothing else in this module
 * does.
 */
public final class CertificateGenerator {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair with its certificate. */
    public static final class Issued {
        private final KeyPair keys;
        private final X509Certificate certificate;

        Issued(KeyPair keys, X509Certificate certificate) {
            this.keys = keys;
            this.certificate = certificate;
        }

        /**
         * The key pair the certificate is for: EC P-256 when generated here; a CA read by {@link #readCa} has the
         * private key of {@code ca.key} and the certificate's public key.
         *
         * @return the key pair; its private key is secret (write it only with {@link #writeNode} or
         *     {@link #writeCa}, which keep it mode 600)
         */
        public KeyPair keys() {
            return keys;
        }

        /**
         * The certificate of {@link #keys()}.
         *
         * @return the X.509 certificate
         */
        public X509Certificate certificate() {
            return certificate;
        }
    }

    private CertificateGenerator() {
    }

    /**
     * A self-signed CA valid from {@code notBefore} to {@code notAfter}: it may sign node certificates, no
     * intermediate CA (path length 0).
     *
     * @param name      the CA's CN, 1-64 characters of {@code [A-Za-z0-9 ._-]}
     * @param notBefore the start of validity, to the second (X.509 drops fractions)
     * @param notAfter  the end of validity; the node certificates it signs stop being accepted then too
     * @return a new key pair with its self-signed certificate
     * @throws IllegalArgumentException if {@code name} is not such a name
     * @throws IllegalStateException    if the certificate could not be created (the cause says why)
     */
    public static Issued certificateAuthority(String name, Instant notBefore, Instant notAfter) {
        KeyPair keys = newKeyPair();
        try {
            X500Name subject = new X500Name("CN=" + escape(name));
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(notBefore),
                    Date.from(notAfter), subject, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new Issued(keys, sign(b.build(signer(keys))));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("could not create the CA certificate: " + e.getMessage(), e);
        }
    }

    /**
     * A node certificate for {@code nodeName} signed by {@code ca}; {@code altNames} are extra DNS names or IP
     * addresses (dotted or with ':').
     *
     * @param ca        the CA that signs it, from {@link #certificateAuthority} or {@link #readCa}
     * @param nodeName  the node's name ({@link io.hakit.keepalive.KeepaliveConfig#nodeId()}), put in the CN and as
     *                  the first DNS subject alternative name: what the peer checks
     * @param altNames  further names: an entry of digits and dots, or one with a ':', is an IP address, any other a
     *                  DNS name; empty for none
     * @param notBefore the start of validity
     * @param notAfter  the end of validity
     * @return a new key pair with its certificate, valid for TLS server and client authentication
     * @throws IllegalArgumentException if {@code nodeName} is not 1-64 characters of {@code [A-Za-z0-9 ._-]}, or an
     *     alternative name is not a valid DNS name or IP address
     * @throws IllegalStateException    if the certificate could not be created (the cause says why)
     * @throws NullPointerException     if {@code ca} is null
     */
    public static Issued node(Issued ca, String nodeName, List<String> altNames, Instant notBefore, Instant notAfter) {
        Objects.requireNonNull(ca, "ca");
        KeyPair keys = newKeyPair();
        try {
            X500Name issuer = new X500Name(ca.certificate().getSubjectX500Principal().getName());
            X500Name subject = new X500Name("CN=" + escape(nodeName));
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(notBefore),
                    Date.from(notAfter), subject, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.dNSName, nodeName));
            for (String alt : altNames) {
                boolean ip = alt.matches("[0-9.]+") || alt.contains(":");
                names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, alt));
            }
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(new GeneralName[0])));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(ca.certificate()));
            return new Issued(keys, sign(b.build(signer(ca.keys()))));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("could not create the certificate of " + nodeName + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code node} and the CA's certificate into {@code dir} as {@code server.crt}, {@code server.key}
     * (PKCS#8, mode 600 where the file system allows) and {@code ca.crt}. Existing files are replaced.
     *
     * @param dir  the node's certificate directory, created if missing; the node's {@value
     *             io.hakit.keepalive.KeepaliveConfig#CERT_DIR}
     * @param node the node's key pair and certificate, from {@link #node}
     * @param ca   the CA that signed it; only its certificate is written
     * @throws UncheckedIOException if the directory or a file cannot be written
     */
    public static void writeNode(Path dir, Issued node, Issued ca) {
        try {
            Files.createDirectories(dir);
            write(dir.resolve(PemLayout.CERTIFICATE), pem(node.certificate()), false);
            write(dir.resolve(PemLayout.PRIVATE_KEY), pem(new PemObject("PRIVATE KEY",
                    node.keys().getPrivate().getEncoded())), true);
            write(dir.resolve(PemLayout.CA), pem(ca.certificate()), false);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write certificates to " + dir, e);
        }
    }

    /**
     * Reads the CA that {@link #writeCa} wrote into {@code dir} ({@code ca.crt}, {@code ca.key}), to issue more
     * node certificates from it ({@code hakit cert renew}).
     *
     * @param dir the CA's directory
     * @return the CA: the first certificate of {@code ca.crt} and the key of {@code ca.key}
     * @throws PemLayout.CertificateProblem naming the file that is missing or unusable, or {@code ca.crt} when its
     *     certificate is not a CA's
     */
    public static Issued readCa(Path dir) throws PemLayout.CertificateProblem {
        List<X509Certificate> certs = PemLayout.certificates(dir.resolve(PemLayout.CA));
        if (certs.isEmpty()) {
            throw new PemLayout.CertificateProblem(dir.resolve(PemLayout.CA), "holds no certificate");
        }
        X509Certificate cert = certs.get(0);
        java.security.PrivateKey key = PemLayout.privateKey(dir.resolve("ca.key"));
        if (cert.getBasicConstraints() < 0) {
            throw new PemLayout.CertificateProblem(dir.resolve(PemLayout.CA), "is not a CA certificate");
        }
        return new Issued(new KeyPair(cert.getPublicKey(), key), cert);
    }

    /**
     * Writes the CA's certificate and key into {@code dir} as {@code ca.crt} and {@code ca.key} (PKCS#8, mode 600
     * where the file system allows). Existing files are replaced. Keep this directory off the nodes: whoever holds
     * {@code ca.key} can issue a certificate both nodes accept.
     *
     * @param dir the CA's directory, created if missing
     * @param ca  the CA, from {@link #certificateAuthority}
     * @throws UncheckedIOException if the directory or a file cannot be written
     */
    public static void writeCa(Path dir, Issued ca) {
        try {
            Files.createDirectories(dir);
            write(dir.resolve(PemLayout.CA), pem(ca.certificate()), false);
            write(dir.resolve("ca.key"), pem(new PemObject("PRIVATE KEY", ca.keys().getPrivate().getEncoded())),
                    true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the CA to " + dir, e);
        }
    }

    private static void write(Path file, String content, boolean secret) throws IOException {
        if (secret) {
            // a key is never readable by others, not even for a moment: create it 600, then write
            Files.deleteIfExists(file);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file); // not a POSIX file system
            }
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is not available", e);
        }
    }

    private static ContentSigner signer(KeyPair keys) throws OperatorCreationException {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate());
    }

    private static X509Certificate sign(X509CertificateHolder holder) throws GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static String escape(String name) {
        if (!name.matches("[A-Za-z0-9 ._-]{1,64}")) {
            throw new IllegalArgumentException("certificate name must be 1-64 of [A-Za-z0-9 ._-], was '" + name + "'");
        }
        return name;
    }
}
