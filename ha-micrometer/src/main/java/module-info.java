/**
 * HAKit's meters on a Micrometer {@code MeterRegistry}: elections, state stores, connection states, alarms, and (when
 * those modules are present) the keepalive pair and the file synchronizer. See docs/metrics.md for the table.
 */
module io.hakit.micrometer {
    requires transitive io.hakit.api;
    requires transitive micrometer.core;
    // bound only by an application that has them (optional dependencies)
    requires static io.hakit.keepalive;
    requires static io.hakit.sync;

    exports io.hakit.micrometer;
}
