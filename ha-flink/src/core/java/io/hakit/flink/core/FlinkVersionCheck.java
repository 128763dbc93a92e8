package io.hakit.flink.core;

import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses to start an adapter built for another Flink minor version, naming both versions and the artifact to use:
 * Flink's HA interfaces change between minors (2.0 renamed the job graph store, 2.3 added application stores and
 * changed {@code AbstractHaServices}' constructor), and a mismatch would otherwise surface later as a
 * {@link LinkageError} deep inside the JobManager.
 */
public final class FlinkVersionCheck {

    private static final Logger LOG = LoggerFactory.getLogger(FlinkVersionCheck.class);

    /** Which artifact and factory serve which Flink line: the advice of every refusal. */
    public static final String LINES = "Use io.hakit:ha-flink for Flink 2.3 (high-availability.type: "
            + "io.hakit.flink.HakitHaServicesFactory) and io.hakit:ha-flink-1.20 for Flink 1.20 (high-availability.type: "
            + "io.hakit.flink.v1_20.HakitHaServicesFactory).";

    private FlinkVersionCheck() {
    }

    /**
     * Checks that the running Flink is {@code minor} (for example "2.3").
     *
     * @throws IllegalConfigurationException naming the running version, {@code minor} and {@code artifact} otherwise
     */
    public static void require(String minor, String factoryClass, String otherLines) {
        check(EnvironmentInformation.getVersion(), minor, factoryClass, otherLines);
    }

    static void check(String running, String minor, String factoryClass, String otherLines) {
        if (running == null || running.startsWith("<")) {
            LOG.warn("HAKit: the running Flink version is unknown ({}); {} is built for Flink {}", running,
                    factoryClass, minor);
            return;
        }
        if (!(running.equals(minor) || running.startsWith(minor + ".") || running.startsWith(minor + "-"))) {
            throw new IllegalConfigurationException("HAKit's " + factoryClass + " is built for Flink " + minor
                    + ".x, but this is Flink " + running + ". " + otherLines);
        }
    }
}
