package io.hakit.kubernetes;

import io.hakit.testkit.junit.internal.kubernetes.ApiServers;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * The real API server of the test classes that register it ({@code @RegisterExtension static final RealApiServer
 * SERVER = ...}): the cluster of {@code $KUBECONFIG}, or kube-apiserver 1.20.2 + etcd started by the first such class
 * and shared by the others in the JVM (each test works in a fresh namespace; a test that kills the server starts it
 * again), stopped when the JVM ends. Starting one per class cost about 10 s a class. When
 * the binaries are absent (not built on this machine) the class is reported as skipped with the reason and the
 * command that builds them; .ci/run builds them, so CI never skips.
 */
public final class RealApiServer implements BeforeAllCallback, AfterAllCallback {

    private static ApiServers shared;
    private ApiServers server;

    private static synchronized ApiServers shared() throws Exception {
        if (shared == null) {
            ApiServers s = ApiServers.real();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    s.close();
                } catch (Exception e) {
                    System.err.println("stopping the shared API server failed: " + e);
                }
            }, "stop-shared-apiserver"));
            shared = s;
        }
        return shared;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String reason = ApiServers.unavailableReason();
        if (reason != null) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI must run the real-apiserver tests, but " + reason);
            }
            throw new TestAbortedException("SKIPPED (no real API server): " + reason);
        }
        server = shared();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server = null; // the server stays up for the next class; the JVM's end stops it
    }

    public ApiServers get() {
        if (server == null) {
            throw new IllegalStateException("the real API server is not running");
        }
        return server;
    }
}
