package io.hakit.testkit.junit.internal;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.testkit.TestCluster;

/**
 * A {@link ClusterControl} on one of the {@link TestCluster}s the backends' own tests run on: processes, session
 * expiry and partitions go to it; the subclass moves leadership.
 */
public abstract class TestClusterControl implements ClusterControl {

    private final TestCluster cluster;

    /** A control of {@code cluster}, which it closes. */
    protected TestClusterControl(TestCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public HaServices connect(HaConfig.Builder config) {
        return cluster.newProcess(config);
    }

    @Override
    public void expireSession(HaServices process) {
        if (!cluster.expireSession(process)) {
            throw new UnsupportedOperationException("this backend's test cluster cannot expire a session");
        }
    }

    @Override
    public void partition(HaServices process) {
        cluster.partition(process);
    }

    @Override
    public void heal(HaServices process) {
        cluster.heal(process);
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + cluster + " failed", e);
        }
    }
}
