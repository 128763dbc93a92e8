package io.hakit.zookeeper;

import io.hakit.api.HaServices;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.DataLifecycleContractTest;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;
import io.hakit.testkit.junit.internal.zookeeper.ZooKeeperTestCluster;
import org.apache.zookeeper.ZooKeeper;

import static org.assertj.core.api.Assertions.assertThat;

/** The ZooKeeper backend runs the data lifecycle contract suite on a real 3-member ensemble. */
class ZooKeeperDataLifecycleTest extends DataLifecycleContractTest {

    private ZooKeeperTestCluster zk;

    @Override
    protected TestCluster createCluster() throws Exception {
        zk = ZkTestClusters.on(ZkEnsemble.get());
        return zk;
    }

    /** Not a znode left under the cluster's path. */
    @Override
    protected void assertBackendHoldsNothing(HaServices process) throws Exception {
        ZooKeeperBackend b = ZkTestClusters.backend(process);
        ZooKeeper handle = b.client.getZookeeperClient().getZooKeeper();
        handle.sync(b.root, (rc, path, ctx) -> { }, null);
        assertThat(handle.exists(b.root, false)).as("znode %s", b.root).isNull();
    }
}
