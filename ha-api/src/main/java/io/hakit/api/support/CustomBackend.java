package io.hakit.api.support;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.internal.DefaultHaServices;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.HaBackend;

import java.util.function.Function;

/**
 * Starts {@link HaServices} over a backend the caller connects itself, instead of one found by
 * {@code high-availability.type}: for test clusters that wrap a backend (a fault proxy, a scripted driver) and for
 * tools that hold a backend already.
 */
public final class CustomBackend {

    private CustomBackend() {
    }

    /**
     * Starts the core services over the backend {@code connect} returns.
     *
     * @param config the validated configuration
     * @param connect called once, on the caller's thread, with the events sink the backend reports connection
     *     state to; returns the connected backend
     * @return the started services, which close the backend when closed
     */
    public static HaServices start(HaConfig config, Function<BackendEvents, HaBackend> connect) {
        return new DefaultHaServices(config, connect);
    }
}
