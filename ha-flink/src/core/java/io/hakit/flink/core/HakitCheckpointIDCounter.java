package io.hakit.flink.core;

import io.hakit.api.Counter;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.checkpoint.CheckpointIDCounter;
import org.apache.flink.util.FlinkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Flink's {@link CheckpointIDCounter} on a HAKit {@link Counter}: strictly increasing ids shared by every JobManager,
 * each increment fenced with the leadership the counter was created under (a deposed JobManager gets no id). The
 * counter is deleted when the job reaches a globally terminal state and kept when it is suspended.
 *
 * <p>Thread-safe.
 */
final class HakitCheckpointIDCounter implements CheckpointIDCounter {

    private static final Logger LOG = LoggerFactory.getLogger(HakitCheckpointIDCounter.class);

    private final Counter counter;
    private final LeaderSession session;
    private final JobID jobId;

    HakitCheckpointIDCounter(Counter counter, Optional<LeaderSession> session, JobID jobId) {
        this.counter = counter;
        this.session = session.orElse(null);
        this.jobId = jobId;
    }

    @Override
    public void start() {
    }

    @Override
    public CompletableFuture<Void> shutdown(JobStatus jobStatus) {
        if (!jobStatus.isGloballyTerminalState()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            counter.delete(checkSession("delete"));
            LOG.info("HAKit: deleted the checkpoint id counter of job {} ({})", jobId, jobStatus);
            return CompletableFuture.completedFuture(null);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public long getAndIncrement() throws Exception {
        try {
            return counter.getAndIncrement(checkSession("increment"));
        } catch (LeadershipLostException e) {
            throw refused("increment", e);
        }
    }

    @Override
    public long get() {
        return counter.get();
    }

    @Override
    public void setCount(long newId) throws Exception {
        try {
            counter.set(checkSession("set"), newId);
        } catch (LeadershipLostException e) {
            throw refused("set", e);
        }
    }

    private LeaderSession checkSession(String what) throws FlinkException {
        if (session == null) {
            throw new FlinkException(what + " of the checkpoint id counter of job " + jobId + " refused: it was "
                    + "created while its JobManager did not lead", new LeadershipLostException("no leadership"));
        }
        return session;
    }

    private FlinkException refused(String what, LeadershipLostException e) {
        return new FlinkException(what + " of the checkpoint id counter of job " + jobId + " refused: the leadership "
                + "at epoch " + session.epoch() + " it was created under is gone", e);
    }

    @Override
    public String toString() {
        return "HakitCheckpointIDCounter{" + counter.name() + "}";
    }
}
