package io.hakit.testkit.junit.internal;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.testkit.EmbeddedTestCluster;

import java.time.Duration;
import java.util.List;

/** The embedded backend: no server; each test gets a fresh {@link EmbeddedTestCluster}. */
public final class EmbeddedServer implements BackendServer {

    @Override
    public String describe() {
        return "the embedded backend";
    }

    @Override
    public ClusterControl newCluster() {
        return new Control(new EmbeddedTestCluster());
    }

    /** The backend's notifier, which ends a second after it falls idle. */
    @Override
    public boolean outlivesProcesses(Thread thread) {
        return thread.getName().startsWith("hakit-embedded-");
    }

    @Override
    public void close() {
    }

    /** One test's embedded cluster; leadership moves through the backend's control surface. */
    private static final class Control extends TestClusterControl {
        private final EmbeddedHaBackend backend;

        Control(EmbeddedTestCluster cluster) {
            super(cluster);
            this.backend = cluster.backend();
        }

        @Override
        public HaConfig.Builder configure(HaConfig.Builder config) {
            return config.type("embedded");
        }

        @Override
        public void awaitContending(HaServices process, Duration bound) {
            String node = process.config().nodeId();
            Waits.require(bound, node + " contending", () -> backend.contenders().contains(node),
                    () -> "contenders: " + backend.contenders());
        }

        @Override
        public void grant(HaServices process, Recording leaders, Duration bound) {
            backend.grantLeadership(process.config().nodeId());
        }

        @Override
        public void revokeSole(HaServices process, Recording leaders, Duration bound) {
            if (backend.leader().filter(process.config().nodeId()::equals).isPresent()) {
                backend.revokeLeadership();
            }
        }

        @Override
        public void healAll() {
            backend.nodes().forEach(backend::resume);
        }

        @Override
        public List<String> leaks(Duration bound) {
            Waits.until(bound, () -> backend.nodes().isEmpty());
            return backend.nodes().stream().map(n -> "process " + n + " is still connected to the embedded backend")
                    .toList();
        }
    }
}
