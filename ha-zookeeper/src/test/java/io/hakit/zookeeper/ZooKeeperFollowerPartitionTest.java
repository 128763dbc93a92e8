package io.hakit.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderSession;
import io.hakit.api.support.CustomBackend;
import io.hakit.testkit.FreePorts;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import org.apache.zookeeper.server.quorum.QuorumPeer;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A ZooKeeper follower cut off from its leader, with a leader of HAKit's election connected to it alone, under
 * {@code revoke-on-loss}. The follower keeps answering its clients' reads and pings from its own copy until it notices
 * (about {@code syncLimit x tickTime}); meanwhile the ensemble's leader, no longer told of the session, expires it and
 * grants the next contender. The old leader must have revoked before that grant.
 *
 * <p>The ensemble is three in-process quorum peers whose connections to each other's quorum port each pass through
 * a proxy of their own ({@code server.j} in peer i's configuration is its proxy to j), so that one follower's link to
 * the leader can be blackholed while everything else carries on. Client connections go straight to the peers.
 */
class ZooKeeperFollowerPartitionTest {

    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperFollowerPartitionTest.class);
    private static final int TICK_MS = 500;
    private static final int SYNC_LIMIT = 5;
    private static final Duration SESSION = Duration.ofSeconds(3);

    static {
        ZkEnsemble.neverExitTheJvm();
    }

    @TempDir
    Path dir;

    private final List<Peer> peers = new ArrayList<>();
    private final FaultInjectingProxy[][] proxies = new FaultInjectingProxy[3][3];
    private final List<HaServices> processes = new ArrayList<>();

    /** One in-process quorum peer. */
    private static final class Peer extends QuorumPeerMain {
        final int clientPort;
        final Thread thread;

        Peer(QuorumPeerConfig config, int clientPort) {
            this.clientPort = clientPort;
            this.thread = new Thread(() -> {
                try {
                    runFromConfig(config);
                } catch (Exception e) {
                    LOG.info("quorum peer on {} ended: {}", clientPort, e.toString());
                }
            }, "zk-peer-" + clientPort);
            thread.setDaemon(true);
        }

        QuorumPeer.ServerState state() {
            QuorumPeer p = quorumPeer;
            return p == null ? QuorumPeer.ServerState.LOOKING : p.getPeerState();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (HaServices s : processes) {
            try {
                s.close();
            } catch (RuntimeException e) {
                // keep closing
            }
        }
        closeEnsemble();
    }

    private void closeEnsemble() throws InterruptedException {
        for (Peer p : peers) {
            p.close();
            p.thread.join(10_000);
        }
        peers.clear();
        for (FaultInjectingProxy[] row : proxies) {
            for (int j = 0; j < row.length; j++) {
                if (row[j] != null) {
                    row[j].close();
                    row[j] = null;
                }
            }
        }
    }

    /**
     * Starts the ensemble; one that has not formed within 30 s is closed and started again on new ports, at most three
     * times. The ports are chosen free but bound only later by the peers, so another process on the machine (a
     * parallel build) can take one meanwhile; a peer that cannot bind its election port never joins.
     */
    private void startEnsemble() throws Exception {
        for (int attempt = 1; ; attempt++) {
            startEnsembleOnce(attempt);
            try {
                await("an ensemble with a leader and two followers").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50)).until(() -> count(QuorumPeer.ServerState.LEADING) == 1
                                && count(QuorumPeer.ServerState.FOLLOWING) == 2);
                return;
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                if (attempt == 3) {
                    throw e;
                }
                LOG.warn("the ensemble did not form on attempt {} (a port taken meanwhile?); starting it again on new "
                        + "ports", attempt);
                closeEnsemble();
            }
        }
    }

    private void startEnsembleOnce(int attempt) throws Exception {
        int[] client = new int[3];
        int[] quorum = new int[3];
        int[] election = new int[3];
        int[] ports = FreePorts.loopback(9); // below the ephemeral range, where no outgoing connection takes them
        for (int i = 0; i < 3; i++) {
            client[i] = ports[3 * i];
            quorum[i] = ports[3 * i + 1];
            election[i] = ports[3 * i + 2];
        }
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i != j) {
                    proxies[i][j] = FaultInjectingProxy.start(new InetSocketAddress("127.0.0.1", quorum[j]));
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            Path data = dir.resolve("attempt-" + attempt).resolve("peer-" + (i + 1));
            Files.createDirectories(data);
            Files.writeString(data.resolve("myid"), Integer.toString(i + 1));
            Properties p = new Properties();
            p.setProperty("tickTime", Integer.toString(TICK_MS));
            p.setProperty("initLimit", "10");
            p.setProperty("syncLimit", Integer.toString(SYNC_LIMIT));
            p.setProperty("dataDir", data.toString());
            p.setProperty("clientPort", Integer.toString(client[i]));
            p.setProperty("clientPortAddress", "127.0.0.1");
            p.setProperty("admin.enableServer", "false");
            p.setProperty("reconfigEnabled", "false");
            for (int j = 0; j < 3; j++) {
                int q = i == j ? quorum[j] : proxies[i][j].localPort();
                p.setProperty("server." + (j + 1), "127.0.0.1:" + q + ":" + election[j] + ":participant");
            }
            QuorumPeerConfig config = new QuorumPeerConfig();
            config.parseProperties(p);
            peers.add(new Peer(config, client[i]));
        }
        peers.forEach(peer -> peer.thread.start());
    }

    private long count(QuorumPeer.ServerState state) {
        return peers.stream().filter(p -> p.state() == state).count();
    }

    private int index(QuorumPeer.ServerState state) {
        for (int i = 0; i < 3; i++) {
            if (peers.get(i).state() == state) {
                return i;
            }
        }
        throw new AssertionError("no peer is " + state);
    }

    /** A process reaching only the peer at {@code clientPort}, that records when its contender is granted/revoked. */
    private HaServices process(String nodeId, int clientPort, AtomicLong granted, AtomicLong revoked) {
        HaConfig c = HaConfig.builder().nodeId(nodeId).clusterId("follower-partition").type("zookeeper")
                .storageDir(dir.resolve(nodeId)).retryPeriod(Duration.ofMillis(100))
                .operationTimeout(Duration.ofSeconds(5))
                .backendOption(ZooKeeperOptions.QUORUM, "127.0.0.1:" + clientPort)
                .backendOption(ZooKeeperOptions.ENSEMBLE_TRACKER, "false")
                .backendOption(ZooKeeperOptions.SESSION_TIMEOUT, SESSION.toMillis() + " ms")
                .backendOption(ZooKeeperOptions.CONNECTION_TIMEOUT, "5 s")
                .backendOption(ZooKeeperOptions.RETRY_WAIT, "100 ms")
                .backendOption(ZooKeeperOptions.TOLERATE_SUSPENDED, "true").build();
        HaServices s = CustomBackend.start(c, events -> ZooKeeperBackend.connect(c, ZooKeeperOptions.of(c), events));
        processes.add(s);
        s.leaderElection("dispatcher").startLeaderElection(new LeaderContender() {
            @Override
            public void grantLeadership(LeaderSession session) {
                granted.compareAndSet(0, System.nanoTime());
            }

            @Override
            public void revokeLeadership() {
                revoked.compareAndSet(0, System.nanoTime());
            }

            @Override
            public void handleError(Throwable error) {
            }
        });
        return s;
    }

    @Test
    void aLeaderOnAFollowerCutOffFromTheEnsemblesLeaderRevokesBeforeTheNextGrant() throws Exception {
        startEnsemble();
        int leader = index(QuorumPeer.ServerState.LEADING);
        int follower = index(QuorumPeer.ServerState.FOLLOWING);
        AtomicLong aGranted = new AtomicLong();
        AtomicLong aRevoked = new AtomicLong();
        AtomicLong bGranted = new AtomicLong();
        process("node-a", peers.get(follower).clientPort, aGranted, aRevoked);
        await("a leads").atMost(Duration.ofSeconds(30)).until(() -> aGranted.get() != 0);
        process("node-b", peers.get(leader).clientPort, bGranted, new AtomicLong());
        // let a few heartbeats be answered, so that a's lease is measured from a recent one
        await("b is connected and contending").pollDelay(Duration.ofMillis(SESSION.toMillis() / 2))
                .atMost(Duration.ofSeconds(10)).until(() -> bGranted.get() == 0);

        long cut = System.nanoTime();
        proxies[follower][leader].fault(Fault.blackhole());
        proxies[leader][follower].fault(Fault.blackhole());

        await("b is granted once the ensemble expires a's session").atMost(Duration.ofSeconds(30))
                .until(() -> bGranted.get() != 0);
        await("a revokes").atMost(Duration.ofSeconds(30)).until(() -> aRevoked.get() != 0);
        long revokeMs = (aRevoked.get() - cut) / 1_000_000;
        long grantMs = (bGranted.get() - cut) / 1_000_000;
        LOG.info("after the cut: old leader revoked at {} ms, next leader granted at {} ms", revokeMs, grantMs);
        assertThat(aRevoked.get()).as("the old leader revoked (%d ms after the cut) before the next grant (%d ms)",
                revokeMs, grantMs).isLessThan(bGranted.get());
    }
}
