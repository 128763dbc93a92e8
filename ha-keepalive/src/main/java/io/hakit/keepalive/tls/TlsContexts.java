package io.hakit.keepalive.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Netty TLS contexts for the keepalive pair, built from a {@link PemLayout}: TLS 1.3/1.2, mutual authentication
 * required, the peer checked by {@link PeerNameTrustManager}, this node's certificate presented on every handshake
 * ({@link OwnKeyManager}), so that a refusal on either side names its cause ({@link TlsProblem}). Immutable; build a
 * new one to reload certificates (connections already established keep theirs, new connections use the new one).
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
     * Loads the directory and builds both contexts, on netty's default engine (netty-tcnative's OpenSSL when it is on
     * the class path, else the JDK's).
     *
     * @param layout           the certificate directory; its three files are read now
     * @param expectedPeerName the name the peer's certificate must carry
     * @return the contexts, for the server and the client side of this node
     * @throws PemLayout.CertificateProblem naming the file that is missing or invalid, or {@code server.crt} when
     *     the certificate and its key cannot be used together for TLS
     */
    public static TlsContexts load(PemLayout layout, String expectedPeerName) throws PemLayout.CertificateProblem {
        return load(layout, expectedPeerName, SslContext.defaultServerProvider());
    }

    /** {@link #load(PemLayout, String)} on the given engine (tests run both). */
    static TlsContexts load(PemLayout layout, String expectedPeerName, SslProvider provider)
            throws PemLayout.CertificateProblem {
        List<X509Certificate> chain = layout.certificateChain();
        PrivateKey key = layout.privateKey();
        List<X509Certificate> cas = layout.caCertificates();
        try {
            PeerNameTrustManager trust = new PeerNameTrustManager(cas, expectedPeerName, provider != SslProvider.JDK);
            OwnKeyManager own = new OwnKeyManager(key, chain);
            SslContext server = SslContextBuilder.forServer(own).sslProvider(provider).trustManager(trust)
                    .clientAuth(ClientAuth.REQUIRE).protocols("TLSv1.3", "TLSv1.2").build();
            SslContext client = SslContextBuilder.forClient().sslProvider(provider).keyManager(own)
                    .trustManager(trust).protocols("TLSv1.3", "TLSv1.2").build();
            return new TlsContexts(server, client, chain.get(0));
        } catch (SSLException | GeneralSecurityException | IllegalArgumentException e) {
            throw new PemLayout.CertificateProblem(layout.certificateFile(),
                    "and its key cannot be used for TLS: " + e.getMessage());
        }
    }

    /**
     * The context of connections the peer dials: requires the peer's certificate, presents this node's.
     *
     * @return the server-side context
     */
    public SslContext server() {
        return server;
    }

    /**
     * The context of connections this node dials to the peer: presents this node's certificate, checks the peer's.
     *
     * @return the client-side context
     */
    public SslContext client() {
        return client;
    }

    /**
     * This node's certificate, the leaf of {@link PemLayout#certificateChain()} as loaded.
     *
     * @return the leaf certificate
     */
    public X509Certificate certificate() {
        return leaf;
    }
}
