package io.hakit.testkit.election;

import io.hakit.api.StoreEvent;
import io.hakit.api.Subscription;
import io.hakit.api.Versioned;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.ElectionDriver;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.RetrievalDriver;
import io.hakit.api.spi.StoreDriver;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** A backend whose election is driven by the test; its store accepts whatever reaches it. */
final class ScriptedBackend implements HaBackend {
    private final Optional<Duration> bound;
    volatile BackendEvents events;
    private ScriptedDriver driver;

    ScriptedBackend(Optional<Duration> bound) {
        this.bound = bound;
    }

    synchronized void grant(long epoch) {
        if (driver != null && !driver.closed) {
            driver.leading = true;
            driver.listener.onGrantLeadership(epoch);
        }
    }

    synchronized void revoke() {
        if (driver != null && !driver.closed && driver.leading) {
            driver.leading = false;
            driver.listener.onRevokeLeadership();
        }
    }

    @Override
    public synchronized ElectionDriver startElection(ElectionDriver.Listener listener) {
        driver = new ScriptedDriver(listener);
        return driver;
    }

    @Override
    public RetrievalDriver startRetrieval(RetrievalDriver.Listener listener) {
        return () -> { };
    }

    @Override
    public StoreDriver store(String namespace) {
        return new StoreDriver() {
            @Override
            public Optional<Versioned> get(String key) {
                return Optional.empty();
            }

            @Override
            public List<Versioned> list(String prefix) {
                return List.of();
            }

            @Override
            public long put(String key, byte[] record, long expectedVersion, long fenceEpoch) {
                return 0;
            }

            @Override
            public boolean delete(String key, long expectedVersion, long fenceEpoch) {
                return false;
            }

            @Override
            public Subscription watch(String prefix, Consumer<StoreEvent> listener) {
                return () -> { };
            }
        };
    }

    @Override
    public int inlineLimit() {
        return 1 << 20;
    }

    @Override
    public Optional<Duration> sessionLeaseAfterSuspend() {
        return bound;
    }

    @Override
    public void close() {
    }
}
