package io.hakit.kubernetes;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.DataLifecycleContractTest;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesTestCluster;
import io.hakit.testkit.junit.internal.kubernetes.MockApiServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The data lifecycle contract suite (namespace, counter and cluster clean-up) on fabric8's CRUD mock server. */
class MockDataLifecycleTest extends DataLifecycleContractTest {
    @RegisterExtension
    static final MockApiServer SERVER = new MockApiServer();

    @Override
    protected TestCluster createCluster() {
        return KubernetesTestCluster.on(SERVER.get());
    }
}
