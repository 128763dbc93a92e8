package io.hakit.keepalive.tls;

import io.netty.handler.ssl.OpenSslCertificateException;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Trusts a peer only if its chain validates against the pair's CA (PKIX, which also refuses expired and not yet
 * valid certificates) and its leaf certificate names the expected peer (a DNS subject alternative name, or the CN
 * when there is none). Used on both sides: the server checks the client's certificate, the client the server's.
 *
 * <p>A refusal names its cause ({@link PeerCertificateException} carrying a {@link TlsProblem}): not signed by our CA
 * (including a CA of the same name generated again), expired at a date, not valid before a date, or "names X where Y
 * was expected". The refusal also picks the TLS alert the peer receives, so that its log can say what we refused:
 * {@code unknown_ca}, {@code certificate_expired}, {@code bad_certificate} (with netty-tcnative's OpenSSL engine; the
 * JDK's engine sends {@code certificate_unknown} for most causes).
 */
final class PeerNameTrustManager extends X509ExtendedTrustManager {

    // OpenSSL's X509_V_ERR_* codes (x509_vfy.h, the same in BoringSSL): they choose the alert sent to the peer
    static final int X509_V_ERR_CERT_NOT_YET_VALID = 9;
    static final int X509_V_ERR_CERT_HAS_EXPIRED = 10;
    static final int X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;
    static final int X509_V_ERR_CERT_UNTRUSTED = 27;
    static final int X509_V_ERR_CERT_REJECTED = 28;

    private final X509TrustManager pkix;
    private final List<X509Certificate> cas;
    private final String expectedName;
    private final boolean openSsl;
    private final Supplier<Instant> now;

    /**
     * @param openSsl whether the TLS engine is netty-tcnative's OpenSSL (a refusal then carries the OpenSSL error code
     *     that selects a meaningful alert)
     */
    PeerNameTrustManager(List<X509Certificate> cas, String expectedName, boolean openSsl)
            throws GeneralSecurityException {
        this(cas, expectedName, openSsl, Instant::now);
    }

    PeerNameTrustManager(List<X509Certificate> cas, String expectedName, boolean openSsl, Supplier<Instant> now)
            throws GeneralSecurityException {
        this.expectedName = Objects.requireNonNull(expectedName, "expectedName");
        this.cas = List.copyOf(cas);
        this.openSsl = openSsl;
        this.now = Objects.requireNonNull(now, "now");
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            ks.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        int i = 0;
        for (X509Certificate ca : cas) {
            ks.setCertificateEntry("ca-" + i++, ca);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        X509TrustManager found = null;
        for (javax.net.ssl.TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager) {
                found = (X509TrustManager) tm;
            }
        }
        if (found == null) {
            throw new GeneralSecurityException("no X509 trust manager available");
        }
        this.pkix = found;
    }

    private void check(X509Certificate[] chain, String authType, boolean client) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw refuse(new TlsProblem(TlsProblem.Kind.PEER_UNTRUSTED, "the peer presented no certificate"), null);
        }
        try {
            if (client) {
                pkix.checkClientTrusted(chain, authType);
            } else {
                pkix.checkServerTrusted(chain, authType);
            }
        } catch (CertificateException e) {
            throw refuse(explain(chain, e), e);
        }
        X509Certificate leaf = chain[0];
        List<String> names = names(leaf);
        if (!names.contains(expectedName.toLowerCase(Locale.ROOT))) {
            throw refuse(new TlsProblem(TlsProblem.Kind.PEER_WRONG_NAME, "peer name " + primaryName(leaf, names)
                    + " where " + expectedName + " was expected: the peer's certificate ("
                    + leaf.getSubjectX500Principal().getName() + ") names " + names + ", not the peer node id "
                    + expectedName + " (keepalive.peer.node-id)"), null);
        }
    }

    /** Why PKIX refused the chain, in an operator's words. */
    private TlsProblem explain(X509Certificate[] chain, CertificateException pkixFailure) {
        X509Certificate leaf = chain[0];
        String subject = leaf.getSubjectX500Principal().getName();
        if (!chainsToOurCa(chain)) {
            StringBuilder ours = new StringBuilder();
            boolean sameName = false;
            for (X509Certificate ca : cas) {
                ours.append(ours.length() == 0 ? "" : "; ").append(ca.getSubjectX500Principal().getName());
                for (X509Certificate c : chain) {
                    sameName |= c.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
                }
            }
            return new TlsProblem(TlsProblem.Kind.UNKNOWN_CA, "unknown CA: the peer's certificate (" + subject
                    + ") is not signed by our CA (" + ours + ") but by " + leaf.getIssuerX500Principal().getName()
                    + (sameName ? ", a different CA of the same name (was the CA generated again on one node?)" : ""));
        }
        Instant at = now.get();
        for (X509Certificate c : chain) {
            if (at.isAfter(c.getNotAfter().toInstant())) {
                return new TlsProblem(TlsProblem.Kind.PEER_EXPIRED, "the peer's certificate" + (c == leaf ? ""
                        : " chain: " + c.getSubjectX500Principal().getName()) + " (" + subject + ") expired at "
                        + c.getNotAfter().toInstant());
            }
            if (at.isBefore(c.getNotBefore().toInstant())) {
                return new TlsProblem(TlsProblem.Kind.PEER_NOT_YET_VALID, "the peer's certificate" + (c == leaf ? ""
                        : " chain: " + c.getSubjectX500Principal().getName()) + " (" + subject
                        + ") is not valid before " + c.getNotBefore().toInstant() + " (check both clocks)");
            }
        }
        for (X509Certificate ca : cas) {
            if (at.isAfter(ca.getNotAfter().toInstant())) {
                return new TlsProblem(TlsProblem.Kind.PEER_EXPIRED, "our CA (" + ca.getSubjectX500Principal().getName()
                        + ") expired at " + ca.getNotAfter().toInstant());
            }
        }
        return new TlsProblem(TlsProblem.Kind.PEER_UNTRUSTED, "the peer's certificate (" + subject
                + ") is not trusted: " + pkixFailure.getMessage());
    }

    /** Whether the chain leads to one of our CAs by signatures alone (dates are judged apart). */
    private boolean chainsToOurCa(X509Certificate[] chain) {
        X509Certificate current = chain[0];
        for (int depth = 0; depth <= chain.length; depth++) {
            for (X509Certificate ca : cas) {
                if (current.equals(ca) || issuedBy(current, ca)) {
                    return true;
                }
            }
            X509Certificate next = null;
            for (X509Certificate c : chain) {
                if (c != current && issuedBy(current, c)) {
                    next = c;
                    break;
                }
            }
            if (next == null) {
                return false;
            }
            current = next;
        }
        return false;
    }

    private static boolean issuedBy(X509Certificate cert, X509Certificate issuer) {
        if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The exception to throw for {@code problem}: it carries the problem, a {@link CertPathValidatorException} with
     * the matching reason (the JDK's engine and netty map EXPIRED to the {@code certificate_expired} alert) and, for
     * the OpenSSL engine, the OpenSSL error code that selects the alert.
     */
    private CertificateException refuse(TlsProblem problem, Throwable pkixFailure) {
        Throwable reason = pkixFailure;
        if (problem.kind() == TlsProblem.Kind.PEER_EXPIRED) {
            reason = new CertPathValidatorException(problem.detail(), pkixFailure, null, -1,
                    CertPathValidatorException.BasicReason.EXPIRED);
        } else if (problem.kind() == TlsProblem.Kind.PEER_NOT_YET_VALID) {
            reason = new CertPathValidatorException(problem.detail(), pkixFailure, null, -1,
                    CertPathValidatorException.BasicReason.NOT_YET_VALID);
        }
        PeerCertificateException named = new PeerCertificateException(problem, reason);
        if (!openSsl) {
            return named;
        }
        int code;
        switch (problem.kind()) {
            case UNKNOWN_CA:
                code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY; // alert unknown_ca
                break;
            case PEER_EXPIRED:
                code = X509_V_ERR_CERT_HAS_EXPIRED; // certificate_expired
                break;
            case PEER_NOT_YET_VALID:
                code = X509_V_ERR_CERT_NOT_YET_VALID; // bad_certificate
                break;
            case PEER_WRONG_NAME:
                code = X509_V_ERR_CERT_REJECTED; // bad_certificate
                break;
            default:
                code = X509_V_ERR_CERT_UNTRUSTED; // bad_certificate
        }
        try {
            return new OpenSslCertificateException(problem.detail(), named, code);
        } catch (IllegalArgumentException | LinkageError e) {
            return named; // a native library that does not know the code: the alert is then internal_error
        }
    }

    /** The name a certificate is known by: its CN, else its first subject alternative name. */
    private static String primaryName(X509Certificate cert, List<String> names) {
        for (String part : cert.getSubjectX500Principal().getName().split(",")) {
            String p = part.trim();
            if (p.startsWith("CN=")) {
                return p.substring(3);
            }
        }
        return names.isEmpty() ? "(none)" : names.get(0);
    }

    static List<String> names(X509Certificate cert) throws CertificateParsingException {
        List<String> out = new ArrayList<>();
        Collection<List<?>> alt = cert.getSubjectAlternativeNames();
        if (alt != null) {
            for (List<?> entry : alt) {
                Integer type = (Integer) entry.get(0);
                if (type == 2 || type == 7) { // dNSName, iPAddress
                    out.add(String.valueOf(entry.get(1)).toLowerCase(Locale.ROOT));
                }
            }
        }
        if (out.isEmpty()) {
            for (String part : cert.getSubjectX500Principal().getName().split(",")) {
                String p = part.trim();
                if (p.startsWith("CN=")) {
                    out.add(p.substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType, true);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, authType, false);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
