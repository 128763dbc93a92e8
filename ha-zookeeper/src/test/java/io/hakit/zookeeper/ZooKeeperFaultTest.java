package io.hakit.zookeeper;

import io.hakit.api.ConnectionState;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.testkit.ManualTicker;
import io.hakit.testkit.PausableSerialExecutor;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.campaign.FencedWriters;
import io.hakit.testkit.history.CheckOptions;
import io.hakit.testkit.history.LeadershipHistory;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;
import io.hakit.testkit.junit.internal.zookeeper.ZooKeeperTestCluster;
import io.hakit.testkit.proxy.Fault;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The ZooKeeper backend under faults on real 3-member ensembles: a member dies under the leader, the quorum is lost,
 * the leader's session expires, the leader is partitioned from ZooKeeper, and the 'session' connection policy
 * ({@code tolerate-suspended-connections}) rides out a short blip but not a long one. Session timeouts are a few
 * seconds so the class stays short; every bound is the session timeout plus a margin for a loaded 2-core machine.
 */
class ZooKeeperFaultTest {

    private static final Duration SESSION = Duration.ofSeconds(3);
    /** Slack on top of a protocol bound: the ZooKeeper client's reconnection back-off (up to 1 s), a busy machine. */
    private static final Duration MARGIN = Duration.ofSeconds(4);
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final String COMPONENT = "jobmaster";

