package io.hakit.flink;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.hakit.api.HaConfig;
import io.hakit.flink.core.HakitFlinkOptions;
import io.hakit.flink.core.HakitProcess;
import io.hakit.kubernetes.KubernetesOptions;
import io.hakit.kubernetes.RealApiServer;
import io.hakit.kubernetes.internal.Naming;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failover of a real Flink JobManager on HAKit's Kubernetes backend, on a real kube-apiserver 1.20.2 + etcd (ha-kubernetes'
 * {@link RealApiServer}: the cluster of {@code $KUBECONFIG}, else the server built by {@code kube-apiserver.sh}; skipped
 * with the reason where it is not built, a failure in CI). Each test has a Kubernetes namespace of its own, named in
 * Flink's {@code kubernetes.namespace} together with {@code kubernetes.config.file}, so the cluster restarted by Flink
 * itself (factory loaded by class name) finds the same Lease and ConfigMaps. Each HAKit process of the first cluster
 * reaches the API server through a {@link FaultInjectingProxy} of its own (TLS passes through); the leader is cut off
 * until its renew deadline passes and the others' lease on it runs out (3 s / 2 s / 200 ms).
 */
class KubernetesFailoverTest extends FailoverTestBase {

    @RegisterExtension
    static final RealApiServer SERVER = new RealApiServer();

    private final Map<Integer, FaultInjectingProxy> proxies = new ConcurrentHashMap<>();
    @TempDir
    Path kubeconfigs;
    private String namespace;

    @AfterEach
    void closeProxies() {
        proxies.values().forEach(FaultInjectingProxy::close);
    }

    @Override
    protected Configuration config(Path storage) {
        namespace = SERVER.get().freshNamespace();
        Configuration c = TestProcesses.embeddedConfig(storage);
        c.setString(HakitFlinkOptions.BACKEND, "kubernetes");
        c.setString(KubernetesOptions.NAMESPACE, namespace);
        c.setString(KubernetesOptions.CONFIG_FILE, SERVER.get().kubeconfig().toString());
        c.setString(KubernetesOptions.LEASE_DURATION, "3 s");
        c.setString(KubernetesOptions.RENEW_DEADLINE, "2 s");
        c.setString(KubernetesOptions.RETRY_PERIOD, "200 ms");
        c.setString(HaConfig.OPERATION_TIMEOUT, "1 s");
        return c;
    }

    /** Every process of the first cluster through a proxy of its own: a kubeconfig naming the proxy as the server. */
    @Override
    protected void customize(int index, HaConfig.Builder b) {
        URI master = URI.create(SERVER.get().adminConfig().getMasterUrl());
        FaultInjectingProxy proxy = FaultInjectingProxy.start(new InetSocketAddress(master.getHost(),
                master.getPort()));
        proxies.put(index, proxy);
        try {
            String admin = Files.readString(SERVER.get().kubeconfig());
            String direct = "://" + master.getHost() + ":" + master.getPort();
            assertThat(admin).as("the kubeconfig names the server").contains(direct);
            Path file = kubeconfigs.resolve("process-" + index + ".kubeconfig");
            Files.writeString(file, admin.replace(direct, "://127.0.0.1:" + proxy.localAddress().getPort()));
            b.backendOption(KubernetesOptions.CONFIG_FILE, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void expireSession(int index, HakitProcess process) {
        proxies.get(index).fault(Fault.blackhole());
    }

    @Override
    protected void heal(int index) {
        proxies.get(index).fault(Fault.pass());
    }

    /** Not a ConfigMap or Lease of the cluster left in the test's namespace, nor any other object HAKit made there. */
    @Override
    protected void assertBackendHoldsNothing(Configuration config) {
        String clusterId = HakitProcess.clusterId(config);
        try (KubernetesClient admin = SERVER.get().adminClient()) {
            List<String> ofCluster = admin.configMaps().inNamespace(namespace)
                    .withLabel(Naming.LABEL_CLUSTER, Naming.clusterLabel(clusterId)).list().getItems().stream()
                    .map(cm -> cm.getMetadata().getName()).collect(Collectors.toList());
            assertThat(ofCluster).as("ConfigMaps of cluster %s", clusterId).isEmpty();
            List<String> byHakit = admin.configMaps().inNamespace(namespace)
                    .withLabel(Naming.LABEL_MANAGED_BY, "hakit").list().getItems().stream()
                    .map(ConfigMap::getMetadata).map(m -> m.getName()).collect(Collectors.toList());
            assertThat(byHakit).as("ConfigMaps HAKit made in %s", namespace).isEmpty();
            List<String> leases = admin.resources(Lease.class).inNamespace(namespace).list().getItems().stream()
                    .map(l -> l.getMetadata().getName()).collect(Collectors.toList());
            assertThat(leases).as("Leases in %s (the cluster's is %s)", namespace, Naming.leaseName(clusterId))
                    .isEmpty();
        }
    }
}
