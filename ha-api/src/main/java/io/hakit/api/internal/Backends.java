package io.hakit.api.internal;

import io.hakit.api.ConfigOption;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.InvalidConfigException;
import io.hakit.api.spi.HaBackendFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds backends with {@link ServiceLoader} and creates services on them. */
public final class Backends {

    /** Known backend types and the artifact that provides each. */
    private static final Map<String, String> ARTIFACTS = Map.of(
            "embedded", "io.hakit:ha-api",
            "zookeeper", "io.hakit:ha-zookeeper",
            "kubernetes", "io.hakit:ha-kubernetes",
            "etcd", "io.hakit:ha-etcd");

    private Backends() {
    }

    /** The factories on the class path, by type. */
    public static Map<String, HaBackendFactory> available() {
        Map<String, HaBackendFactory> found = new TreeMap<>();
        for (HaBackendFactory f : ServiceLoader.load(HaBackendFactory.class, Backends.class.getClassLoader())) {
            found.putIfAbsent(f.type(), f);
        }
        return found;
    }

    /**
     * Whether {@code key} lies in a backend's namespace, {@code high-availability.<type>.}, of a known type or of a
     * factory on the class path: the backend's options class checks it.
     */
    public static boolean ownsKey(String key) {
        String prefix = "high-availability.";
        int dot = key.indexOf('.', prefix.length());
        if (!key.startsWith(prefix) || dot < 0) {
            return false;
        }
        String type = key.substring(prefix.length(), dot);
        return ARTIFACTS.containsKey(type) || available().containsKey(type);
    }

    /** The keys of every backend on the class path, for "did you mean". */
    public static List<ConfigOption> options() {
        List<ConfigOption> all = new ArrayList<>();
        available().values().forEach(f -> all.addAll(f.options()));
        return all;
    }

    /** The factory for {@code config.type()}, or an error naming the field and the artifact to add. */
    public static HaBackendFactory factory(String type) {
        Map<String, HaBackendFactory> found = available();
        HaBackendFactory f = found.get(type);
        if (f != null) {
            return f;
        }
        String artifact = ARTIFACTS.get(type);
        if (artifact != null) {
            throw new InvalidConfigException(HaConfig.TYPE + "=" + type + ": no backend of that type is on the class "
                    + "path; add the Maven artifact " + artifact + " (available: " + found.keySet() + ")",
                    HaConfig.TYPE);
        }
        throw new InvalidConfigException(HaConfig.TYPE + "=" + type + ": unknown backend type (available: "
                + found.keySet() + "; known: " + new TreeMap<>(ARTIFACTS).keySet() + ")", HaConfig.TYPE);
    }

    /** Implements {@link HaServices#create(HaConfig)}. */
    public static HaServices createServices(HaConfig config) {
        HaBackendFactory f = factory(config.type());
        return new DefaultHaServices(config, events -> f.create(config, events));
    }
}
