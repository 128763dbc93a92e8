package io.hakit.keepalive.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Netty TLS contexts for the keepalive pair, built from a {@link PemLayout}: TLS 1.3/1.2, mutual authentication
 * required, the peer checked by {@link PeerNameTrustManager}. Immutable; build a new one to reload certificates
 * (connections already established keep theirs, new connections use the new one).
 */
public final class TlsContexts {

    private final SslContext server;
    private final SslContext client;
    private final X509Certificate leaf;

    private TlsContexts(SslContext server, SslContext client, X509Certificate leaf) {
        this.server = server;
        this.client = client;
        this.leaf = leaf;
    }

    /**
     * Loads the directory and builds both contexts.
     *
     * @param expectedPeerName the name the peer's certificate must carry
     * @throws PemLayout.CertificateProblem naming the file that is missing or invalid
     */
    public static TlsContexts load(PemLayout layout, String expectedPeerName) throws PemLayout.CertificateProblem {
        List<X509Certificate> chain = layout.certificateChain();
        PrivateKey key = layout.privateKey();
        List<X509Certificate> cas = layout.caCertificates();
        try {
            PeerNameTrustManager trust = new PeerNameTrustManager(cas, expectedPeerName);
            X509Certificate[] certs = chain.toArray(new X509Certificate[0]);
            SslContext server = SslContextBuilder.forServer(key, certs).trustManager(trust)
                    .clientAuth(ClientAuth.REQUIRE).protocols("TLSv1.3", "TLSv1.2").build();
            SslContext client = SslContextBuilder.forClient().keyManager(key, certs).trustManager(trust)
                    .protocols("TLSv1.3", "TLSv1.2").build();
            return new TlsContexts(server, client, chain.get(0));
        } catch (SSLException | GeneralSecurityException | IllegalArgumentException e) {
            throw new PemLayout.CertificateProblem(layout.certificateFile(),
                    "and its key cannot be used for TLS: " + e.getMessage());
        }
    }

    public SslContext server() {
        return server;
    }

    public SslContext client() {
        return client;
    }

    /** This node's certificate. */
    public X509Certificate certificate() {
        return leaf;
    }
}
