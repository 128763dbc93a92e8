package io.hakit.kubernetes;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.CounterContractTest;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesTestCluster;
import io.hakit.testkit.junit.internal.kubernetes.MockApiServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Counter contract suite on fabric8's KubernetesMockServer in CRUD mode. */
class MockCounterTest extends CounterContractTest {
    @RegisterExtension
    static final MockApiServer SERVER = new MockApiServer();

    @Override
    protected TestCluster createCluster() {
        return KubernetesTestCluster.on(SERVER.get());
    }
}
