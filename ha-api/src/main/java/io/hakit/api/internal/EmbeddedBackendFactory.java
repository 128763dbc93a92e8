package io.hakit.api.internal;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.HaBackendFactory;

import java.util.List;

/** {@code high-availability.type=embedded}: the JVM-wide embedded backend of the configured cluster id. */
public final class EmbeddedBackendFactory implements HaBackendFactory {

    @Override
    public String type() {
        return "embedded";
    }

    @Override
    public List<ConfigOption> options() {
        return EmbeddedHaBackend.OPTIONS;
    }

    @Override
    public HaBackend create(HaConfig config, BackendEvents events) {
        return EmbeddedHaBackend.forCluster(config.clusterId()).connect(config, events);
    }
}
