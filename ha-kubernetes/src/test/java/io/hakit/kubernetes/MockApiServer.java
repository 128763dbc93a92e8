package io.hakit.kubernetes;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** fabric8's KubernetesMockServer in CRUD mode, one per test class. */
public final class MockApiServer implements BeforeAllCallback, AfterAllCallback {

    private ApiServers server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = ApiServers.mock();
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
