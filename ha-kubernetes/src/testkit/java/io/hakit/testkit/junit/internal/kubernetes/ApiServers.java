package io.hakit.testkit.junit.internal.kubernetes;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API servers the tests run against: fabric8's KubernetesMockServer in CRUD mode ({@link MockApiServer}), a
 * real kube-apiserver 1.20.2 with etcd started by {@code kube-apiserver.sh} (the script ha-kubernetes keeps in
 * {@code src/test/k8s}, which ha-testkit-junit also carries as a resource), or the real cluster of {@code $KUBECONFIG}.
 *
 * <p>The source lives in ha-kubernetes's {@code src/testkit}: ha-kubernetes's tests compile it, and so does
 * ha-testkit-junit, which ships it (ha-testkit-junit depends on ha-kubernetes, so the harness cannot live in a jar
 * ha-kubernetes depends on).
 */
public abstract class ApiServers implements AutoCloseable {

    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    /** The client configuration of an administrator of this server. */
    public abstract Config adminConfig();

    /** Whether this is the mock server (no RBAC there). */
    public boolean isMock() {
        return false;
    }

    /** What this server is, for messages. */
    public abstract String describe();

    /** A client of an administrator (the caller closes it). */
    public KubernetesClient adminClient() {
        return new KubernetesClientBuilder().withConfig(adminConfig()).withHttpClientFactory(new JdkHttpClientFactory())
                .build();
    }

    /** A fresh Kubernetes namespace for one test (on the mock server any name works). */
    public String freshNamespace() {
        String ns = "hakit-t" + ProcessHandle.current().pid() + "-" + NAMESPACES.incrementAndGet();
        try (KubernetesClient c = adminClient()) {
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .createOr(existing -> existing.update());
        }
        return ns;
    }

    // ------------------------------------------------------------------ a real API server

    /** The system property naming the script that builds and starts the real API server (else it is looked for). */
    public static final String SCRIPT_PROPERTY = "hakit.kube-apiserver.script";

    /** The script as a class path resource, next to this class (ha-testkit-junit carries it). */
    private static final String SCRIPT_RESOURCE = "kube-apiserver.sh";

    private static Path extractedScript;

