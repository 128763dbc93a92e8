package io.hakit.kubernetes;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.HaBackendFactory;
import io.hakit.kubernetes.internal.KubernetesBackend;

import java.util.List;

/**
 * {@code high-availability.type=kubernetes}: HAKit on the Kubernetes API through fabric8's client (on the JDK's HTTP
 * client). See {@link KubernetesOptions} for the keys and {@link io.hakit.kubernetes} for the design and its safety
 * argument.
 */
public final class KubernetesBackendFactory implements HaBackendFactory {

    /**
     * Called by {@link java.util.ServiceLoader} when {@code high-availability.type} is {@code kubernetes}; there is
     * no need to call it directly. Stateless: each {@link #create} connects a backend of its own.
     */
    public KubernetesBackendFactory() {
    }

    @Override
    public String type() {
        return "kubernetes";
    }

    @Override
    public List<ConfigOption> options() {
        return KubernetesOptions.OPTIONS;
    }

    @Override
    public HaBackend create(HaConfig config, BackendEvents events) {
        KubernetesOptions options = KubernetesOptions.of(config);
        return KubernetesBackend.connect(config, options, KubernetesBackend.clientConfig(config, options), events);
    }
}
