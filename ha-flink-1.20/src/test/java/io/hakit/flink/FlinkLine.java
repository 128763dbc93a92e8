package io.hakit.flink;

import io.hakit.flink.core.HakitProcess;
import io.hakit.flink.v1_20.HakitHaServices;
import io.hakit.flink.v1_20.HakitHaServicesFactory;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.RestoreMode;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStore;
import org.apache.flink.runtime.highavailability.HighAvailabilityServices;
import org.apache.flink.runtime.state.SharedStateRegistry;

import java.util.concurrent.Executor;

/**
 * What the shared tests (ha-flink/src/core-test) need to know of the Flink line they run on: Flink 1.20 here. Each line's
 * module has its own {@code FlinkLine} with the same members.
 */
public final class FlinkLine {

    /** The Flink minor this module is built for. */
    public static final String MINOR = "1.20";

    /** The factory named in {@code high-availability.type}. */
    public static final Class<HakitHaServicesFactory> FACTORY = HakitHaServicesFactory.class;

    private FlinkLine() {
    }

    /** This line's HA services on {@code process}. */
    public static HighAvailabilityServices services(HakitProcess process, Configuration config, Executor ioExecutor)
            throws Exception {
        return HakitHaServices.create(process, config, ioExecutor);
    }

    /** A job's recovered checkpoint store, through {@code services}' checkpoint recovery factory. */
    public static CompletedCheckpointStore recoveredCheckpointStore(HighAvailabilityServices services, JobID jobId,
            int maxNumberOfCheckpointsToRetain, Executor executor) throws Exception {
        return services.getCheckpointRecoveryFactory().createRecoveredCompletedCheckpointStore(jobId,
                maxNumberOfCheckpointsToRetain, SharedStateRegistry.DEFAULT_FACTORY, executor, RestoreMode.DEFAULT);
    }
}
