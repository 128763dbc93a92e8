package io.hakit.flink;

import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.flink.core.HakitProcess;
import org.apache.flink.configuration.Configuration;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Failover of a real Flink JobManager on HAKit's embedded backend (session expiry through its control surface). */
class EmbeddedFailoverTest extends FailoverTestBase {

    @Override
    protected Configuration config(Path storage) {
        return TestProcesses.embeddedConfig(storage);
    }

    @Override
    protected void expireSession(int index, HakitProcess process) {
        EmbeddedHaBackend.forCluster(process.services().config().clusterId())
                .expireSession(process.services().config().nodeId());
    }

    @Override
    protected void assertBackendHoldsNothing(Configuration config) {
        EmbeddedHaBackend b = EmbeddedHaBackend.forCluster(HakitProcess.clusterId(config));
        assertThat(b.leaderInformation()).isEmpty();
    }
}
