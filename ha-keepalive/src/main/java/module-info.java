/**
 * HAKit's active/standby keepalive: two nodes, heartbeats over TLS, an arbiter, a floating IP, notify scripts, and
 * the certificate tools both the keepalive and the synchronizer use.
 */
module io.hakit.keepalive {
    requires transitive io.hakit.api;
    requires org.slf4j;
    requires com.google.protobuf;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.transport;
    // CertificateGenerator only (test and demo certificates); optional: loading PEM files needs only the JDK
    requires static org.bouncycastle.pkix;
    requires static org.bouncycastle.provider;
    requires static org.bouncycastle.util;
    requires static com.google.errorprone.annotations;

    exports io.hakit.keepalive;
    exports io.hakit.keepalive.tls;
    // what ha-sync and the agent share with the keepalive; not API
    exports io.hakit.keepalive.support to io.hakit.sync, io.hakit.cli;

    // protobuf reads its generated messages reflectively
    opens io.hakit.keepalive.internal.proto to com.google.protobuf;
}
