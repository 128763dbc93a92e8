package io.hakit.flink;

import io.hakit.flink.core.HakitFlinkOptions;
import io.hakit.flink.core.HakitProcess;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.runtime.leaderelection.LeaderElectionDriver;
import org.apache.flink.runtime.leaderelection.LeaderInformation;
import org.apache.flink.runtime.leaderelection.LeaderInformationRegister;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/** Flink configurations and leading HAKit processes for the adapter's tests. */
public final class TestProcesses {

    private static final AtomicInteger IDS = new AtomicInteger();

    private TestProcesses() {
    }

    /** A Flink configuration selecting HAKit's factory on the embedded backend, a fresh cluster id. */
    public static Configuration embeddedConfig(Path storageDir) {
        Configuration c = new Configuration();
        c.setString(HighAvailabilityOptions.HA_MODE.key(), FlinkLine.FACTORY.getName());
        c.setString(HakitFlinkOptions.BACKEND, "embedded");
        c.setString(HighAvailabilityOptions.HA_CLUSTER_ID.key(), "test-" + IDS.incrementAndGet() + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        c.setString(HighAvailabilityOptions.HA_STORAGE_PATH.key(), storageDir.toUri().toString());
        return c;
    }

    /** A started process that leads (through a driver whose Flink listener ignores every event). */
    public static HakitProcess leading(Configuration config) throws Exception {
        HakitProcess p = contending(config);
        await().atMost(Duration.ofSeconds(30)).until(() -> p.currentSession().isPresent());
        return p;
    }

    /** A started process that contends (through a driver whose Flink listener ignores every event). */
    public static HakitProcess contending(Configuration config) throws Exception {
        HakitProcess p = HakitProcess.start(config);
        p.leaderElectionDriverFactory().create(new LeaderElectionDriver.Listener() {
            @Override
            public void onGrantLeadership(UUID leaderSessionID) {
            }

            @Override
            public void onRevokeLeadership() {
            }

            @Override
            public void onLeaderInformationChange(String componentId, LeaderInformation leaderInformation) {
            }

            @Override
            public void onLeaderInformationChange(LeaderInformationRegister leaderInformationRegister) {
            }

            @Override
            public void onError(Throwable t) {
            }
        });
        return p;
    }
}
