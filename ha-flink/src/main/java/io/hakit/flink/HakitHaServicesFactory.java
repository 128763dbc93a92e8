package io.hakit.flink;

import io.hakit.flink.core.FlinkVersionCheck;
import io.hakit.flink.core.HakitClientHaServices;
import io.hakit.flink.core.HakitProcess;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.highavailability.ClientHighAvailabilityServices;
import org.apache.flink.runtime.highavailability.HighAvailabilityServices;
import org.apache.flink.runtime.highavailability.HighAvailabilityServicesFactory;

import java.util.concurrent.Executor;

/**
 * Flink 2.3's entry point to HAKit: {@code high-availability.type: io.hakit.flink.HakitHaServicesFactory} and
 * {@code high-availability.hakit.backend: zookeeper} (or {@code kubernetes}, {@code embedded}) switch a Flink cluster
 * to HAKit; every other setting keeps Flink's {@code high-availability.*} keys (see {@link HakitProcess#haConfig}).
 *
 * <p>Each {@link HighAvailabilityServices} this factory creates is one HAKit process: its own backend connection and
 * one election for all of the JobManager's components. Flink closes it; its leadership ends then.
 *
 * <p>Refuses to start on another Flink minor version with a message naming both versions and the artifact to use
 * ({@code io.hakit:ha-flink-1.20} for the 1.20 LTS line).
 */
public class HakitHaServicesFactory implements HighAvailabilityServicesFactory {

    /** A factory; stateless. Flink creates the factory by the class name in {@code high-availability.type}. */
    public HakitHaServicesFactory() {
    }

    @Override
    public HighAvailabilityServices createHAServices(Configuration configuration, Executor executor)
            throws Exception {
        FlinkVersionCheck.require("2.3", getClass().getName(), FlinkVersionCheck.LINES);
        return HakitHaServices.create(HakitProcess.start(configuration), configuration, executor);
    }

    @Override
    public ClientHighAvailabilityServices createClientHAServices(Configuration configuration) {
        FlinkVersionCheck.require("2.3", getClass().getName(), FlinkVersionCheck.LINES);
        return new HakitClientHaServices(HakitProcess.start(configuration));
    }
}
