package io.hakit.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.StateStore;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** With ACL "creator" and digest credentials, only sessions with those credentials can touch the cluster's data. */
class ZooKeeperAclTest {

    @Test
    void creatorAclKeepsOthersOut() throws Exception {
        String connect = ZkEnsemble.get().getConnectString();
        String cluster = "acl-" + UUID.randomUUID().toString().substring(0, 8);
        HaConfig config = HaConfig.builder().type("zookeeper").clusterId(cluster).nodeId("a")
                .backendOption(ZooKeeperOptions.QUORUM, connect)
                .backendOption(ZooKeeperOptions.ACL, "creator")
                .backendOption(ZooKeeperOptions.DIGEST, "hakit:s3cret")
                .backendOption(ZooKeeperOptions.RETRY_WAIT, "100 ms")
                .build();
        try (HaServices ha = HaServices.create(config);
             CuratorFramework stranger = CuratorFrameworkFactory.newClient(connect, new RetryOneTime(100));
             CuratorFramework friend = CuratorFrameworkFactory.builder().connectString(connect)
                     .retryPolicy(new RetryOneTime(100))
                     .authorization("digest", "hakit:s3cret".getBytes(StandardCharsets.UTF_8)).build()) {
            ha.stateStore("secrets").put("k", "v".getBytes(StandardCharsets.UTF_8), StateStore.NEW);
            String path = "/hakit/" + cluster + "/stores/secrets/k";

            stranger.start();
            assertThatThrownBy(() -> stranger.getData().forPath(path)).isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> stranger.setData().forPath(path, new byte[] {1}))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> stranger.delete().forPath(path)).isInstanceOf(KeeperException.class);

            friend.start();
            assertThat(friend.getData().forPath(path)).isNotEmpty();
            assertThat(friend.getACL().forPath(path)).hasSize(1)
                    .allSatisfy(acl -> assertThat(acl.getId().getScheme()).isEqualTo("digest"));
        }
    }
}
