package io.hakit.flink;

import io.hakit.api.alarm.Alarm;
import io.hakit.api.alarm.AlarmType;
import io.hakit.flink.core.HakitFlinkOptions;
import io.hakit.flink.core.HakitProcess;
import io.hakit.testkit.ManualTicker;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.TestingMiniCluster;
import org.apache.flink.runtime.minicluster.TestingMiniClusterConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A job that fails on every start raises RESTART_LOOP (45690) on the leading JobManager's HAKit alarms, with the job
 * id as its source; once the job runs and the quiet period passes on HAKit's (injected) ticker, it clears.
 */
class RestartLoopTest {

    @TempDir
    Path storage;

    @Test
    void aJobFailingOnEveryStartRaisesRestartLoopWhichClearsOnceItRuns() throws Exception {
        Configuration config = TestProcesses.embeddedConfig(storage);
        config.setString("execution.job-status-changed-listeners", RestartLoopListenerFactory.class.getName());
        config.setString("restart-strategy.type", "fixed-delay");
        config.setString("restart-strategy.fixed-delay.attempts", "1000");
        config.setString("restart-strategy.fixed-delay.delay", "20 ms");
        config.setString(HakitFlinkOptions.RESTART_LOOP_MAX_RESTARTS, "3");
        config.setString(HakitFlinkOptions.RESTART_LOOP_WINDOW, "10 min");
        config.setString(HakitFlinkOptions.RESTART_LOOP_QUIET_PERIOD, "1 min");
        ManualTicker ticker = new ManualTicker();
        List<HakitHaServices> created = new CopyOnWriteArrayList<>();
        ExecutorService io = Executors.newCachedThreadPool();
        MiniCluster cluster = TestingMiniCluster.newBuilder(TestingMiniClusterConfiguration.newBuilder()
                        .setConfiguration(config).setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build())
                .setHighAvailabilityServicesSupplier(() -> {
                    try {
                        HakitHaServices s = HakitHaServices.create(HakitProcess.start(config, b -> b.ticker(ticker)),
                                config, io);
                        created.add(s);
                        return s;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).build();
        try {
            cluster.start();
            String run = "loop-" + System.nanoTime();
            JobGraph graph = StatefulJob.create(run, 200);
            StatefulJob.run(run).failOnOpen = true;
            cluster.submitJob(graph).get(60, TimeUnit.SECONDS);
            String source = "flink-job " + graph.getJobID();

            await().atMost(Duration.ofSeconds(60)).until(() -> restartLoop(created, source) != null);
            Alarm alarm = restartLoop(created, source);
            assertThat(alarm.type().id()).isEqualTo(45690);
            assertThat(alarm.detail()).contains("more than 3 restarts").contains(graph.getJobID() + " RUNNING -> RESTARTING");
            assertThat(StatefulJob.run(run).starts.get()).isGreaterThan(3);

            StatefulJob.run(run).failOnOpen = false;
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.getJobStatus(graph.getJobID()).get()
                    == JobStatus.RUNNING && StatefulJob.run(run).running.get() == 1);
            ticker.advance(Duration.ofSeconds(59));
            created.forEach(s -> s.process().services().alarms().evaluate());
            assertThat(restartLoop(created, source)).as("still within the quiet period").isNotNull();
            ticker.advance(Duration.ofSeconds(2));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                created.forEach(s -> s.process().services().alarms().evaluate());
                return restartLoop(created, source) == null;
            });
        } finally {
            cluster.closeAsync().get(60, TimeUnit.SECONDS);
            created.forEach(s -> s.process().close());
            io.shutdownNow();
        }
    }

    private static Alarm restartLoop(List<HakitHaServices> services, String source) {
        for (HakitHaServices s : services) {
            for (Alarm a : s.process().services().alarms().active()) {
                if (a.type() == AlarmType.RESTART_LOOP && a.source().startsWith(source)) {
                    return a;
                }
            }
        }
        return null;
    }
}
