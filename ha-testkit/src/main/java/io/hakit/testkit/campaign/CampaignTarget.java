package io.hakit.testkit.campaign;

import io.hakit.testkit.TestCluster;

import java.time.Duration;
import java.util.List;

/**
 * What a backend gives a {@link FaultCampaign}: processes to connect (as a {@link TestCluster}), the faults it can
 * inject, and a way to undo them all.
 *
 * <p>A target is used by one campaign at a time. The campaign connects its processes with
 * {@link #newProcess(io.hakit.api.HaConfig.Builder)}, applies {@linkplain #faults() fault actions} from its own
 * thread, and calls {@link #heal()} once after the last step; it never calls {@link #close()}: whoever made the target
 * closes it, so one target (one set of servers) can serve several campaigns in a row, each healed before the next.
 */
public interface CampaignTarget extends TestCluster {

    /**
     * The backend's fault actions, for example killing and restarting a server, partitioning a process from the
     * backend, or expiring a session. The campaign adds its own backend-independent actions (see
     * {@link FaultCampaign}). Called once per campaign, after its processes are connected.
     *
     * @return the actions, each with a distinct {@linkplain FaultAction#name() name}; empty if the backend injects
     *     none of its own
     */
    List<FaultAction> faults();

    /**
     * Undoes every fault this target injected: restarts stopped servers, heals partitions, drops pending timed faults,
     * so that every process can reach the backend again. Called once after the last step, from the campaign's thread;
     * it must be idempotent and return within {@link #recoveryTimeout()}.
     *
     * @throws Exception if the backend cannot be brought back; the campaign reports it as a failure
     */
    void heal() throws Exception;

    /**
     * How long after {@link #heal()} the campaign waits for a leader that holds the highest epoch and whose fenced
     * writes are accepted. For a session-based backend this must cover the session timeout (a process partitioned at
     * the end has to see its session expire and reconnect) plus the backend's own recovery. Default 30 s.
     *
     * @return the time a healed backend needs to have a writing leader again
     */
    default Duration recoveryTimeout() {
        return Duration.ofSeconds(30);
    }
}
