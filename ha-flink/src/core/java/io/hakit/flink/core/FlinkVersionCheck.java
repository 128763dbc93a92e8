package io.hakit.flink.core;

import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not API: shared by the Flink 2.3 and 1.20 adapters' factories.
 *
 * <p>Refuses to start an adapter built for another Flink minor version, naming both versions and the artifact to use:
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
     * Checks that the running Flink is {@code minor} (for example "2.3"): its version is {@code minor} itself, or
     * starts with {@code minor.} or {@code minor-} ({@code 2.3.0}, {@code 2.3-SNAPSHOT}; not {@code 2.30.0}). When the
     * running version is unknown (Flink reports {@code <unknown>}), only a warning is logged.
     *
     * @param minor the Flink minor line the calling adapter is built for, for example {@code "2.3"}
     * @param factoryClass the calling factory's class name, named in the refusal
     * @param otherLines the advice that ends the refusal: which artifact and factory serve which Flink line
     *     ({@link #LINES})
     * @throws IllegalConfigurationException naming the running version, {@code minor} and {@code factoryClass},
     *     followed by {@code otherLines}, when the running Flink is another minor
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
