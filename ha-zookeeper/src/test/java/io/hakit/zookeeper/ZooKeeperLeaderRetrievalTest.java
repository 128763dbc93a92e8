package io.hakit.zookeeper;

import io.hakit.api.HaServices;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.TestingRetrievalListener;
import io.hakit.testkit.contract.LeaderRetrievalContractTest;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;
import io.hakit.testkit.junit.internal.zookeeper.ZooKeeperTestCluster;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The ZooKeeper backend runs the LeaderRetrieval contract suite on a real 3-member ensemble. */
class ZooKeeperLeaderRetrievalTest extends LeaderRetrievalContractTest {
    @Override
    protected TestCluster createCluster() throws Exception {
        return ZkTestClusters.on(ZkEnsemble.get());
    }

    /**
     * A record shows only while the latch node whose czxid is its epoch exists, not while the record itself does. The
     * leader is cut off from ZooKeeper, so it cannot delete its record, which stays on the servers until its session
     * (20 s) expires; an operator deletes the election meanwhile. The observer shows no leader while the record is still
     * there. (On ZooKeeper a record normally goes with its latch node: the leader releases both in one multi-op and
     * deletes it when it learns its node is gone, so only a leader that cannot reach ZooKeeper leaves one behind.)
     */
    @Test
    void aRecordWhoseLatchNodeIsGoneIsNotShownWhileItLingers() throws Exception {
        try (ZooKeeperTestCluster zk = ZkTestClusters.proxied(ZkEnsemble.get(), Duration.ofSeconds(20))) {
            HaServices a = zk.newProcess(baseConfig("node-a"));
            HaServices observer = zk.newProcess(baseConfig("observer"));
            try {
                TestingRetrievalListener seen = new TestingRetrievalListener();
                observer.watchLeader("dispatcher", seen);
                new TestingContender("a", "addr-a:8081", null).startOn(a.leaderElection("dispatcher"))
                        .awaitGrant(TIMEOUT);
                seen.awaitAddress("addr-a:8081", TIMEOUT);

                zk.partition(a);
                zk.deleteElection();

                seen.awaitEmpty(Duration.ofSeconds(10));
                boolean[] lingers = new boolean[1];
                zk.admin(admin -> lingers[0] = admin.checkExists()
                        .forPath(zk.clusterPath() + "/leaders/dispatcher") != null);
                assertThat(lingers[0]).as("a's record is still on the servers when the observer shows no leader")
                        .isTrue();
            } finally {
                zk.heal(a);
                a.close();
                observer.close();
            }
        }
    }
}
