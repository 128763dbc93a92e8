package org.apache.flink.runtime.checkpoint;

import io.hakit.flink.FlinkLine;
import io.hakit.flink.TestProcesses;
import io.hakit.flink.core.HakitProcess;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.highavailability.HighAvailabilityServices;
import org.apache.flink.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * Flink's own {@link CompletedCheckpointStoreTest} against the checkpoint store HAKit's HA services build
 * ({@code DefaultCompletedCheckpointStore} on HAKit's state handle store, embedded backend) on this module's Flink
 * line; every store of one test recovers the same job.
 */
class HakitCompletedCheckpointStoreTest extends CompletedCheckpointStoreTest {

    @TempDir
    Path storage;

    private final JobID jobId = new JobID();
    private HakitProcess process;
    private HighAvailabilityServices services;

    @Override
    protected CompletedCheckpointStore createRecoveredCompletedCheckpointStore(int maxNumberOfCheckpointsToRetain,
            Executor executor) throws Exception {
        if (services == null) {
            Configuration config = TestProcesses.embeddedConfig(storage);
            process = TestProcesses.leading(config);
            services = FlinkLine.services(process, config, Executors.directExecutor());
        }
        return FlinkLine.recoveredCheckpointStore(services, jobId, maxNumberOfCheckpointsToRetain, executor);
    }

    @AfterEach
    void closeServices() throws Exception {
        if (process != null) {
            process.close();
        }
    }
}
