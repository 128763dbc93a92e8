package io.hakit.api.spi;

import io.hakit.api.HaConfig;

/**
 * Creates a backend for one {@code high-availability.type}. Registered with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/io.hakit.api.spi.HaBackendFactory} entry, or {@code provides} in a module-info).
 */
public interface HaBackendFactory {

    /**
     * The {@code high-availability.type} value this factory serves, lower case (for example "zookeeper").
     *
     * @return the backend type this factory serves
     */
    String type();

    /**
     * Connects a process to the backend. Must validate the backend options it reads and throw
     * {@link io.hakit.api.InvalidConfigException} naming the key, changing nothing, on a bad one.
     *
     * @param config the validated configuration
     * @param events where the backend reports connection state changes; the core service applies the policy
     * @return the connected backend
     * @throws io.hakit.api.InvalidConfigException if a backend option is invalid
     */
    HaBackend create(HaConfig config, BackendEvents events);
}
