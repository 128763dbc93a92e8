/**
 * HAKit's file synchronizer: the active node's roots copied to the standby over TLS, each file whole or not at all.
 */
module io.hakit.sync {
    requires transitive io.hakit.keepalive;
    requires org.slf4j;
    requires com.google.protobuf;
    requires com.sun.jna;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.transport;

    exports io.hakit.sync;

    // protobuf reads its generated messages reflectively; JNA maps the libc calls of SafeDir reflectively
    opens io.hakit.sync.internal.proto to com.google.protobuf;
    opens io.hakit.sync.internal to com.sun.jna;
}
