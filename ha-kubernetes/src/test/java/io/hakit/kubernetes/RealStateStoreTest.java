package io.hakit.kubernetes;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.StateStoreContractTest;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesTestCluster;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The StateStore contract suite on a real kube-apiserver 1.20.2 + etcd (or the cluster of KUBECONFIG). */
class RealStateStoreTest extends StateStoreContractTest {
    @RegisterExtension
    static final RealApiServer SERVER = new RealApiServer();

    @Override
    protected TestCluster createCluster() {
        return KubernetesTestCluster.on(SERVER.get());
    }
}
