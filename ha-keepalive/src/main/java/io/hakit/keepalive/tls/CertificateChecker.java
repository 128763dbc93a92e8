package io.hakit.keepalive.tls;

import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.alarm.AlarmType;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a node's certificate directory the way FlinkServer's HA certificate alarms do: is it usable (files present
 * and parseable, key matching the certificate, chained to the CA), expired (ALM-45655), or about to expire
 * (ALM-45654, within 30 days by default); and turns the verdict into exactly one active alarm (or none). Pure:
 * time comes from the {@link Clock} given.
 */
public final class CertificateChecker {

    /** How the directory was judged. */
    public enum Status {
        /** Usable, and further than the warning period from its end of validity: no certificate alarm. */
        VALID,
        /** Usable, but ending within the warning period: CERT_EXPIRING (45654). */
        EXPIRING,
        /** Past its end of validity (the node certificate's or the CA's): CERT_EXPIRED (45655). */
        EXPIRED,
        /**
         * Not usable: a file missing or unreadable, a key that does not belong to the certificate, a certificate not
         * issued by the CA, not valid yet, or naming another node: CERT_INVALID (45653).
         */
        INVALID
    }

    /** The outcome of one check. Immutable. */
    public static final class Verdict {
        private final Status status;
        private final String subject;
        private final String issuer;
        private final Instant notBefore;
        private final Instant notAfter;
        private final long daysLeft;
        private final String detail;

        Verdict(Status status, String subject, String issuer, Instant notBefore, Instant notAfter, long daysLeft,
                String detail) {
            this.status = status;
            this.subject = subject;
            this.issuer = issuer;
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            this.daysLeft = daysLeft;
            this.detail = detail;
        }

        /**
         * How the directory was judged; decides which certificate alarm {@link #applyAlarms} raises.
         *
         * @return the status
         */
        public Status status() {
            return status;
        }

        /**
         * The subject of the node's certificate.
         *
         * @return the subject as an RFC 2253 name, such as {@code CN=node-a}; "" when it could not be read
         */
        public String subject() {
            return subject;
        }

        /**
         * The issuer of the node's certificate.
         *
         * @return the issuer as an RFC 2253 name; "" when the certificate could not be read
         */
        public String issuer() {
            return issuer;
        }

        /**
         * Start of the node certificate's validity.
         *
         * @return the instant, or null when the certificate could not be read
         */
        public Instant notBefore() {
            return notBefore;
        }

        /**
         * End of validity: the earliest of the node certificate's and the CA certificates'.
         *
         * @return the instant, or null when the certificates could not be read
         */
        public Instant notAfter() {
            return notAfter;
        }

        /**
         * Whole days until {@link #notAfter()}, rounded towards zero, at the moment of the check.
         *
         * @return the days, negative once expired; 0 when the certificates could not be read
         */
        public long daysLeft() {
            return daysLeft;
        }

        /**
         * A sentence for operators: what is wrong (naming the file, and for an expiring or expired certificate the
         * {@code hakit cert renew} command), or that all is well; the text of the alarm raised.
         *
         * @return the sentence
         */
        public String detail() {
            return detail;
        }

        @Override
        public String toString() {
            return status + ": " + detail;
        }
    }

    private final Duration expiringWithin;
    private final Clock clock;

