package io.hakit.testkit;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.embedded.EmbeddedHaBackend;

/** A {@link TestCluster} on a fresh {@link EmbeddedHaBackend}; {@link #backend()} is its control surface. */
public final class EmbeddedTestCluster implements TestCluster {

    private final EmbeddedHaBackend backend = EmbeddedHaBackend.create();

    /**
     * A cluster on a new embedded backend of its own, not registered under any cluster id: only the processes this
     * cluster connects use it.
     */
    public EmbeddedTestCluster() {
    }

    /**
     * The backend's control surface (grant, revoke, suspend, expire, failure modes), for tests that drive the
     * backend directly rather than through {@link TestCluster}'s methods.
     *
     * @return the embedded backend every process of this cluster is connected to
     */
    public EmbeddedHaBackend backend() {
        return backend;
    }

    @Override
    public boolean expireSession(HaServices process) {
        backend.expireSession(process.config().nodeId());
        return true;
    }

    /** The embedded backend has no network: the process's connection is suspended. */
    @Override
    public void partition(HaServices process) {
        backend.suspend(process.config().nodeId());
    }

    @Override
    public void heal(HaServices process) {
        backend.resume(process.config().nodeId());
    }

    @Override
    public void deleteElection() {
        backend.deleteElection();
    }

    @Override
    public void deleteEpochHistory() {
        backend.deleteEpochHistory();
    }

    @Override
    public HaServices newProcess(HaConfig.Builder config) {
        return backend.newServices(config.type("embedded").build());
    }
}
