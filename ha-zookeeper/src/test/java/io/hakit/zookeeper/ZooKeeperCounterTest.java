package io.hakit.zookeeper;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.CounterContractTest;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;

/** The ZooKeeper backend runs the Counter contract suite on a real 3-member ensemble. */
class ZooKeeperCounterTest extends CounterContractTest {
    @Override
    protected TestCluster createCluster() throws Exception {
        return ZkTestClusters.on(ZkEnsemble.get());
    }
}