    /**
     * A checker warning {@code expiringWithin} before expiry (FlinkServer: 30 days).
     *
     * @param expiringWithin how long before the end of validity a certificate is EXPIRING, zero or positive
     *                       ({@link io.hakit.keepalive.KeepaliveConfig#certExpiringWithin()})
     * @param clock          the clock "now" is read from at each check
     * @throws IllegalArgumentException if {@code expiringWithin} is negative
     * @throws NullPointerException     if {@code expiringWithin} or {@code clock} is null
     */
    public CertificateChecker(Duration expiringWithin, Clock clock) {
        if (expiringWithin.isNegative()) {
            throw new IllegalArgumentException("expiringWithin must not be negative, was " + expiringWithin);
        }
        this.expiringWithin = expiringWithin;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Judges the directory. Never throws for a bad directory: that is an INVALID verdict naming the problem. Reads
     * the three files and signs a random probe with the key (to check that it belongs to the certificate); blocks
     * the caller for that, no more.
     *
     * @param layout the certificate directory
     * @return the verdict; the certificate's names are not checked (see {@link #check(PemLayout, String)})
     */
    public Verdict check(PemLayout layout) {
        List<X509Certificate> chain;
        List<X509Certificate> cas;
        PrivateKey key;
        try {
            chain = layout.certificateChain();
            cas = layout.caCertificates();
            key = layout.privateKey();
        } catch (PemLayout.CertificateProblem e) {
            return new Verdict(Status.INVALID, "", "", null, null, 0, e.getMessage());
        }
        X509Certificate leaf = chain.get(0);
        String subject = leaf.getSubjectX500Principal().getName();
        String issuer = leaf.getIssuerX500Principal().getName();
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        for (X509Certificate ca : cas) {
            if (ca.getNotAfter().toInstant().isBefore(notAfter)) {
                notAfter = ca.getNotAfter().toInstant();
            }
        }
        Instant now = clock.instant();
        long daysLeft = Duration.between(now, notAfter).toDays();
        if (!matches(key, leaf.getPublicKey())) {
            return new Verdict(Status.INVALID, subject, issuer, notBefore, notAfter, daysLeft,
                    layout.keyFile() + " does not belong to the certificate in " + layout.certificateFile());
        }
        String chainProblem = chainProblem(chain, cas);
        if (chainProblem != null) {
            return new Verdict(Status.INVALID, subject, issuer, notBefore, notAfter, daysLeft,
                    layout.certificateFile() + " is not issued by the CA in " + layout.caFile() + ": " + chainProblem);
        }
        if (now.isBefore(notBefore)) {
            return new Verdict(Status.INVALID, subject, issuer, notBefore, notAfter, daysLeft,
                    layout.certificateFile() + " is not valid before " + notBefore + " (check the clocks)");
        }
        if (!now.isBefore(notAfter)) {
            return new Verdict(Status.EXPIRED, subject, issuer, notBefore, notAfter, daysLeft,
                    "the HA certificate (" + subject + ") expired at " + notAfter + "; " + renewal(subject, layout));
        }
        if (Duration.between(now, notAfter).compareTo(expiringWithin) <= 0) {
            return new Verdict(Status.EXPIRING, subject, issuer, notBefore, notAfter, daysLeft,
                    "the HA certificate (" + subject + ") expires at " + notAfter + ", in " + daysLeft + " days; "
                            + renewal(subject, layout));
        }
        return new Verdict(Status.VALID, subject, issuer, notBefore, notAfter, daysLeft,
                "valid until " + notAfter + " (" + daysLeft + " days)");
    }

    /** The command that renews a node certificate from the existing CA, for an alarm's text. */
    static String renewal(String subject, PemLayout layout) {
        String cn = subject.startsWith("CN=") ? subject.substring(3).split(",")[0] : subject;
        return "renew it from the CA: hakit cert renew --ca <directory of ca.key> --node " + cn + " --out "
                + layout.dir() + " (then restart the agent, or it takes the new files at its daily check)";
    }

    /**
     * Judges the directory as {@link #check(PemLayout)} does, and also whether its certificate names {@code nodeName}
     * (a DNS subject alternative name, or the CN when there is none: what the peer checks): a certificate that names
     * another node is INVALID ("does not name this node").
     *
     * @param layout   the certificate directory
     * @param nodeName the node's name ({@link io.hakit.keepalive.KeepaliveConfig#nodeId()}), compared ignoring case
     * @return the verdict; an INVALID or EXPIRED one of {@link #check(PemLayout)} as it is, without the name check
     */
    public Verdict check(PemLayout layout, String nodeName) {
        Verdict v = check(layout);
        if (v.status == Status.INVALID || v.status == Status.EXPIRED) {
            return v;
        }
        try {
            X509Certificate leaf = layout.certificateChain().get(0);
            List<String> names = PeerNameTrustManager.names(leaf);
            if (!names.contains(nodeName.toLowerCase(java.util.Locale.ROOT))) {
                return new Verdict(Status.INVALID, v.subject, v.issuer, v.notBefore, v.notAfter, v.daysLeft,
                        "our own certificate " + layout.certificateFile() + " (" + v.subject + ") does not name this "
                        + "node " + nodeName + ": it names " + names + " (another node's certificate?)");
            }
        } catch (PemLayout.CertificateProblem | java.security.cert.CertificateParsingException e) {
            return new Verdict(Status.INVALID, v.subject, v.issuer, v.notBefore, v.notAfter, v.daysLeft,
                    e.getMessage());
        }
        return v;
    }

    /**
     * Raises the alarm that matches the verdict on {@code alarms} (source: the directory) and clears the other two
     * certificate alarms; a VALID verdict clears all three.
     *
     * @param verdict the verdict of a check
     * @param alarms  where CERT_INVALID, CERT_EXPIRED and CERT_EXPIRING are raised or cleared
     * @param source  the alarms' source, the same at every call for one directory so that a later verdict clears
     *                what an earlier one raised
     */
    public static void applyAlarms(Verdict verdict, AlarmRegistry alarms, String source) {
        AlarmType raise;
        switch (verdict.status()) {
            case INVALID:
                raise = AlarmType.CERT_INVALID;
                break;
            case EXPIRED:
                raise = AlarmType.CERT_EXPIRED;
                break;
            case EXPIRING:
                raise = AlarmType.CERT_EXPIRING;
                break;
            default:
                raise = null;
        }
        for (AlarmType t : List.of(AlarmType.CERT_INVALID, AlarmType.CERT_EXPIRED, AlarmType.CERT_EXPIRING)) {
            if (t == raise) {
                alarms.raise(t, source, verdict.detail());
            } else {
                alarms.clear(t, source);
            }
        }
    }

    private static boolean matches(PrivateKey key, PublicKey pub) {
        String alg;
        switch (key.getAlgorithm()) {
            case "EC":
                alg = "SHA256withECDSA";
                break;
            case "RSA":
                alg = "SHA256withRSA";
                break;
            default:
                alg = key.getAlgorithm();
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Validates the chain against the CAs at a moment inside its validity (expiry is judged apart). */
    private static String chainProblem(List<X509Certificate> chain, List<X509Certificate> cas) {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate ca : cas) {
                anchors.add(new TrustAnchor(ca, null));
            }
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(new Date(chain.get(0).getNotBefore().getTime() + 1000));
            List<X509Certificate> path = new ArrayList<>(chain);
            path.removeIf(c -> cas.contains(c));
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                    .generateCertPath(path), params);
            return null;
        } catch (GeneralSecurityException e) {
            return e.getMessage();
        }
    }
}
