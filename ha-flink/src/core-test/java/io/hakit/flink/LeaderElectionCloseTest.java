package io.hakit.flink;

import io.hakit.flink.core.HakitProcess;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.highavailability.HighAvailabilityServices;
import org.apache.flink.runtime.leaderelection.LeaderContender;
import org.apache.flink.runtime.leaderelection.LeaderElection;
import org.apache.flink.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A component that closes its election after it was granted, but before its leader process knew its address, then
 * confirms the session (Flink's dispatcher runner does so when the leadership comes to a JobManager that is shutting
 * down): the confirmation is a no-op. Flink's own election threw IllegalArgumentException at once, which the dispatcher
 * runner turns into an uncaught exception that ends the JVM (exit code 239; seen in a CI run under CPU load).
 */
class LeaderElectionCloseTest {

    @TempDir
    Path storage;

    private HakitProcess process;
    private HighAvailabilityServices services;

    @BeforeEach
    void start() throws Exception {
        Configuration config = TestProcesses.embeddedConfig(storage);
        process = HakitProcess.start(config);
        services = FlinkLine.services(process, config, Executors.directExecutor());
    }

    @AfterEach
    void close() throws Exception {
        services.close();
        process.close();
    }

    @Test
    void aConfirmationAfterTheElectionClosedIsANoOpForEveryComponent() throws Exception {
        for (LeaderElection election : new LeaderElection[] {services.getDispatcherLeaderElection(),
                services.getResourceManagerLeaderElection(), services.getClusterRestEndpointLeaderElection(),
                services.getJobManagerLeaderElection(new org.apache.flink.api.common.JobID())}) {
            CompletableFuture<UUID> granted = new CompletableFuture<>();
            election.startLeaderElection(new LeaderContender() {
                @Override
                public void grantLeadership(UUID leaderSessionID) {
                    granted.complete(leaderSessionID);
                }

                @Override
                public void revokeLeadership() {
                }

                @Override
                public void handleError(Exception exception) {
                    granted.completeExceptionally(exception);
                }
            });
            UUID session = granted.get(30, TimeUnit.SECONDS);
            assertThat(election.hasLeadershipAsync(session).get(30, TimeUnit.SECONDS)).isTrue();
            election.close();

            CompletableFuture<Void> confirmed = election.confirmLeadershipAsync(session, "akka://late");
            await().atMost(Duration.ofSeconds(10)).until(confirmed::isDone);
            assertThat(confirmed).isCompleted();
            assertThat(election.hasLeadershipAsync(session).get(30, TimeUnit.SECONDS)).isFalse();
        }
    }
}
