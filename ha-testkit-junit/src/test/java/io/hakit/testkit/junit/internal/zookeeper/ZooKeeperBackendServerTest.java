package io.hakit.testkit.junit.internal.zookeeper;

import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@code HaCluster.grant} deletes latch nodes on ZooKeeper: in one transaction, and when a node it listed went
 * before the transaction ran (its session ended), again with the ones left.
 */
class ZooKeeperBackendServerTest {

    private static ZooKeeperBackendServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ZooKeeperBackendServer.start(Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static void createLatches(ZooKeeperBackendServer.Control control, String... names) {
        control.cluster.admin(admin -> {
            for (String name : names) {
                admin.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT)
                        .forPath(control.electionPath() + "/" + name, name.getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    private static ZooKeeperBackendServer.Latch listed(String name, long sequence) {
        return new ZooKeeperBackendServer.Latch(name, sequence, name, 0);
    }

    private static List<String> left(ZooKeeperBackendServer.Control control) {
        return control.latches().stream().map(ZooKeeperBackendServer.Latch::name).toList();
    }

    @Test
    void aListedLatchNodeThatWentBeforeTheTransactionIsLeftOutAndTheOthersAreDeleted() {
        try (ZooKeeperBackendServer.Control control = (ZooKeeperBackendServer.Control) server.newCluster()) {
            createLatches(control, "latch-0000000001", "latch-0000000003", "latch-0000000004");
            // latch-0000000002 was listed, then its session ended: the first transaction fails on it
            control.delete(List.of(listed("latch-0000000001", 1), listed("latch-0000000002", 2),
                    listed("latch-0000000003", 3)));
            assertThat(left(control)).containsExactly("latch-0000000004");
        }
    }

    @Test
    void nothingIsLeftToDeleteWhenEveryListedNodeWent() {
        try (ZooKeeperBackendServer.Control control = (ZooKeeperBackendServer.Control) server.newCluster()) {
            createLatches(control, "latch-0000000007");
            control.delete(List.of(listed("latch-0000000005", 5), listed("latch-0000000006", 6)));
            assertThat(left(control)).containsExactly("latch-0000000007");
        }
    }

    @Test
    void anElectionZnodeThatWentTookItsLatchNodesWithIt() {
        try (ZooKeeperBackendServer.Control control = (ZooKeeperBackendServer.Control) server.newCluster()) {
            control.delete(List.of(listed("latch-0000000001", 1)));
            assertThat(left(control)).isEmpty();
        }
    }
}
