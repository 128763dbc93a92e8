/**
 * HAKit's public API, backend SPI, core services and embedded backend. See {@link io.hakit.api} for the safety
 * argument.
 */
module io.hakit.api {
    requires org.slf4j;
    requires java.management;
    // @GuardedBy, read by Error Prone at compile time only
    requires static com.google.errorprone.annotations;

    exports io.hakit.api;
    exports io.hakit.api.spi;
    exports io.hakit.api.alarm;
    exports io.hakit.api.detect;
    exports io.hakit.api.embedded;
    // what HAKit's own modules share; not API
    exports io.hakit.api.support to
            io.hakit.testkit, io.hakit.zookeeper, io.hakit.kubernetes, io.hakit.keepalive, io.hakit.sync,
            io.hakit.flink, io.hakit.cli;

    uses io.hakit.api.spi.HaBackendFactory;

    provides io.hakit.api.spi.HaBackendFactory with io.hakit.api.internal.EmbeddedBackendFactory;
}
