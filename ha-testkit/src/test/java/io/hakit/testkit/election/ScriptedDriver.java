package io.hakit.testkit.election;

import io.hakit.api.LeaderInformation;
import io.hakit.api.spi.ElectionDriver;

/** The election driver of a {@link ScriptedBackend}: leads when the test grants. */
final class ScriptedDriver implements ElectionDriver {
    final Listener listener;
    volatile boolean closed;
    volatile boolean leading;

    ScriptedDriver(Listener listener) {
        this.listener = listener;
    }

    @Override
    public boolean hasLeadership() {
        return leading && !closed;
    }

    @Override
    public void publishLeaderInformation(long epoch, String componentId, LeaderInformation info) {
    }

    @Override
    public void deleteLeaderInformation(long epoch, String componentId) {
    }

    @Override
    public void close() {
        closed = true;
    }
}
