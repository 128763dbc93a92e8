package io.hakit.keepalive.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Trusts a peer only if its chain validates against the pair's CA (PKIX, which also refuses expired and not yet
 * valid certificates) and its leaf certificate names the expected peer (a DNS subject alternative name, or the CN
 * when there is none). Used on both sides: the server checks the client's certificate, the client the server's.
 */
final class PeerNameTrustManager extends X509ExtendedTrustManager {

    private final X509TrustManager pkix;
    private final String expectedName;

    PeerNameTrustManager(List<X509Certificate> cas, String expectedName) throws GeneralSecurityException {
        this.expectedName = Objects.requireNonNull(expectedName, "expectedName");
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

    private void checkName(X509Certificate[] chain) throws CertificateException {
        X509Certificate leaf = chain[0];
        if (!names(leaf).contains(expectedName.toLowerCase(Locale.ROOT))) {
            throw new CertificateException("peer certificate " + leaf.getSubjectX500Principal().getName()
                    + " does not name the expected peer '" + expectedName + "' (names: " + names(leaf) + ")");
        }
    }

    static List<String> names(X509Certificate cert) throws CertificateParsingException {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
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
        pkix.checkClientTrusted(chain, authType);
        checkName(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        checkName(chain);
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
