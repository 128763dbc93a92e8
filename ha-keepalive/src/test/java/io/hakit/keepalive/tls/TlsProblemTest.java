package io.hakit.keepalive.tls;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLHandshakeException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cause of a failed handshake, named from real handshakes between real certificates, on both TLS engines (the
 * JDK's, and netty-tcnative's OpenSSL when it is on the class path, as it is in {@code hakit agent}): node-a has a
 * good certificate, node-b one of the mistakes operators make. The side that refuses names the cause; the side that
 * only gets the alert says what it means and that the peer's log names the cause. Both directions: node-a dialing and
 * node-a accepting.
 */
class TlsProblemTest {

    @TempDir
    Path dir;

    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private TestCerts certs;

    static List<SslProvider> providers() {
        return Handshake.providers();
    }

    @BeforeEach
    void certificates() {
        certs = new TestCerts(dir, now);
    }

    /** Runs both directions and returns {node-a's problem, node-b's problem} for each. */
    private List<TlsProblem[]> handshakes(SslProvider provider, PemLayout b, String bExpects)
            throws PemLayout.CertificateProblem {
        TlsContexts a = TlsContexts.load(certs.node("node-a"), "node-b", provider);
        TlsContexts other = TlsContexts.load(b, bExpects, provider);
        Handshake aDials = Handshake.run(a, other);
        Handshake bDials = Handshake.run(other, a);
        assertThat(aDials.client.failure()).as("node-a dialing").isNotNull();
        assertThat(aDials.server.failure()).as("node-b accepting").isNotNull();
        assertThat(bDials.client.failure()).as("node-b dialing").isNotNull();
        assertThat(bDials.server.failure()).as("node-a accepting").isNotNull();
        return List.of(
                new TlsProblem[] {TlsProblem.of(aDials.client.failure()), TlsProblem.of(aDials.server.failure())},
                new TlsProblem[] {TlsProblem.of(bDials.server.failure()), TlsProblem.of(bDials.client.failure())});
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aCertificateOfAnotherCaIsNamedUnknownCa(SslProvider provider) throws Exception {
        CertificateGenerator.Issued rogue = CertificateGenerator.certificateAuthority("Rogue CA",
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        Path b = dir.resolve("rogue-b");
        CertificateGenerator.writeNode(b, CertificateGenerator.node(rogue, "node-b", List.of(),
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))), rogue);
        List<TlsProblem[]> both = handshakes(provider, new PemLayout(b), "node-a");
        // the dialing side sees the other's certificate first and refuses it; the accepting side gets the alert
        TlsProblem[] aDials = both.get(0);
        assertThat(aDials[0].kind()).isEqualTo(TlsProblem.Kind.UNKNOWN_CA);
        assertThat(aDials[0].detail()).isEqualTo("unknown CA: the peer's certificate (CN=node-b) is not signed by our "
                + "CA (CN=HAKit Test CA) but by CN=Rogue CA");
        assertRefusedByPeer(aDials[1], provider == SslProvider.JDK ? "certificate_unknown" : "unknown_ca");
        TlsProblem[] bDials = both.get(1);
        assertThat(bDials[1].kind()).isEqualTo(TlsProblem.Kind.UNKNOWN_CA);
        assertThat(bDials[1].detail()).contains("(CN=node-a) is not signed by our CA (CN=Rogue CA) but by "
                + "CN=HAKit Test CA");
        assertRefusedByPeer(bDials[0], provider == SslProvider.JDK ? "certificate_unknown" : "unknown_ca");
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aCertificateOfAnotherCaIsNamedEvenWhenItsNodeTrustsOurCa(SslProvider provider) throws Exception {
        // node-b's ca.crt is the pair's, its server.crt from another CA: node-b accepts node-a, node-a refuses node-b
        // (node-b presents its certificate although its issuer is not one node-a asks for)
        for (TlsProblem[] p : handshakes(provider, certs.nodeOfOtherCa("node-b"), "node-a")) {
            assertThat(p[0].kind()).isEqualTo(TlsProblem.Kind.UNKNOWN_CA);
            assertThat(p[0].detail()).contains("but by CN=Rogue CA");
            assertRefusedByPeer(p[1], provider == SslProvider.JDK ? "certificate_unknown" : "unknown_ca");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aCertificateOfACaOfTheSameNameGeneratedAgainIsNamedSo(SslProvider provider) throws Exception {
        CertificateGenerator.Issued again = CertificateGenerator.certificateAuthority("HAKit Test CA",
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        Path b = dir.resolve("again-b");
        CertificateGenerator.writeNode(b, CertificateGenerator.node(again, "node-b", List.of(),
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))), certs.ca);
        for (TlsProblem[] p : handshakes(provider, new PemLayout(b), "node-a")) {
            assertThat(p[0].kind()).isEqualTo(TlsProblem.Kind.UNKNOWN_CA);
            assertThat(p[0].detail()).contains("a different CA of the same name");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void anExpiredCertificateIsNamedWithItsDateAndThePeerHearsWhatTheAlertMeans(SslProvider provider)
            throws Exception {
        Instant expired = now.minus(Duration.ofDays(2));
        for (TlsProblem[] p : handshakes(provider, certs.node("node-b", now.minus(Duration.ofDays(30)), expired),
                "node-a")) {
            assertThat(p[0].kind()).isEqualTo(TlsProblem.Kind.PEER_EXPIRED);
            assertThat(p[0].detail()).contains("(CN=node-b) expired at " + expired);
            assertRefusedByPeer(p[1], provider == SslProvider.JDK ? "certificate_unknown" : "certificate_expired");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aCertificateNotYetValidIsNamedWithItsDate(SslProvider provider) throws Exception {
        Instant from = now.plus(Duration.ofDays(2));
        for (TlsProblem[] p : handshakes(provider, certs.node("node-b", from, now.plus(Duration.ofDays(30))),
                "node-a")) {
            assertThat(p[0].kind()).isEqualTo(TlsProblem.Kind.PEER_NOT_YET_VALID);
            assertThat(p[0].detail()).contains("is not valid before " + from).contains("clocks");
            assertRefusedByPeer(p[1], provider == SslProvider.JDK ? "certificate_unknown" : "certificate_expired");
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void anotherNodesCertificateIsNamedPeerNameXWhereYWasExpected(SslProvider provider) throws Exception {
        // the node at node-b's address presents node-c's certificate (a wrong keepalive.peer.address or node id)
        for (TlsProblem[] p : handshakes(provider, certs.node("node-c"), "node-a")) {
            assertThat(p[0].kind()).isEqualTo(TlsProblem.Kind.PEER_WRONG_NAME);
            assertThat(p[0].detail()).startsWith("peer name node-c where node-b was expected");
            assertRefusedByPeer(p[1], provider == SslProvider.JDK ? "certificate_unknown" : "bad_certificate");
        }
    }

    private static void assertRefusedByPeer(TlsProblem p, String alert) {
        assertThat(p.kind()).isEqualTo(TlsProblem.Kind.REFUSED_BY_PEER);
        assertThat(p.detail()).contains("TLS alert " + alert + " (" + TlsProblem.meaning(alert) + ")")
                .endsWith("the peer's log names the cause");
        assertThat(p.peerAnswered()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("providers")
    void aGoodPairCompletesItsHandshake(SslProvider provider) throws Exception {
        // the cross-check of the tests above: the same harness with good certificates succeeds
        Handshake h = Handshake.run(TlsContexts.load(certs.node("node-a"), "node-b", provider),
                TlsContexts.load(certs.node("node-b"), "node-a", provider));
        assertThat(h.client.succeeded && h.server.succeeded).isTrue();
        assertThat(h.client.failures).isEmpty();
        assertThat(h.server.failures).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("providers")
    void anEndThatDoesNotSpeakTlsIsNamed(SslProvider provider) throws Exception {
        TlsContexts a = TlsContexts.load(certs.node("node-a"), "node-b", provider);
        Handshake.Side side = new Handshake.Side();
        EmbeddedChannel ch = new EmbeddedChannel(a.server().newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT),
                side);
        ch.writeInbound(Unpooled.copiedBuffer("\0\0\0\u0010plain keepalive frame", StandardCharsets.US_ASCII));
        ch.finishAndReleaseAll();
        TlsProblem p = TlsProblem.of(side.failure());
        assertThat(p.kind()).isEqualTo(TlsProblem.Kind.NOT_TLS);
        assertThat(p.detail()).contains("keepalive.tls.insecure");
    }

    @Test
    void aConnectionEndingMidHandshakeIsNoSignThatThePeerAnswers() {
        assertThat(TlsProblem.of(new ClosedChannelException()).peerAnswered()).isFalse();
        assertThat(TlsProblem.of(new SSLHandshakeException("Connection closed while SSL/TLS handshake was in "
                + "progress")).peerAnswered()).isFalse();
        assertThat(TlsProblem.of(new io.netty.handler.ssl.SslHandshakeTimeoutException("handshake timed out after "
                + "10000ms")).peerAnswered()).isFalse();
        assertThat(TlsProblem.of(new java.io.IOException("Connection reset by peer")).peerAnswered()).isFalse();
    }

    @Test
    void alertsAreReadInTheJdksAndOpenSslsSpelling() {
        assertThat(TlsProblem.alert("Received fatal alert: unknown_ca")).isEqualTo("unknown_ca");
        assertThat(TlsProblem.alert("error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA"))
                .isEqualTo("unknown_ca");
        assertThat(TlsProblem.alert("error:10000415:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED"))
                .isEqualTo("certificate_expired");
        assertThat(TlsProblem.alert("error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED"))
                .isEqualTo("certificate_required");
        assertThat(TlsProblem.alert("General OpenSslEngine problem")).isNull();
    }

    @Test
    void theOpenSslErrorCodesAreTheNativeLibrarysOwn() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable(), "no netty-tcnative");
        Class<?> v = Class.forName("io.netty.internal.tcnative.CertificateVerifier");
        assertThat(v.getField("X509_V_ERR_CERT_NOT_YET_VALID").getInt(null))
                .isEqualTo(PeerNameTrustManager.X509_V_ERR_CERT_NOT_YET_VALID);
        assertThat(v.getField("X509_V_ERR_CERT_HAS_EXPIRED").getInt(null))
                .isEqualTo(PeerNameTrustManager.X509_V_ERR_CERT_HAS_EXPIRED);
        assertThat(v.getField("X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY").getInt(null))
                .isEqualTo(PeerNameTrustManager.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        assertThat(v.getField("X509_V_ERR_CERT_UNTRUSTED").getInt(null))
                .isEqualTo(PeerNameTrustManager.X509_V_ERR_CERT_UNTRUSTED);
        assertThat(v.getField("X509_V_ERR_CERT_REJECTED").getInt(null))
                .isEqualTo(PeerNameTrustManager.X509_V_ERR_CERT_REJECTED);
    }
}