    @TempDir
    Path storage;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // keep closing the rest
            }
        }
    }

    /** A process with one contender on {@link #COMPONENT} that timestamps its callbacks. */
    private final class Node {
        final HaServices services;
        final LeaderElection election;
        final TestingContender contender;
        final List<Long> grantNanos = Collections.synchronizedList(new ArrayList<>());
        final List<Long> revokeNanos = Collections.synchronizedList(new ArrayList<>());
        final List<ConnectionState> states = Collections.synchronizedList(new ArrayList<>());

        Node(ZooKeeperTestCluster cluster, String nodeId, LeadershipHistory history,
                Consumer<HaConfig.Builder> customize) {
            HaConfig.Builder b = HaConfig.builder().nodeId(nodeId).storageDir(storage.resolve(nodeId))
                    .retryPeriod(Duration.ofMillis(100)).operationTimeout(Duration.ofSeconds(5))
                    .flappingAlarm(1000, Duration.ofMinutes(1));
            customize.accept(b);
            services = cluster.newProcess(b);
            toClose.add(services);
            services.addConnectionStateListener(states::add);
            contender = new TestingContender(nodeId, null, history);
            election = services.leaderElection(COMPONENT);
            election.startLeaderElection(new LeaderContender() {
                @Override
                public void grantLeadership(LeaderSession session) {
                    grantNanos.add(System.nanoTime());
                    contender.grantLeadership(session);
                }

                @Override
                public void revokeLeadership() {
                    revokeNanos.add(System.nanoTime());
                    contender.revokeLeadership();
                }
            });
        }

        String id() {
            return services.config().nodeId();
        }

        boolean leads() {
            return contender.isLeader();
        }

        LeaderSession session() {
            return contender.session().orElseThrow(() -> new AssertionError(id() + " does not lead"));
        }

        StateStore store() {
            return services.stateStore("faults");
        }

        long lastGrantNanos() {
            synchronized (grantNanos) {
                return grantNanos.get(grantNanos.size() - 1);
            }
        }

        long firstRevokeNanos() {
            synchronized (revokeNanos) {
                return revokeNanos.get(0);
            }
        }

        @Override
        public String toString() {
            return id() + (leads() ? " (leads at " + session().epoch() + ")" : "");
        }
    }

    private List<Node> nodes(ZooKeeperTestCluster cluster, int n, LeadershipHistory history,
            Consumer<HaConfig.Builder> customize) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(new Node(cluster, "node-" + i, history, customize));
        }
        return nodes;
    }

    private List<Node> nodes(ZooKeeperTestCluster cluster, int n, LeadershipHistory history) {
        return nodes(cluster, n, history, b -> { });
    }

    private static List<Node> leaders(List<Node> nodes) {
        return nodes.stream().filter(Node::leads).collect(Collectors.toList());
    }

    private static Node awaitSingleLeader(List<Node> nodes, Duration bound) {
        // the leader seen by the poll that succeeded: asking again afterwards could race with a revoke
        return await("a single leader among " + nodes).atMost(bound).pollInterval(Duration.ofMillis(10))
                .until(() -> leaders(nodes), now -> now.size() == 1).get(0);
    }

    private FencedWriters writers(LeadershipHistory history, List<Node> nodes) {
        FencedWriters w = FencedWriters.start(history, "owner", Duration.ofMillis(10),
                nodes.stream().map(Node::store).collect(Collectors.toList()), i -> nodes.get(i).contender);
        toClose.add(w);
        return w;
    }

    private TestingCluster freshEnsemble() throws Exception {
        TestingCluster ensemble = ZkEnsemble.fresh(3);
        toClose.add(ensemble);
        return ensemble;
    }

    private ZooKeeperTestCluster cluster(ZooKeeperTestCluster c) {
        toClose.add(c);
        return c;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ZooKeeper zk(ZooKeeperTestCluster cluster, Node node) throws Exception {
        return ZkTestClusters.backend(node.services).client.getZookeeperClient().getZooKeeper();
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    // ------------------------------------------------------------------------------------------ (a) member dies

    @Test
    void killingTheMemberTheLeaderIsConnectedToNeverLetsTwoLeadersWriteAndLeadershipComesBack() throws Exception {
        TestingCluster ensemble = freshEnsemble();
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.on(ensemble, SESSION));
        LeadershipHistory history = new LeadershipHistory();
        List<Node> nodes = nodes(cluster, 3, history);
        FencedWriters writers = writers(history, nodes);
        Node leader = awaitSingleLeader(nodes, LONG);
        LeaderSession before = leader.session();
        await("the leader's first write").atMost(LONG).until(() -> writers.lastAcceptedNanos(before).isPresent());

        InstanceSpec member = ensemble.findConnectionInstance(zk(cluster, leader));
        assertThat(member).as("the member %s is connected to", leader.id()).isNotNull();
        long killed = System.nanoTime();
        ensemble.killServer(member);

        // either the leader keeps leading or another takes over; either way one leader again, writing, in time
        Duration bound = SESSION.plus(MARGIN);
        LeaderSession[] after = new LeaderSession[1];
        await("a leader whose fenced writes land again after the kill").atMost(bound)
                .pollInterval(Duration.ofMillis(10)).until(() -> {
                    List<Node> now = leaders(nodes);
                    if (now.size() != 1) {
                        return false;
                    }
                    after[0] = now.get(0).contender.session().orElse(null);
                    OptionalLong wrote = after[0] == null ? OptionalLong.empty() : writers.lastAcceptedNanos(after[0]);
                    return wrote.isPresent() && wrote.getAsLong() - killed > 0;
                });
        assertThat(after[0].epoch()).isGreaterThanOrEqualTo(before.epoch());
        assertThat(writers.stop(LONG)).isEmpty();
        assertThat(writers.errors()).isEmpty();
        // at every moment at most one contender's fenced writes landed: no stale write accepted, no epoch reused
        history.assertNoViolations(CheckOptions.defaults().withGlobalGrantOrder(false));
        System.out.printf("member under the leader killed: %s, a leader writing again %d ms later%n",
                after[0].id().equals(before.id()) ? "the leader kept leading" : "failed over",
                (writers.lastAcceptedNanos(after[0]).getAsLong() - killed) / 1_000_000);
    }

    // ------------------------------------------------------------------------------------------ (b) quorum lost

    @Test
    void losingTheQuorumRevokesEveryoneNobodyLeadsUntilItIsBackAndThenAHigherEpochLeads() throws Exception {
        TestingCluster ensemble = freshEnsemble();
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.on(ensemble, SESSION));
        LeadershipHistory history = new LeadershipHistory();
        List<Node> nodes = nodes(cluster, 3, history);
        Node leader = awaitSingleLeader(nodes, LONG);
        LeaderSession old = leader.session();
        leader.store().put(old, "latest", bytes("chk-1"), StateStore.ANY);

        List<InstanceSpec> members = new ArrayList<>(ensemble.getInstances());
        long killed = System.nanoTime();
        ensemble.killServer(members.get(0));
        ensemble.killServer(members.get(1));

        // the default policy revokes on SUSPENDED: well within the session timeout
        await("every contender revoked").atMost(SESSION.plus(MARGIN)).pollInterval(Duration.ofMillis(10))
                .until(() -> leaders(nodes).isEmpty());
        long revokedAfterMs = millisSince(killed);
        assertThat(revokedAfterMs).isLessThan(SESSION.plus(MARGIN).toMillis());
        // nobody leads while the quorum is gone, not even after the sessions' timeout has passed
        await("nobody leads during the outage").during(SESSION.plusSeconds(1)).atMost(SESSION.plusSeconds(3))
                .pollInterval(Duration.ofMillis(20)).until(() -> leaders(nodes).isEmpty());
        Throwable refused = catchThrowable(() -> leader.store().put(old, "latest", bytes("chk-2-stale"),
                StateStore.ANY));
        assertThat(refused).isInstanceOf(LeadershipLostException.class);
        // reads fail within high-availability.operation-timeout (5 s here), not after Curator's retries (17-20 s)
        for (Runnable read : List.<Runnable>of(() -> leader.store().get("latest"), () -> leader.store().list(""))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(read::run).isInstanceOf(BackendUnavailableException.class)
                    .hasMessageContaining("high-availability.operation-timeout");
            assertThat(millisSince(t0)).as("a read during the outage").isLessThan(5_000 + 2_000);
        }

        long restarting = System.nanoTime();
        ZkEnsemble.restart(ensemble, members.get(0));
        ZkEnsemble.restart(ensemble, members.get(1));
        Node next = awaitSingleLeader(nodes, LONG);
        assertThat(next.session().epoch()).isGreaterThan(old.epoch());
        assertThat(next.store().get("latest").orElseThrow().value()).isEqualTo(bytes("chk-1"));
        next.store().put(next.session(), "latest", bytes("chk-2"), StateStore.ANY);
        assertThat(next.store().get("latest").orElseThrow().value()).isEqualTo(bytes("chk-2"));
        history.assertNoViolations(CheckOptions.defaults().withGlobalGrantOrder(false));
        System.out.printf("quorum loss: everyone revoked %d ms after the kill; a leader again %d ms after the "
                + "restart%n", revokedAfterMs, (next.lastGrantNanos() - restarting) / 1_000_000);
    }

    // ------------------------------------------------------------------------------------------ (c) session expiry

    @Test
    void theLeadersSessionExpiringRevokesItAHigherEpochLeadsAndTheOldSessionCannotWrite() throws Exception {
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.on(ZkEnsemble.get(), SESSION));
        LeadershipHistory history = new LeadershipHistory();
        List<Node> nodes = nodes(cluster, 3, history);
        Node leader = awaitSingleLeader(nodes, LONG);
        LeaderSession old = leader.session();
        leader.store().put(old, "latest", bytes("chk-1"), StateStore.ANY);

        cluster.expireSession(leader.services);
        leader.contender.awaitRevokes(1, SESSION.plus(MARGIN));
        Node next = awaitSingleLeader(nodes, SESSION.plus(MARGIN));
        assertThat(next.session().epoch()).isGreaterThan(old.epoch());
        assertThatThrownBy(() -> leader.store().put(old, "latest", bytes("chk-2-stale"), StateStore.ANY))
                .isInstanceOf(LeadershipLostException.class);
        assertThat(next.store().get("latest").orElseThrow().value()).isEqualTo(bytes("chk-1"));
        // the expired process contends again with a new session
        await("the expired process connected again").atMost(LONG)
                .until(() -> leader.services.connectionState().isConnected());
        history.assertNoViolations(CheckOptions.defaults().withGlobalGrantOrder(false));
    }

    // ------------------------------------------------------------------------------------------ (d) partition

    @Test
    void aLeaderPartitionedLongerThanTheSessionRevokesBeforeTheNextIsGrantedAndContendsAgainWhenHealed()
            throws Exception {
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.proxied(ZkEnsemble.get(), SESSION));
        LeadershipHistory history = new LeadershipHistory();
        List<Node> nodes = nodes(cluster, 3, history);
        FencedWriters writers = writers(history, nodes);
        Node old = awaitSingleLeader(nodes, LONG);
        LeaderSession oldSession = old.session();
        await("the leader's first write").atMost(LONG).until(() -> writers.lastAcceptedNanos(oldSession).isPresent());

        long cut = System.nanoTime();
        cluster.partition(old.services);
        Node next = awaitNewLeader(nodes, old, SESSION.multipliedBy(2).plus(MARGIN));
        long grantAtNew = next.lastGrantNanos();
        assertThat(old.revokeNanos).as("revokes of the partitioned leader").isNotEmpty();
        long revokeAtOld = old.firstRevokeNanos();
        assertThat(revokeAtOld).as("the old leader's revoke (%d ms after the cut) vs the new leader's grant (%d ms)",
                (revokeAtOld - cut) / 1_000_000, (grantAtNew - cut) / 1_000_000).isLessThanOrEqualTo(grantAtNew);
        assertThat(next.session().epoch()).isGreaterThan(oldSession.epoch());
        // the old session cannot write: nothing it wrote after the new grant landed (the checker), and it is refused
        assertThat(catchThrowable(() -> old.store().put(oldSession, "owner", bytes("stale"), StateStore.ANY)))
                .isNotNull();
        OptionalLong lastOld = writers.lastAcceptedNanos(oldSession);
        assertThat(lastOld.getAsLong()).isLessThan(grantAtNew);

        cluster.heal(old.services);
        // it contends again: its latch node is back, and when the others step down it leads
        await("three latch nodes again").atMost(LONG).until(() -> latchNodes(cluster, next).size() == 3);
        for (Node n : nodes) {
            if (n != old) {
                n.election.close();
            }
        }
        LeaderSession regained = old.contender.awaitGrant(LONG);
        assertThat(regained.epoch()).isGreaterThan(next.contender.events().stream()
                .filter(e -> e.grant).mapToLong(e -> e.session.epoch()).max().orElseThrow());
        assertThat(writers.stop(LONG)).isEmpty();
        assertThat(writers.errors()).isEmpty();
        history.assertNoViolations(CheckOptions.defaults().withGlobalGrantOrder(false));
        System.out.printf("partition: old leader revoked %d ms after the cut, new leader granted %d ms after it%n",
                (revokeAtOld - cut) / 1_000_000, (grantAtNew - cut) / 1_000_000);
    }

    @Test
    void aFencedWriteWithASessionThisProcessHasGivenUpIsRefusedAsLostEvenBeforeItReconnects() throws Exception {
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.proxied(ZkEnsemble.get(), SESSION));
        LeadershipHistory history = new LeadershipHistory();
        PausableSerialExecutor events = new PausableSerialExecutor("paused-events-node-0");
        toClose.add(events);
        Node old = new Node(cluster, "node-0", history, b -> b.eventExecutor(events));
        LeaderSession s = old.contender.awaitGrant(LONG);
        old.store().put(s, "latest", bytes("chk-1"), StateStore.ANY);
        Node next = new Node(cluster, "node-1", history, b -> { });
        ZooKeeperBackend backend = ZkTestClusters.backend(old.services);
        long session = backend.sessionId();

        // the core of node-0 hears nothing from now on: locally its session still looks current
        events.pause();
        cluster.partition(old.services);
        // cut off, the client gives its session up (Curator does this itself once a session timeout has passed
        // while suspended; the test does not wait that long) and cannot reach the ensemble with a new one
        zk(cluster, old).getTestable().injectSessionExpiration();
        await("node-0 on a new, unconnected ZooKeeper handle").atMost(LONG)
                .until(() -> backend.sessionId() != session);
        assertThat(backend.client.getZookeeperClient().isConnected()).isFalse();
        assertThatThrownBy(() -> old.store().put(s, "latest", bytes("chk-2-stale"), StateStore.ANY))
                .isInstanceOf(LeadershipLostException.class).hasMessageContaining("session");

        // the servers expire the session in time, and the next process leads
        LeaderSession current = next.contender.awaitGrant(SESSION.plus(MARGIN));
        assertThat(current.epoch()).isGreaterThan(s.epoch());
        assertThatThrownBy(() -> old.store().put(s, "latest", bytes("chk-2-stale"), StateStore.ANY))
                .isInstanceOf(LeadershipLostException.class);
        assertThat(next.store().get("latest").orElseThrow().value()).isEqualTo(bytes("chk-1"));
        cluster.heal(old.services);
        events.resume();
        old.contender.awaitRevokes(1, LONG);
        history.assertNoViolations(CheckOptions.defaults().withGlobalGrantOrder(false));
    }

    @Test
    void withoutEnsembleTrackingANewSessionStillConnectsThroughTheConfiguredQuorum() throws Exception {
        // the proxied cluster sets high-availability.zookeeper.client.ensemble-tracker=false; with Curator's default
        // the new session would use the addresses the servers advertise and bypass the proxies
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.proxied(ZkEnsemble.get(), SESSION));
        Node node = new Node(cluster, "node-0", new LeadershipHistory(), b -> { });
        node.contender.awaitGrant(LONG);
        ZooKeeperBackend backend = ZkTestClusters.backend(node.services);
        long session = backend.sessionId();
        List<Integer> proxyPorts = cluster.proxies(node.services).stream().map(p -> p.localAddress().getPort())
                .collect(Collectors.toList());
        assertThat(remotePort(zk(cluster, node))).isIn(proxyPorts);

        zk(cluster, node).getTestable().injectSessionExpiration();
        await("a new session").atMost(LONG).until(() -> backend.sessionId() != session && backend.sessionId() != 0
                && backend.client.getZookeeperClient().isConnected());
        assertThat(remotePort(zk(cluster, node))).isIn(proxyPorts);
        node.contender.awaitRevokes(1, LONG);
        node.contender.awaitGrant(LONG);
    }

    /** The port of the server a ZooKeeper handle is connected to, from its description. */
    private static int remotePort(ZooKeeper zk) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("remoteserver:\\S*:(\\d+)").matcher(zk.toString());
        assertThat(m.find()).as("a remote address in %s", zk).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static Node awaitNewLeader(List<Node> nodes, Node old, Duration bound) {
        await("a leader other than " + old.id()).atMost(bound).pollInterval(Duration.ofMillis(5))
                .until(() -> nodes.stream().anyMatch(n -> n != old && n.leads()));
        return nodes.stream().filter(n -> n != old && n.leads()).findFirst().orElseThrow();
    }

    private static List<String> latchNodes(ZooKeeperTestCluster cluster, Node via) throws Exception {
        ZooKeeperBackend b = ZkTestClusters.backend(via.services);
        return b.client.getChildren().forPath(b.electionPath).stream().filter(c -> c.contains("latch-"))
                .collect(Collectors.toList());
    }

    // ------------------------------------------------------------------------------------------ revoke on loss

    @Test
    void toleratingSuspendedConnectionsKeepsLeadershipThroughAShortBlip() throws Exception {
        Duration session = Duration.ofSeconds(8); // the lease after SUSPENDED is a third of it
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.proxied(ZkEnsemble.get(), session));
        LeadershipHistory history = new LeadershipHistory();
        List<Node> nodes = nodes(cluster, 2, history,
                b -> b.backendOption(ZooKeeperOptions.TOLERATE_SUSPENDED, "true"));
        Node leader = awaitSingleLeader(nodes, LONG);
        LeaderSession s = leader.session();

        // every connection of the leader is reset and refused for a sixth of the session timeout
        Duration blip = session.dividedBy(6);
        cluster.proxies(leader.services).forEach(p -> p.fault(Fault.reset()));
        await("the leader sees its connection suspended").atMost(SESSION)
                .until(() -> leader.states.contains(ConnectionState.SUSPENDED));
        await("the leader keeps leading during the blip").during(blip).atMost(blip.plusSeconds(2))
                .until(() -> leader.contender.session().equals(Optional.of(s)));
        cluster.heal(leader.services);
        await("the leader reconnects").atMost(session)
                .until(() -> leader.states.contains(ConnectionState.RECONNECTED));
        await("the leader still leads, with the same session").during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3)).until(() -> leader.contender.session().equals(Optional.of(s)));
        assertThat(leader.contender.revokes()).isZero();
        assertThat(leaders(nodes)).containsExactly(leader);
        leader.store().put(s, "latest", bytes("after-the-blip"), StateStore.ANY);
        history.assertNoViolations(CheckOptions.defaults().withGlobalGrantOrder(false));
    }

    @Test
    void theLeaseOfASuspendedSessionRunsFromTheLastAnsweredRequestLessAMargin() throws Exception {
        ManualTicker ticker = new ManualTicker();
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.proxied(ZkEnsemble.get(), SESSION));
        Node node = new Node(cluster, "node-0", new LeadershipHistory(), b -> b.ticker(ticker)
                .backendOption(ZooKeeperOptions.TOLERATE_SUSPENDED, "true"));
        ZooKeeperBackend backend = ZkTestClusters.backend(node.services);
        // 3 s session: 0.55 of it (1.65 s) after the last answered heartbeat (the ticker stands still)
        await("a first answered heartbeat").atMost(LONG)
                .until(() -> backend.sessionLeaseAfterSuspend().equals(Optional.of(Duration.ofMillis(1650))));

        cluster.partition(node.services);
        await("the connection suspended").atMost(SESSION.plus(MARGIN))
                .until(() -> node.states.contains(ConnectionState.SUSPENDED));
        // nothing is answered any more: the lease only shrinks as time passes
        ticker.advance(Duration.ofMillis(1000));
        assertThat(backend.sessionLeaseAfterSuspend()).hasValue(Duration.ofMillis(650));
        ticker.advance(Duration.ofMillis(2000));
        assertThat(backend.sessionLeaseAfterSuspend()).hasValue(Duration.ZERO);

        cluster.heal(node.services);
        ticker.advance(Duration.ofMillis(500));
        await("answered again after the partition").atMost(LONG)
                .until(() -> backend.sessionLeaseAfterSuspend().equals(Optional.of(Duration.ofMillis(1650))));
    }

    @Test
    void toleratingSuspendedConnectionsStillRevokesALongPartitionNoLaterThanTheNextGrant() throws Exception {
        ZooKeeperTestCluster cluster = cluster(ZkTestClusters.proxied(ZkEnsemble.get(), SESSION));
        LeadershipHistory history = new LeadershipHistory();
        List<Node> nodes = nodes(cluster, 3, history,
                b -> b.backendOption(ZooKeeperOptions.TOLERATE_SUSPENDED, "true"));
        FencedWriters writers = writers(history, nodes);
        Node old = awaitSingleLeader(nodes, LONG);
        LeaderSession oldSession = old.session();
        await("the leader's first write").atMost(LONG).until(() -> writers.lastAcceptedNanos(oldSession).isPresent());

        long cut = System.nanoTime();
        cluster.partition(old.services);
        Node next = awaitNewLeader(nodes, old, SESSION.multipliedBy(2).plus(MARGIN));
        long grantAtNew = next.lastGrantNanos();
        await("the partitioned leader's revoke").atMost(MARGIN).until(() -> !old.revokeNanos.isEmpty());
        long revokeAtOld = old.firstRevokeNanos();
        assertThat(revokeAtOld).as("the old leader's revoke (%d ms after the cut) vs the new leader's grant (%d ms)",
                (revokeAtOld - cut) / 1_000_000, (grantAtNew - cut) / 1_000_000).isLessThanOrEqualTo(grantAtNew);
        assertThat(catchThrowable(() -> old.store().put(oldSession, "owner", bytes("stale"), StateStore.ANY)))
                .isNotNull();
        cluster.heal(old.services);
        assertThat(writers.stop(LONG)).isEmpty();
        assertThat(writers.errors()).isEmpty();
        history.assertNoViolations(CheckOptions.defaults().withGlobalGrantOrder(false));
        System.out.printf("partition, tolerating SUSPENDED: old leader revoked %d ms after the cut, new leader "
                + "granted %d ms after it%n", (revokeAtOld - cut) / 1_000_000, (grantAtNew - cut) / 1_000_000);
    }
}
