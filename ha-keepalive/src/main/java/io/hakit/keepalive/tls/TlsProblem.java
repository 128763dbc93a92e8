package io.hakit.keepalive.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a TLS handshake between the two nodes failed, named for an operator: the peer's certificate is not signed by
 * our CA, has expired (with the date), is not yet valid, names another node than the one expected; or the peer sent an
 * alert (it refused <em>our</em> certificate: what the alert means, and that the peer's log names the cause); or the
 * other end does not speak TLS. Built from the exception a handshake ends with, whichever TLS engine ran it (the JDK's
 * or netty-tcnative's OpenSSL, whose own message is only "General OpenSslEngine problem"). Immutable.
 *
 * <p>Every kind except {@link Kind#TIMED_OUT} and {@link Kind#INTERRUPTED} means that something answered on the peer's
 * port and took part in a TLS handshake: evidence that the peer may be alive (see {@link #peerAnswered()}).
 */
public final class TlsProblem {

    /** What went wrong. */
    public enum Kind {
        /** The peer's certificate is not signed by a CA in our {@code ca.crt} (another CA, self-signed, or a CA of the
         *  same name generated again). */
        UNKNOWN_CA,
        /** The peer's certificate (or a CA in its chain) has expired. */
        PEER_EXPIRED,
        /** The peer's certificate is not valid yet (a clock is wrong, or it was issued for the future). */
        PEER_NOT_YET_VALID,
        /** The peer's certificate is trusted but names another node than the expected peer node id. */
        PEER_WRONG_NAME,
        /** The peer's certificate is refused for another reason (key usage, path length, ...), named in the detail. */
        PEER_UNTRUSTED,
        /** The peer sent a TLS alert: it refused the handshake, usually our certificate; its log names the cause. */
        REFUSED_BY_PEER,
        /** The other end does not speak TLS (TLS disabled there, or another service on that port). */
        NOT_TLS,
        /** Another handshake failure (no common protocol version or cipher, a bad signature, ...). */
        OTHER,
        /** The handshake did not finish in time: the other end accepted the connection but does not answer. */
        TIMED_OUT,
        /** The connection closed or was reset during the handshake: no evidence either way. */
        INTERRUPTED
    }

    private static final Pattern JDK_ALERT = Pattern.compile("(?i)received fatal alert: ([a-z_0-9]+)");
    private static final Pattern OPENSSL_ALERT = Pattern.compile("(?:SSLV3|TLSV1|TLSV1_3|TLSV13)_ALERT_([A-Z_0-9]+)");

    private final Kind kind;
    private final String detail;

    TlsProblem(Kind kind, String detail) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    /**
     * What went wrong.
     *
     * @return the kind of failure
     */
    public Kind kind() {
        return kind;
    }

    /**
     * A sentence for an operator, without addresses or ports, so that the same cause reads the same on every attempt
     * (for example "the peer's certificate (CN=node-b) expired at 2025-01-31T00:00:00Z").
     *
     * @return the sentence, never empty
     */
    public String detail() {
        return detail;
    }

    /**
     * Whether something answered on the peer's port and took part in the handshake (every kind but
     * {@link Kind#TIMED_OUT} and {@link Kind#INTERRUPTED}): the peer is then not known to be dead, whatever its
     * certificate.
     *
     * @return true when something took part in the handshake; false for a timeout or a closed connection
     */
    public boolean peerAnswered() {
        return kind != Kind.INTERRUPTED && kind != Kind.TIMED_OUT;
    }

    @Override
    public String toString() {
        return kind + ": " + detail;
    }

    /**
     * Names the cause of a failed handshake from the exception it ended with (the {@code SslHandler}'s handshake
     * failure, or an {@link SSLException} read before the first message, as a TLS 1.3 client gets the server's
     * refusal of its certificate only after its own side of the handshake completed).
     *
     * @param failure the exception the handshake ended with; its causes are searched too
     * @return the named cause: {@link Kind#INTERRUPTED} when the connection ended, {@link Kind#OTHER} with the
     *     innermost cause when nothing more is recognised
     * @throws NullPointerException if {@code failure} is null
     */
    public static TlsProblem of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PeerCertificateException) {
                return ((PeerCertificateException) t).problem();
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String alert = alert(t.getMessage());
            if (alert != null) {
                return new TlsProblem(Kind.REFUSED_BY_PEER, "the peer refused the handshake with the TLS alert "
                        + alert + " (" + meaning(alert) + "); the peer's log names the cause");
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof NotSslRecordException) {
                return new TlsProblem(Kind.NOT_TLS, "the other end does not speak TLS (is "
                        + "keepalive.tls.insecure=true there, or does another service listen on that port?)");
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return new TlsProblem(Kind.TIMED_OUT, "the handshake timed out: " + t.getMessage());
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        if (root instanceof ClosedChannelException || !(root instanceof SSLException) && root instanceof IOException
                || message.toLowerCase(Locale.ROOT).contains("closed")) {
            return new TlsProblem(Kind.INTERRUPTED, "the connection ended during the handshake: " + root);
        }
        return new TlsProblem(Kind.OTHER, "the handshake failed: " + root);
    }

    /** The alert a peer sent, in the JDK's spelling ({@code certificate_unknown}), or null. */
    static String alert(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = JDK_ALERT.matcher(message);
        if (m.find()) {
            return m.group(1).toLowerCase(Locale.ROOT);
        }
        m = OPENSSL_ALERT.matcher(message);
        if (m.find()) {
            return m.group(1).toLowerCase(Locale.ROOT);
        }
        return null;
    }

    /** What a TLS alert from the peer means for this pair. */
    static String meaning(String alert) {
        switch (alert) {
            case "unknown_ca":
                return "it does not trust the CA that signed this node's certificate";
            case "certificate_expired":
                return "it finds this node's certificate expired (or not yet valid: compare both clocks)";
            case "bad_certificate":
                return "it refused this node's certificate: it names another node than the peer expects, or is not "
                        + "valid yet";
            case "certificate_unknown":
                return "it refused this node's certificate: not signed by a CA it trusts, expired, or naming another "
                        + "node";
            case "internal_error":
                return "its TLS layer failed, most often because it refused this node's certificate";
            case "certificate_required":
                return "it requires a certificate from this node and got none";
            case "handshake_failure":
                return "it found no acceptable TLS parameters or refused the handshake";
            case "protocol_version":
                return "no TLS version in common";
            case "decrypt_error":
                return "a handshake signature did not verify: does the key belong to the certificate?";
            case "access_denied":
                return "it refused this node's identity";
            case "unsupported_certificate":
                return "it cannot use this node's certificate (key type or key usage)";
            case "certificate_revoked":
                return "it finds this node's certificate revoked";
            default:
                return "the alert names the reason";
        }
    }
}
