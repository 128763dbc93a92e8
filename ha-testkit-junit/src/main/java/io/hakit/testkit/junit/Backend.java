package io.hakit.testkit.junit;

/** The backend an {@link HaCluster} runs its processes on. */
public enum Backend {

    /**
     * HAKit's in-process backend ({@code high-availability.type=embedded}), a fresh one per test: no server, no
     * network. Leadership control and faults act on the backend directly (a partition suspends the process's
     * connection). Needs nothing beyond this artifact.
     */
    EMBEDDED,

    /**
     * A real 3-member ZooKeeper ensemble started in this JVM (curator-test), one per test class; each test gets its
     * own cluster id, and each process reaches every member through fault-injecting proxies of its own. Needs
     * {@code io.hakit:ha-zookeeper} and {@code org.apache.curator:curator-test} on the test class path.
     */
    ZOOKEEPER,

    /**
     * A Kubernetes API server, one per test class: the cluster of {@code $KUBECONFIG} or a real kube-apiserver with
     * etcd when one can be started here (see {@link HaCluster.ApiServer#AUTO}), else fabric8's mock server in CRUD
     * mode. Each test gets its own cluster id and Kubernetes namespace, and each process reaches the server through a
     * fault-injecting proxy of its own. Needs {@code io.hakit:ha-kubernetes} (and {@code
     * io.fabric8:kubernetes-server-mock} for the mock) on the test class path.
     */
    KUBERNETES
}
