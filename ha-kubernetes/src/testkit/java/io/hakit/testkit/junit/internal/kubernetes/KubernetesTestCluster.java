package io.hakit.testkit.junit.internal.kubernetes;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.support.CustomBackend;
import io.hakit.kubernetes.KubernetesOptions;
import io.hakit.kubernetes.internal.KubernetesBackend;
import io.hakit.kubernetes.internal.Naming;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link TestCluster} on one API server: each test gets its own cluster id and (on a real server) its own
 * Kubernetes namespace; each process its own client. A {@linkplain #proxied proxied} cluster connects every process
 * through a {@link FaultInjectingProxy} of its own (TLS passes through), so a test can cut one process off.
 */
public final class KubernetesTestCluster implements TestCluster {

    private static final AtomicInteger IDS = new AtomicInteger();

    private final ApiServers server;
    private final String namespace;
    private final String clusterId = "c" + IDS.incrementAndGet() + "-" + System.nanoTime() % 100_000;
    private final boolean proxied;
    private final Map<String, KubernetesBackend> backends = new ConcurrentHashMap<>();
    private final Map<String, FaultInjectingProxy> proxies = new ConcurrentHashMap<>();

    private final Config processConfig;

    private KubernetesTestCluster(ApiServers server, boolean proxied) {
        this.server = server;
        this.namespace = server.freshNamespace();
        this.proxied = proxied;
        this.processConfig = server.isMock() ? server.adminConfig() : Rbac.bindTestUser(server, namespace);
    }

    public static KubernetesTestCluster on(ApiServers server) {
        return new KubernetesTestCluster(server, false);
    }

    public static KubernetesTestCluster proxied(ApiServers server) {
        return new KubernetesTestCluster(server, true);
    }

    /** Adds the backend type, cluster id and namespace to a process's configuration. */
    public HaConfig.Builder configure(HaConfig.Builder b) {
        return b.type("kubernetes").clusterId(clusterId).backendOption(KubernetesOptions.NAMESPACE, namespace);
    }

    @Override
    public HaServices newProcess(HaConfig.Builder config) {
        HaConfig c = configure(config).build();
        Config client = processConfig;
        if (proxied) {
            URI master = URI.create(client.getMasterUrl());
            FaultInjectingProxy proxy = FaultInjectingProxy.start(new InetSocketAddress(master.getHost(),
                    master.getPort()));
            proxies.put(c.nodeId(), proxy);
            client = new ConfigBuilder(client).withMasterUrl(master.getScheme() + "://127.0.0.1:"
                    + proxy.localAddress().getPort() + "/").build();
        }
        Config tuned = KubernetesBackend.tune(client, c);
        KubernetesOptions options = KubernetesOptions.of(c);
        return CustomBackend.start(c, events -> {
            KubernetesBackend b = KubernetesBackend.connect(c, options, tuned, events);
            backends.put(c.nodeId(), b);
            return b;
        });
    }

    /** The backend of a process of this cluster. */
    public KubernetesBackend backend(HaServices process) {
        KubernetesBackend b = backends.get(process.config().nodeId());
        if (b == null) {
            throw new IllegalArgumentException("no process " + process.config().nodeId());
        }
        return b;
    }

    /**
     * Ends the process's hold on the Lease as an expired lease would: an administrator overwrites the holder with a
     * stranger whose one-second lease runs out unrenewed. The process's next renewal conflicts and it steps down; the
     * others take over after a second of their own time.
     */
    @Override
    public boolean expireSession(HaServices process) {
        String name = Naming.leaseName(clusterId);
        // fail fast (no retries, 2 s) when the API server is down, as a fault campaign may find it
        Config fast = new ConfigBuilder(server.adminConfig()).withRequestRetryBackoffLimit(0).withRequestTimeout(2000)
                .withConnectionTimeout(2000).build();
        try (KubernetesClient admin = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(fast)
                .withHttpClientFactory(new io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory()).build()) {
            for (int attempt = 0; ; attempt++) {
                Lease l = admin.resources(Lease.class).inNamespace(namespace).withName(name).get();
                Lease stolen = new LeaseBuilder(l).editSpec().withHolderIdentity("expired-by-test")
                        .withLeaseDurationSeconds(1).endSpec().build();
                try {
                    admin.resources(Lease.class).inNamespace(namespace).resource(stolen).update();
                    return true;
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                    if (e.getCode() != 409 || attempt == 20) {
                        throw e;
                    }
                    // a renewal came between the read and the update: read again
                }
            }
        }
    }

    /**
     * Deletes the Lease, as an operator might. The holder's next renewal finds it gone and steps down; the next
     * acquirer creates it again, its epoch re-seeded above the highest fence in the cluster's ConfigMaps (the leader
     * information ConfigMap is sealed with every epoch), so epochs keep increasing.
     */
    @Override
    public void deleteElection() {
        admin(admin -> admin.resources(Lease.class).inNamespace(namespace).withName(Naming.leaseName(clusterId))
                .delete());
    }

    /**
     * Deletes the Lease and the leader information ConfigMap (which is sealed with every epoch): what the cluster
     * keeps of past epochs outside the store's own ConfigMaps. The next epoch is re-seeded above the fences the
     * store's ConfigMaps still hold.
     */
    @Override
    public void deleteEpochHistory() {
        admin(admin -> {
            admin.resources(Lease.class).inNamespace(namespace).withName(Naming.leaseName(clusterId)).delete();
            admin.configMaps().inNamespace(namespace).withName(Naming.leadersName(clusterId)).delete();
        });
    }

    private void admin(java.util.function.Consumer<KubernetesClient> action) {
        try (KubernetesClient admin = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(server.adminConfig())
                .withHttpClientFactory(new io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory()).build()) {
            action.accept(admin);
        }
    }

    public FaultInjectingProxy proxy(HaServices process) {
        FaultInjectingProxy p = proxies.get(process.config().nodeId());
        if (p == null) {
            throw new IllegalArgumentException("no proxy for " + process.config().nodeId());
        }
        return p;
    }

    /** Cuts the process off from the API server (its proxy blackholes both directions). */
    @Override
    public void partition(HaServices process) {
        proxy(process).fault(Fault.blackhole());
    }

    @Override
    public void heal(HaServices process) {
        proxy(process).fault(Fault.pass());
    }

    /** Ends every proxy fault. */
    public void healAll() {
        proxies.values().forEach(p -> p.fault(Fault.pass()));
    }

    public String clusterId() {
        return clusterId;
    }

    public String namespace() {
        return namespace;
    }

    public ApiServers server() {
        return server;
    }

    @Override
    public void close() {
        proxies.values().forEach(FaultInjectingProxy::close);
        proxies.clear();
    }
}
