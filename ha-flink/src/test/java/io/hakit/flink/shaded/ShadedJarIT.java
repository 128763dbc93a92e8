package io.hakit.flink.shaded;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.hakit.kubernetes.RealApiServer;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shaded {@code flink-lib} jar as Flink's lib/ sees it (built in the package phase; run by failsafe after it):
 * alone in a class loader with slf4j (Flink's lib/ has it), it lists its backends through {@link ServiceLoader}, keeps
 * every bundled client under {@code io.hakit.shaded}, and elects, publishes and writes on the Kubernetes backend
 * against the real kube-apiserver (through the relocated fabric8 client, Jackson 3 and SnakeYAML reading the
 * kubeconfig) and on the ZooKeeper backend against a ZooKeeper server.
 */
class ShadedJarIT {

    @RegisterExtension
    static final RealApiServer SERVER = new RealApiServer();

    /** Packages the jar bundles, each of which must appear only relocated. */
    private static final List<String> BUNDLED = List.of("io/fabric8/", "tools/jackson/", "com/fasterxml/jackson/",
            "org/snakeyaml/", "org/apache/curator/", "org/apache/zookeeper/", "org/apache/jute/", "io/netty/",
            "com/google/common/");

    private static Path jar;

    @TempDir
    Path dir;

    @BeforeAll
    static void findJar() throws IOException {
        Path target = Path.of("target");
        try (Stream<Path> s = Files.list(target)) {
            jar = s.filter(p -> p.getFileName().toString().matches("ha-flink-.*-flink-lib\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no ha-flink-*-flink-lib.jar in " + target.toAbsolutePath()));
        }
    }

    private URLClassLoader isolated() throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(jar.toUri().toURL());
        urls.add(org.slf4j.Logger.class.getProtectionDomain().getCodeSource().getLocation());
        urls.add(org.slf4j.simple.SimpleLogger.class.getProtectionDomain().getCodeSource().getLocation());
        urls.add(ShadedJarProbe.class.getProtectionDomain().getCodeSource().getLocation()); // test-classes
        return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
    }

    @SuppressWarnings("unchecked")
    private String probe(URLClassLoader loader, Map<String, String> config) throws Exception {
        Class<?> probe = loader.loadClass(ShadedJarProbe.class.getName());
        assertThat(probe.getClassLoader()).isSameAs(loader);
        return ((Function<Map<String, String>, String>) probe.getDeclaredConstructor().newInstance()).apply(config);
    }

    @Test
    void everyBundledClientIsRelocatedAndTheServiceFilesAreMerged() throws Exception {
        try (JarFile j = new JarFile(jar.toFile())) {
            List<String> unrelocated = j.stream().map(e -> e.getName())
                    .filter(n -> BUNDLED.stream().anyMatch(n::startsWith)).collect(Collectors.toList());
            assertThat(unrelocated).as("classes outside io/hakit/shaded").isEmpty();
        }
        try (URLClassLoader loader = isolated()) {
            Class<?> spi = loader.loadClass("io.hakit.api.spi.HaBackendFactory");
            List<String> types = new ArrayList<>();
            for (Object f : ServiceLoader.load(spi, loader)) {
                types.add((String) spi.getMethod("type").invoke(f));
            }
            assertThat(types).contains("zookeeper", "kubernetes", "embedded");
            assertThat(loader.loadClass("io.hakit.shaded.fabric8.kubernetes.client.KubernetesClient")).isNotNull();
            assertThatThrownBy(() -> loader.loadClass("io.fabric8.kubernetes.client.KubernetesClient"))
                    .isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void theKubernetesBackendRunsFromTheShadedJarOnARealApiServer() throws Exception {
        String namespace = SERVER.get().freshNamespace();
        String clusterId = "shaded-" + System.nanoTime() % 100_000;
        Map<String, String> config = Map.of("high-availability.type", "kubernetes",
                "high-availability.cluster-id", clusterId, "high-availability.storageDir", dir.toString(),
                "kubernetes.namespace", namespace,
                "kubernetes.config.file", SERVER.get().kubeconfig().toString());
        try (URLClassLoader loader = isolated()) {
            assertThat(probe(loader, config)).isEqualTo("kubernetes epoch=1 read=chk-1");
        }
        try (KubernetesClient admin = SERVER.get().adminClient()) {
            assertThat(admin.configMaps().inNamespace(namespace).withLabel("app.kubernetes.io/managed-by", "hakit")
                    .list().getItems()).as("ConfigMaps left").isEmpty();
            assertThat(admin.resources(Lease.class).inNamespace(namespace).list().getItems()).as("Leases left")
                    .isEmpty();
        }
    }

    @Test
    void theZooKeeperBackendRunsFromTheShadedJar() throws Exception {
        try (TestingServer zk = new TestingServer(); URLClassLoader loader = isolated()) {
            Map<String, String> config = Map.of("high-availability.type", "zookeeper",
                    "high-availability.cluster-id", "shaded", "high-availability.storageDir", dir.toString(),
                    "high-availability.zookeeper.quorum", zk.getConnectString());
            // a ZooKeeper leader's epoch is its latch node's czxid (a zxid), not a count of grants
            assertThat(probe(loader, config)).matches("zookeeper epoch=[1-9][0-9]* read=chk-1");
        }
    }
}
