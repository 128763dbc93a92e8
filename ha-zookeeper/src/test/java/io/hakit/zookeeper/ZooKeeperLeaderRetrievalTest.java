package io.hakit.zookeeper;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.LeaderRetrievalContractTest;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;

/** The ZooKeeper backend runs the LeaderRetrieval contract suite on a real 3-member ensemble. */
class ZooKeeperLeaderRetrievalTest extends LeaderRetrievalContractTest {
    @Override
    protected TestCluster createCluster() throws Exception {
        return ZkTestClusters.on(ZkEnsemble.get());
    }
}
