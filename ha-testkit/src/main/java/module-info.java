/**
 * Test support for HAKit's backends and for users' own integration tests: test clusters, the contract suites every
 * backend runs, a fault-injecting TCP proxy, the leadership history checker and seeded fault campaigns.
 */
module io.hakit.testkit {
    requires transitive io.hakit.api;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    requires awaitility;
    requires org.slf4j;

    exports io.hakit.testkit;
    exports io.hakit.testkit.campaign;
    exports io.hakit.testkit.contract;
    exports io.hakit.testkit.history;
    exports io.hakit.testkit.proxy;

    // the contract suites are JUnit classes a backend's tests extend
    opens io.hakit.testkit.contract to org.junit.platform.commons;
}
