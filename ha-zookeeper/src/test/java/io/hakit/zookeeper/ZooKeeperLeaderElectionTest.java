package io.hakit.zookeeper;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.LeaderElectionContractTest;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;

/** The ZooKeeper backend runs the LeaderElection contract suite on a real 3-member ensemble. */
class ZooKeeperLeaderElectionTest extends LeaderElectionContractTest {
    @Override
    protected TestCluster createCluster() throws Exception {
        return ZkTestClusters.on(ZkEnsemble.get());
    }
}
