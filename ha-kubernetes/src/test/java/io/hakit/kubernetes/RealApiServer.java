package io.hakit.kubernetes;

import io.hakit.testkit.junit.internal.kubernetes.ApiServers;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * One real API server per test class ({@code @RegisterExtension static final RealApiServer SERVER = ...}): the
 * cluster of {@code $KUBECONFIG}, or kube-apiserver 1.20.2 + etcd started for the class and stopped after it. When
 * the binaries are absent (not built on this machine) the class is reported as skipped with the reason and the
 * command that builds them; .ci/run builds them, so CI never skips.
 */
public final class RealApiServer implements BeforeAllCallback, AfterAllCallback {

    private ApiServers server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String reason = ApiServers.unavailableReason();
        if (reason != null) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI must run the real-apiserver tests, but " + reason);
            }
            throw new TestAbortedException("SKIPPED (no real API server): " + reason);
        }
        server = ApiServers.real();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    public ApiServers get() {
        if (server == null) {
            throw new IllegalStateException("the real API server is not running");
        }
        return server;
    }
}
