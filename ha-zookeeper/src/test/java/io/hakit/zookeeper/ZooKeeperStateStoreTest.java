package io.hakit.zookeeper;

import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.StateStoreContractTest;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;

/** The ZooKeeper backend runs the StateStore contract suite on a real 3-member ensemble. */
class ZooKeeperStateStoreTest extends StateStoreContractTest {
    @Override
    protected TestCluster createCluster() throws Exception {
        return ZkTestClusters.on(ZkEnsemble.get());
    }
}
