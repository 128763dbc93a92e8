package org.apache.flink.runtime.checkpoint;

import io.hakit.flink.TestProcesses;
import io.hakit.flink.core.HakitProcess;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Flink's own {@link CheckpointIDCounterTestBase} against HAKit's counter (embedded backend). */
class HakitCheckpointIDCounterTest extends CheckpointIDCounterTestBase {

    @TempDir
    Path storage;

    private HakitProcess process;

    @Override
    protected CheckpointIDCounter createCheckpointIdCounter() throws Exception {
        if (process == null) {
            process = TestProcesses.leading(TestProcesses.embeddedConfig(storage));
        }
        return process.checkpointIdCounter(new JobID());
    }

    @AfterEach
    void closeProcess() {
        if (process != null) {
            process.close();
        }
    }
}
