package io.hakit.flink;

import io.hakit.flink.core.HakitFlinkOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * This module's factory, loaded by Flink that reports another minor version, refuses to start by name: the message
 * names the version it is built for, the running one and the artifact to use instead. The Flink here is this module's
 * own, in a class loader of its own whose {@code .flink-runtime.version.properties} (what Flink's
 * {@code EnvironmentInformation} reads its version from) says otherwise; with its own minor the same factory starts.
 */
class WrongFlinkMinorTest {

    @TempDir
    Path dir;

    @Test
    void theFactoryRefusesAnotherFlinkMinorAtStartNamingBothAndTheArtifactToUse() throws Exception {
        String other = FlinkLine.MINOR.equals("2.3") ? "1.20.5" : "2.3.0";
        for (String method : List.of("createHAServices", "createClientHAServices")) {
            Throwable refused = startFactory(other, method);
            assertThat(refused).as(method).isNotNull();
            assertThat(refused.getClass().getName()).isEqualTo(IllegalConfigurationException.class.getName());
            assertThat(refused).hasMessageContaining(FlinkLine.FACTORY.getName())
                    .hasMessageContaining("built for Flink " + FlinkLine.MINOR + ".x, but this is Flink " + other)
                    .hasMessageContaining("io.hakit:ha-flink for Flink 2.3 (high-availability.type: "
                            + "io.hakit.flink.HakitHaServicesFactory)")
                    .hasMessageContaining("io.hakit:ha-flink-1.20 for Flink 1.20 (high-availability.type: "
                            + "io.hakit.flink.v1_20.HakitHaServicesFactory)");
        }
    }

    @Test
    void theSameFactoryStartsOnTheMinorItIsBuiltFor() throws Exception {
        assertThat(startFactory(FlinkLine.MINOR + ".99", "createClientHAServices")).isNull();
    }

    /** Starts the factory in a class loader whose Flink reports {@code flinkVersion}; what it threw, or null. */
    private Throwable startFactory(String flinkVersion, String method) throws Exception {
        Path versionDir = Files.createTempDirectory(dir, "flink-" + flinkVersion);
        Files.writeString(versionDir.resolve(".flink-runtime.version.properties"),
                "project.version=" + flinkVersion + "\n");
        List<URL> urls = new ArrayList<>();
        urls.add(versionDir.toUri().toURL());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(Paths.get(entry).toUri().toURL());
        }
        Map<String, String> config = Map.of(HighAvailabilityOptions.HA_MODE.key(), FlinkLine.FACTORY.getName(),
                HakitFlinkOptions.BACKEND, "embedded",
                HighAvailabilityOptions.HA_CLUSTER_ID.key(), "wrong-minor-" + System.nanoTime(),
                HighAvailabilityOptions.HA_STORAGE_PATH.key(), dir.toUri().toString());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader flink = new URLClassLoader(urls.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(flink); // HAKit finds its backends with the ServiceLoader
            Class<?> configClass = flink.loadClass(Configuration.class.getName());
            Object flinkConfig = configClass.getMethod("fromMap", Map.class).invoke(null, config);
            Object factory = flink.loadClass(FlinkLine.FACTORY.getName()).getConstructor().newInstance();
            Method create = method.equals("createHAServices")
                    ? factory.getClass().getMethod(method, configClass, Executor.class)
                    : factory.getClass().getMethod(method, configClass);
            Object services;
            try {
                services = method.equals("createHAServices")
                        ? create.invoke(factory, flinkConfig, (Executor) Runnable::run)
                        : create.invoke(factory, flinkConfig);
            } catch (InvocationTargetException e) {
                return e.getCause();
            }
            ((AutoCloseable) services).close();
            return null;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
