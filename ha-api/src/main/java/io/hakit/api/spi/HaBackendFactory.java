package io.hakit.api.spi;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;

import java.util.List;

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
     * The keys this backend reads, under its namespace {@code high-availability.<type>.} (and any others it reads):
     * what {@link HaConfig#fromMap} names as the nearest valid key when it refuses an unknown one. The backend itself
     * refuses an unknown key of its namespace in {@link #create}.
     *
     * @return the backend's keys; default none
     */
    default List<ConfigOption> options() {
        return List.of();
    }

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
