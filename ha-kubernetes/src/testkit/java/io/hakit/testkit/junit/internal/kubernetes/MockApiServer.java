package io.hakit.kubernetes;

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
