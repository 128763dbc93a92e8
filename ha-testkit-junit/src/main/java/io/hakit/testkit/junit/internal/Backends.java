package io.hakit.testkit.junit.internal;

import io.hakit.testkit.junit.Backend;
import io.hakit.testkit.junit.HaCluster;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesBackendServer;
import io.hakit.testkit.junit.internal.zookeeper.ZooKeeperBackendServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts a backend's servers, after checking that the artifacts it needs are on the class path: ha-testkit-junit
 * depends on ha-zookeeper, curator-test, ha-kubernetes and kubernetes-server-mock optionally, so that a user pulls
 * only the backend they test. The backend classes are touched only after the check passes.
 */
public final class Backends {

    /** The Lease timings of Kubernetes processes: a 3 s lease, 2 s renew deadline, 200 ms retries, 1 s requests. */
    static final KubernetesBackendServer.Timing KUBERNETES_TIMING = new KubernetesBackendServer.Timing(
            Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(200), Duration.ofSeconds(1));

    private Backends() {
    }

    /**
     * Starts the servers of {@code backend}.
     *
     * @throws IllegalStateException naming the Maven artifacts to add if the backend's classes are missing, or (for
     *     {@link HaCluster.ApiServer#REAL}) why no real API server can run here
     * @throws Exception if the servers do not start
     */
    public static BackendServer start(Backend backend, HaCluster.ApiServer apiServer, Duration sessionTimeout)
            throws Exception {
        switch (backend) {
            case EMBEDDED:
                return new EmbeddedServer();
            case ZOOKEEPER: {
                Map<String, String> needs = new LinkedHashMap<>();
                needs.put("io.hakit.zookeeper.ZooKeeperBackendFactory", "io.hakit:ha-zookeeper");
                needs.put("org.apache.curator.test.TestingCluster", "org.apache.curator:curator-test");
                require(backend, needs);
                return ZooKeeperBackendServer.start(sessionTimeout);
            }
            case KUBERNETES: {
                Map<String, String> needs = new LinkedHashMap<>();
                needs.put("io.hakit.kubernetes.internal.KubernetesBackend", "io.hakit:ha-kubernetes");
                require(backend, needs);
                String realUnavailable = apiServer == HaCluster.ApiServer.MOCK ? "the mock was asked for"
                        : KubernetesBackendServer.realUnavailableReason();
                if (realUnavailable == null) {
                    return KubernetesBackendServer.real(KUBERNETES_TIMING);
                }
                if (apiServer == HaCluster.ApiServer.REAL) {
                    throw new IllegalStateException("ApiServer.REAL: no real Kubernetes API server here: "
                            + realUnavailable);
                }
                Map<String, String> mock = new LinkedHashMap<>();
                mock.put("io.fabric8.kubernetes.client.server.mock.KubernetesMockServer",
                        "io.fabric8:kubernetes-server-mock");
                require(backend, mock, " (no real API server here: " + realUnavailable + ")");
                return KubernetesBackendServer.mock(KUBERNETES_TIMING);
            }
            default:
                throw new IllegalArgumentException("unknown backend " + backend);
        }
    }

    private static void require(Backend backend, Map<String, String> needs) {
        require(backend, needs, "");
    }

    /**
     * Checks that every class of {@code needs} (class name to the artifact that has it) can be loaded.
     *
     * @throws IllegalStateException naming each missing artifact as a Maven dependency to add
     */
    static void require(Backend backend, Map<String, String> needs, String why) {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, String> e : needs.entrySet()) {
            try {
                Class.forName(e.getKey(), false, Backends.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError ex) {
                missing.add(e.getValue());
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("an HaCluster on ").append(backend).append(" needs ")
                .append(String.join(" and ", missing)).append(" on the test class path").append(why)
                .append("; add to the pom:");
        for (String artifact : missing) {
            String[] ga = artifact.split(":");
            sb.append("\n  <dependency><groupId>").append(ga[0]).append("</groupId><artifactId>").append(ga[1])
                    .append("</artifactId><scope>test</scope></dependency>");
        }
        sb.append("\n(io.hakit artifacts take their version from io.hakit:ha-bom)");
        throw new IllegalStateException(sb.toString());
    }
}
