package io.hakit.keepalive.tls;

import java.security.cert.CertificateException;

/**
 * The peer's certificate was refused, with the cause named ({@link TlsProblem}). Thrown by
 * {@link PeerNameTrustManager}; the TLS engine wraps it into its handshake failure, where {@link TlsProblem#of} finds
 * it again.
 */
final class PeerCertificateException extends CertificateException {

    private static final long serialVersionUID = 1L;
    private final transient TlsProblem problem;

    PeerCertificateException(TlsProblem problem, Throwable cause) {
        super(problem.detail(), cause);
        this.problem = problem;
    }

    TlsProblem problem() {
        return problem;
    }
}
