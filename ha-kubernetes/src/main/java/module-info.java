/**
 * HAKit's Kubernetes backend ({@code high-availability.type: kubernetes}): Leases for elections, ConfigMaps for
 * state, on the fabric8 client. Its only API is {@link io.hakit.kubernetes.KubernetesOptions}; the backend is found
 * through {@link io.hakit.api.spi.HaBackendFactory}.
 */
module io.hakit.kubernetes {
    requires transitive io.hakit.api;
    requires org.slf4j;
    requires kubernetes.client.api;
    requires kubernetes.model.core;
    requires kubernetes.model.common;
    requires kubernetes.model.coordination;
    requires io.fabric8.kubernetes.client.jdkhttp;
    requires static com.google.errorprone.annotations;

    exports io.hakit.kubernetes;

    provides io.hakit.api.spi.HaBackendFactory with io.hakit.kubernetes.KubernetesBackendFactory;
}
