package io.hakit.zookeeper;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.CounterContractTest;

/** The ZooKeeper backend runs the Counter contract suite on a real 3-member ensemble. */
class ZooKeeperCounterTest extends CounterContractTest {
    @Override
    protected TestCluster createCluster() throws Exception {
        return new ZooKeeperTestCluster(ZkEnsemble.get());
    }
}
