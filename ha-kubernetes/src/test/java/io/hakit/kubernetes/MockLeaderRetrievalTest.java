package io.hakit.kubernetes;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.LeaderRetrievalContractTest;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesTestCluster;
import io.hakit.testkit.junit.internal.kubernetes.MockApiServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The LeaderRetrieval contract suite on fabric8's KubernetesMockServer in CRUD mode. */
class MockLeaderRetrievalTest extends LeaderRetrievalContractTest {
    @RegisterExtension
    static final MockApiServer SERVER = new MockApiServer();

    @Override
    protected TestCluster createCluster() {
        return KubernetesTestCluster.on(SERVER.get());
    }
}