    /**
     * The script that builds and starts the real API server: the file {@code -D}{@value #SCRIPT_PROPERTY} names, else
     * ha-kubernetes's {@code src/test/k8s/kube-apiserver.sh} found from the working directory, else the copy on the
     * class path (written to a temporary file once).
     */
    public static synchronized Path script() {
        String named = System.getProperty(SCRIPT_PROPERTY);
        if (named != null && !named.isBlank()) {
            Path p = Paths.get(named);
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("-D" + SCRIPT_PROPERTY + "=" + named + " is not a file");
            }
            return p.toAbsolutePath();
        }
        for (Path p : new Path[] {Paths.get("src/test/k8s/kube-apiserver.sh"),
                Paths.get("ha-kubernetes/src/test/k8s/kube-apiserver.sh"),
                Paths.get("../ha-kubernetes/src/test/k8s/kube-apiserver.sh")}) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        if (extractedScript == null) {
            try (java.io.InputStream in = ApiServers.class.getResourceAsStream(SCRIPT_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("kube-apiserver.sh not found from " + Paths.get("")
                            .toAbsolutePath() + " nor on the class path; name it with -D" + SCRIPT_PROPERTY);
                }
                Path copy = Files.createTempFile("hakit-kube-apiserver", ".sh");
                copy.toFile().deleteOnExit();
                Files.write(copy, in.readAllBytes());
                extractedScript = copy;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("could not copy kube-apiserver.sh out of the class path", e);
            }
        }
        return extractedScript;
    }

    /**
     * Why a real API server cannot run here, or null if it can: the binary must be built ({@code kube-apiserver.sh
     * build}, which .ci/run does) and etcd installed. Not consulted when {@code KUBECONFIG} names a cluster.
     */
    public static String unavailableReason() {
        if (System.getenv("KUBECONFIG") != null) {
            return null;
        }
        try {
            Process p = new ProcessBuilder("bash", script().toString(), "path").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "kube-apiserver 1.20.2 is not built: run 'bash " + script() + " build' (as root; .ci/run does)";
            }
            Process e = new ProcessBuilder("bash", "-c", "command -v etcd").redirectErrorStream(true).start();
            e.getInputStream().readAllBytes();
            if (!e.waitFor(30, TimeUnit.SECONDS) || e.exitValue() != 0) {
                return "etcd is not installed (apt-get install etcd-server; kube-apiserver.sh build does)";
            }
            return null;
        } catch (IOException | InterruptedException ex) {
            return "cannot run kube-apiserver.sh: " + ex;
        }
    }

    /**
     * A real API server: the cluster of {@code $KUBECONFIG} if set, else kube-apiserver 1.20.2 + etcd started on
     * loopback in a temporary directory (about 4 s), stopped by {@link #close()}.
     */
    public static ApiServers real() throws IOException, InterruptedException {
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig != null) {
            Config config = Config.fromKubeconfig(null, Paths.get(kubeconfig).toFile());
            return new ApiServers() {
                @Override
                public Config adminConfig() {
                    return config;
                }

                @Override
                public String describe() {
                    return "the cluster of KUBECONFIG=" + kubeconfig + " (" + config.getMasterUrl() + ")";
                }

                @Override
                public Path kubeconfig() {
                    return Paths.get(kubeconfig);
                }

                @Override
                public void close() {
                }
            };
        }
        // etcd's data on tmpfs when there is one: its fsyncs then cost nothing, and the tests measure HAKit, not the disk
        Path shm = Paths.get("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "hakit-apiserver")
                : Files.createTempDirectory("hakit-apiserver");
        Path script = script();
        Process p = new ProcessBuilder("bash", script.toString(), "start", dir.toString())
                .redirectOutput(dir.resolve("start.out").toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            stop(script, dir);
            throw new IllegalStateException("kube-apiserver.sh start did not finish within 90 s");
        }
        if (p.exitValue() != 0) {
            stop(script, dir);
            throw new IllegalStateException("kube-apiserver.sh start failed: "
                    + Files.readString(dir.resolve("start.out")));
        }
        Config config = Config.fromKubeconfig(null, dir.resolve("kubeconfig").toFile());
        return new ApiServers() {
            @Override
            public Config adminConfig() {
                return config;
            }

            @Override
            public String describe() {
                return "kube-apiserver 1.20.2 + etcd at " + config.getMasterUrl() + " (" + dir + ")";
            }

            @Override
            public void close() throws IOException, InterruptedException {
                stop(script, dir);
                run("rm -rf '" + dir + "'");
            }

            /** Kills the apiserver process only (etcd keeps the data) and starts it again with the same arguments. */
            @Override
            public void restartApiServer() throws IOException, InterruptedException {
                killApiServer();
                startApiServerAgain();
            }

            private List<String> argv;

            @Override
            public void killApiServer() throws IOException, InterruptedException {
                long pid = Long.parseLong(Files.readString(dir.resolve("apiserver.pid")).trim());
                byte[] raw = Files.readAllBytes(Paths.get("/proc/" + pid + "/cmdline"));
                argv = new ArrayList<>(Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\u0000")));
                ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
                h.destroyForcibly();
                try {
                    h.onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("apiserver " + pid + " did not exit", e);
                }
            }

            @Override
            public void startApiServerAgain() throws IOException, InterruptedException {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("apiserver.log").toFile()))
                        .start();
                Files.writeString(dir.resolve("apiserver.pid"), Long.toString(p.pid()));
            }

            @Override
            public Path dir() {
                return dir;
            }

            @Override
            public Path kubeconfig() {
                return dir.resolve("kubeconfig");
            }
        };
    }

    /** Kills and restarts the real apiserver (etcd keeps its data); only on a server this JVM started. */
    public void restartApiServer() throws IOException, InterruptedException {
        throw new UnsupportedOperationException(describe() + " cannot be restarted by the tests");
    }

    /** Kills the real apiserver (etcd keeps running); only on a server this JVM started. */
    public void killApiServer() throws IOException, InterruptedException {
        throw new UnsupportedOperationException(describe() + " cannot be killed by the tests");
    }

    /** Starts a killed apiserver again with the same arguments. */
    public void startApiServerAgain() throws IOException, InterruptedException {
        throw new UnsupportedOperationException(describe());
    }

    /** The administrator's kubeconfig file of a real server (for processes configured by file, as Flink's are). */
    public Path kubeconfig() {
        throw new UnsupportedOperationException(describe() + " has no kubeconfig file");
    }

    /** The working directory of a server this JVM started. */
    public Path dir() {
        throw new UnsupportedOperationException(describe());
    }

    private static void stop(Path script, Path dir) throws IOException, InterruptedException {
        Process s = new ProcessBuilder("bash", script.toString(), "stop", dir.toString()).redirectErrorStream(true)
                .start();
        s.getInputStream().readAllBytes();
        s.waitFor(30, TimeUnit.SECONDS);
    }

    static void run(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("'" + command + "' failed: " + out);
        }
    }

    @Override
    public abstract void close() throws Exception;
}
