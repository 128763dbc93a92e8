package io.hakit.testkit.junit.internal.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.HashMap;

/** fabric8's KubernetesMockServer in CRUD mode, one per test class. */
public final class MockApiServer implements BeforeAllCallback, AfterAllCallback {

    private ApiServers server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = mock();
    }

    /**
     * Logs a warning unless HAKit's stand-in for the mock server's {@code WatchEventsListener} (in this source tree,
     * and in ha-testkit-junit's jar) is the one loaded: fabric8's own, first on the class path, stalls the whole mock
     * server for up to a minute when a client closes a watch while an event is being sent to it.
     */
    public static void warnIfTheStallingWatchListenerIsLoaded() {
        try {
            Class<?> listener = Class.forName("io.fabric8.kubernetes.client.server.mock.WatchEventsListener");
            listener.getDeclaredField("sender");
        } catch (ClassNotFoundException e) {
            // no mock server on the class path: whoever starts it finds out
        } catch (NoSuchFieldException e) {
            org.slf4j.LoggerFactory.getLogger(MockApiServer.class).warn("fabric8's own WatchEventsListener is loaded, "
                    + "not HAKit's stand-in: the mock server may stall for up to a minute when a process closes its "
                    + "watches. Put io.hakit:ha-testkit-junit before io.fabric8:kubernetes-server-mock among the test "
                    + "dependencies.");
        }
    }

    /** The mock server logs every request at INFO through java.util.logging. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8");

    /** fabric8's mock server in CRUD mode (kept out of {@link ApiServers}, which benchmarks load without it). */
    public static ApiServers mock() {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesMixedDispatcher(new HashMap<>()), false);
        server.init();
        Config config;
        try (KubernetesClient c = server.createClient()) {
            config = c.getConfiguration();
        }
        return new ApiServers() {
            @Override
            public Config adminConfig() {
                return config;
            }

            @Override
            public String describe() {
                return "fabric8 KubernetesMockServer (CRUD) at " + config.getMasterUrl();
            }

            @Override
            public boolean isMock() {
                return true;
            }

            @Override
            public void close() {
                server.destroy();
            }
        };
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
        }
    }

    public ApiServers get() {
        return server;
    }
}
