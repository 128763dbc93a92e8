package io.hakit.kubernetes;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.LeaderElectionContractTest;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesTestCluster;
import io.hakit.testkit.junit.internal.kubernetes.MockApiServer;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The LeaderElection contract suite on fabric8's KubernetesMockServer in CRUD mode. */
class MockLeaderElectionTest extends LeaderElectionContractTest {
    @RegisterExtension
    static final MockApiServer SERVER = new MockApiServer();

    @Override
    protected TestCluster createCluster() {
        return KubernetesTestCluster.on(SERVER.get());
    }
}
