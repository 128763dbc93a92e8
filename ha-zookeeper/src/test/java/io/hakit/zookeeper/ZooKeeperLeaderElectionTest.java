package io.hakit.zookeeper;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.LeaderElectionContractTest;

/** The ZooKeeper backend runs the LeaderElection contract suite on a real 3-member ensemble. */
class ZooKeeperLeaderElectionTest extends LeaderElectionContractTest {
    @Override
    protected TestCluster createCluster() throws Exception {
        return new ZooKeeperTestCluster(ZkEnsemble.get());
    }
}
