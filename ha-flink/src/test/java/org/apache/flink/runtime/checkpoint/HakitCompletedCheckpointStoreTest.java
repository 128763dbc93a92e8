package org.apache.flink.runtime.checkpoint;

import io.hakit.flink.HakitHaServices;
import io.hakit.flink.TestProcesses;
import io.hakit.flink.core.HakitProcess;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.state.SharedStateRegistry;
import org.apache.flink.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * Flink's own {@link CompletedCheckpointStoreTest} against the checkpoint store HAKit's HA services build
 * ({@code DefaultCompletedCheckpointStore} on HAKit's state handle store, embedded backend); every store of one test
 * recovers the same job.
 */
class HakitCompletedCheckpointStoreTest extends CompletedCheckpointStoreTest {

    @TempDir
    Path storage;

    private final JobID jobId = new JobID();
    private HakitHaServices services;

    @Override
    protected CompletedCheckpointStore createRecoveredCompletedCheckpointStore(int maxNumberOfCheckpointsToRetain,
            Executor executor) throws Exception {
        if (services == null) {
            Configuration config = TestProcesses.embeddedConfig(storage);
            HakitProcess process = TestProcesses.leading(config);
            services = HakitHaServices.create(process, config, Executors.directExecutor());
        }
        return services.getCheckpointRecoveryFactory().createRecoveredCompletedCheckpointStore(jobId,
                maxNumberOfCheckpointsToRetain, SharedStateRegistry.DEFAULT_FACTORY, executor,
                RecoveryClaimMode.DEFAULT);
    }

    @AfterEach
    void closeServices() throws Exception {
        if (services != null) {
            services.process().close();
        }
    }
}
