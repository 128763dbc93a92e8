/** A user's module: HAKit's embedded backend, a keepalive pair and a file synchronizer, on the module path. */
module example.modular {
    requires io.hakit.api;
    requires io.hakit.keepalive;
    requires io.hakit.sync;
    // found by HaServices.create through the service loader, as a user's backend would be
    requires io.hakit.kubernetes;
    // CertificateGenerator needs it; ha-keepalive requires it statically (optional)
    requires org.bouncycastle.pkix;
}
