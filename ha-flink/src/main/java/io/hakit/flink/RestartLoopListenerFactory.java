package io.hakit.flink;

import io.hakit.flink.core.HakitProcess;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.core.execution.JobExecutionStatusEvent;
import org.apache.flink.core.execution.JobStatusChangedListener;
import org.apache.flink.core.execution.JobStatusChangedListenerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts each job's restarts for HAKit's restart-loop alarm: {@code execution.job-status-changed-listeners:
 * io.hakit.flink.RestartLoopListenerFactory}. Every change of a job to {@link JobStatus#RESTARTING} is recorded on the
 * HAKit process of the cluster in this JVM (the leading one when there are several, as in a MiniCluster); more than
 * {@code high-availability.hakit.restart-loop.max-restarts} within the window raise RESTART_LOOP (45690) on its alarms
 * with the job id as the source and the cause in the detail, cleared after the quiet period (default: the window).
 *
 * <p>Flink calls the listener from the job's main thread; recording takes microseconds and never blocks.
 */
public class RestartLoopListenerFactory implements JobStatusChangedListenerFactory {

    private static final Logger LOG = LoggerFactory.getLogger(RestartLoopListenerFactory.class);

    /**
     * A factory; stateless. Flink creates the factory by the class name in
     * {@code execution.job-status-changed-listeners}.
     */
    public RestartLoopListenerFactory() {
    }

    @Override
    public JobStatusChangedListener createListener(Context context) {
        Configuration config = context.getConfiguration();
        String clusterId = HakitProcess.clusterId(config);
        return event -> {
            if (!(event instanceof JobExecutionStatusEvent)) {
                return;
            }
            JobExecutionStatusEvent e = (JobExecutionStatusEvent) event;
            if (e.newStatus() != JobStatus.RESTARTING) {
                return;
            }
            Throwable cause = e.exception();
            String detail = "job " + e.jobId() + " " + e.oldStatus() + " -> RESTARTING"
                    + (cause == null ? "" : ": " + cause);
            HakitProcess.forCluster(clusterId).ifPresentOrElse(
                    p -> p.recordRestart(e.jobId(), e.jobName(), detail),
                    () -> LOG.warn("HAKit: no HAKit process of cluster {} ({}) in this JVM to count the restart of "
                            + "job {}", clusterId, HighAvailabilityOptions.HA_CLUSTER_ID.key(), e.jobId()));
        };
    }
}
