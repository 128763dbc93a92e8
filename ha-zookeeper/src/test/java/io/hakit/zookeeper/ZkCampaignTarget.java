package io.hakit.zookeeper;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.testkit.campaign.CampaignTarget;
import io.hakit.testkit.campaign.CampaignView;
import io.hakit.testkit.campaign.FaultAction;
import io.hakit.testkit.campaign.FaultCampaign;
import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;
import io.hakit.testkit.junit.internal.zookeeper.ZooKeeperTestCluster;
import io.hakit.testkit.proxy.Fault;
import io.hakit.testkit.proxy.FaultInjectingProxy;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.ZooKeeper;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * A {@link CampaignTarget} on a real 3-member ZooKeeper ensemble of its own (curator-test {@link TestingCluster}).
 * Every process reaches each member through a {@link FaultInjectingProxy} of its own, so one process can be cut off
 * while the rest carry on. Faults (durations in units of the session timeout {@code T}):
 * <ul>
 *   <li>{@code kill-member}: a running member is killed; it stays down until {@code restart-member} or the heal (two
 *   such kills in a row lose the quorum);
 *   <li>{@code restart-member}: a killed member is restarted;
 *   <li>{@code kill-two-members}: two running members are killed (the quorum is lost) and restarted after 0.5-2 T;
 *   <li>{@code partition}: a process (the leader if there is one) is silently cut off from every member (its proxies
 *   blackhole) for 0.3-2.5 T: shorter than the session timeout, or longer so that its session expires;
 *   <li>{@code blip}: a process's connections are reset and refused for 0.05-0.25 T;
 *   <li>{@code expire-session}: a process's session (the leader's if there is one) is expired on the servers, as a
 *   partition outlasting the timeout would; skipped while the quorum is lost;
 *   <li>{@code delete-election}: an operator deletes the election znode with its latch nodes ({@code deleteall});
 *   its child counter starts again, and the epochs must not (fails while the quorum is lost).
 * </ul>
 * {@link #heal()} restarts every killed member and ends every proxy fault. Each campaign run gets its own cluster id
 * (subtree) and its own proxies; the ensemble lives until {@link #close()}.
 *
 * <p>Public for the {@code zk-campaign} benchmark, which uses it from this module's test jar.
 */
public final class ZkCampaignTarget implements CampaignTarget {

    private final TestingCluster ensemble;
    private final List<InstanceSpec> members;
    private final Duration sessionTimeout;
    // all guarded by this
    private final TreeSet<Integer> down = new TreeSet<>();
    private ZooKeeperTestCluster cluster;
    private String clusterId;

    private ZkCampaignTarget(TestingCluster ensemble, Duration sessionTimeout) {
        this.ensemble = ensemble;
        this.members = new ArrayList<>(ensemble.getInstances());
        this.sessionTimeout = sessionTimeout;
    }

    /**
     * Starts a fresh 3-member ensemble for campaigns whose processes use {@code sessionTimeout} (at least 1 s, the
     * ensemble's smallest).
     *
     * @throws Exception if the ensemble does not start
     */
    public static ZkCampaignTarget start(Duration sessionTimeout) throws Exception {
        if (sessionTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("session timeout must be at least 1 s, was " + sessionTimeout);
        }
        return new ZkCampaignTarget(ZkEnsemble.fresh(3), sessionTimeout);
    }

    /** The session timeout of the CI campaigns and the {@code zk-campaign} benchmark: 2 s. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(2);
    /** Fault steps per schedule of the CI campaigns and the benchmark. */
    public static final int STEPS = 6;

    /**
     * The campaign that {@code ZooKeeperCampaignTest} and the {@code zk-campaign} benchmark run for {@code seed}:
     * {@value #STEPS} steps, holds of 0.2-1 s, steps bounded to 15 s. With a {@link #SESSION_TIMEOUT 2 s session
     * timeout}, the timed faults (partitions of 0.6-5 s, quorum losses of 1-4 s) often outlast the hold and overlap
     * the next fault, and end both before and after the session timeout.
     */
    public static FaultCampaign campaign(long seed) {
        return FaultCampaign.builder().seed(seed).steps(STEPS)
                .hold(Duration.ofMillis(200), Duration.ofMillis(1000))
                .timeBound(Duration.ofSeconds(15))
                .build();
    }

    /** The session timeout of the processes. */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    @Override
    public synchronized HaServices newProcess(HaConfig.Builder config) {
        String id = config.build().clusterId();
        if (cluster == null || !id.equals(clusterId)) {
            // a new campaign run: the previous run's processes are closed; drop its proxies
            if (cluster != null) {
                cluster.close();
            }
            cluster = ZkTestClusters.proxied(ensemble, sessionTimeout);
            clusterId = id;
        }
        return cluster.newProcess(config);
    }

    @Override
    public boolean expireSession(HaServices process) {
        return expire(process).startsWith("expired");
    }

    @Override
    public List<FaultAction> faults() {
        return List.of(
                FaultAction.of("kill-member", (view, random) -> describeKill(kill(1, random))),
                FaultAction.of("restart-member", (view, random) -> restartOne(random)),
                FaultAction.of("kill-two-members", (view, random) -> {
                    long ms = sessionFraction(random, 0.5, 2.0);
                    List<Integer> killed = kill(2, random);
                    view.later(Duration.ofMillis(ms), "restart members " + killed, () -> restart(killed));
                    return describeKill(killed) + "; restarting them after " + ms + " ms";
                }),
                FaultAction.of("partition", (view, random) -> {
                    HaServices p = view.process(view.leaderOr(random));
                    long ms = sessionFraction(random, 0.3, 2.5);
                    faultProxies(p, Fault.blackhole());
                    view.later(Duration.ofMillis(ms), "heal " + p.config().nodeId(), () -> faultProxies(p,
                            Fault.pass()));
                    return describe(view, p) + " cut off for " + ms + " ms";
                }),
                FaultAction.of("blip", (view, random) -> {
                    HaServices p = view.process(view.leaderOr(random));
                    long ms = sessionFraction(random, 0.05, 0.25);
                    faultProxies(p, Fault.reset());
                    view.later(Duration.ofMillis(ms), "end the blip of " + p.config().nodeId(),
                            () -> faultProxies(p, Fault.pass()));
                    return describe(view, p) + "'s connections reset for " + ms + " ms";
                }),
                FaultAction.of("expire-session", (view, random) -> {
                    HaServices p = view.process(view.leaderOr(random));
                    return describe(view, p) + ": " + expire(p);
                }),
                deleteElectionFault());
    }

    private FaultAction deleteElectionFault() {
        return FaultAction.of("delete-election", (view, random) -> {
            ZooKeeperTestCluster c;
            synchronized (this) {
                c = cluster;
            }
            c.deleteElection();
            return "deleted " + c.clusterPath() + "/election with its latch nodes";
        });
    }

    private static String describe(CampaignView view, HaServices p) {
        boolean leads = view.leader().isPresent() && view.process(view.leader().getAsInt()) == p;
        return (leads ? "leader " : "") + p.config().nodeId();
    }

    private long sessionFraction(Random random, double min, double max) {
        return (long) (sessionTimeout.toMillis() * (min + random.nextDouble() * (max - min)));
    }

    private synchronized void faultProxies(HaServices process, Fault fault) {
        if (cluster != null) {
            cluster.proxies(process).forEach(p -> p.fault(fault));
        }
    }

    /** Kills {@code n} random running members (fewer if fewer run); returns their indexes. */
    private synchronized List<Integer> kill(int n, Random random) throws Exception {
        List<Integer> up = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            if (!down.contains(i)) {
                up.add(i);
            }
        }
        List<Integer> killed = new ArrayList<>();
        while (killed.size() < n && !up.isEmpty()) {
            int i = up.remove(random.nextInt(up.size()));
            ensemble.killServer(members.get(i));
            down.add(i);
            killed.add(i);
        }
        return killed;
    }

    private synchronized String describeKill(List<Integer> killed) {
        return killed.isEmpty() ? "no member left to kill" : "killed member(s) " + killed + ", down now " + down;
    }

    private synchronized String restartOne(Random random) throws Exception {
        if (down.isEmpty()) {
            return "no member to restart";
        }
        List<Integer> candidates = new ArrayList<>(down);
        int i = candidates.get(random.nextInt(candidates.size()));
        ZkEnsemble.restart(ensemble, members.get(i));
        down.remove(i);
        return "restarted member " + i + ", down now " + down;
    }

    private synchronized void restartAll() {
        restart(new ArrayList<>(down));
    }

    /** Restarts those of {@code indexes} that are still down. */
    private synchronized void restart(List<Integer> indexes) {
        for (Integer i : indexes) {
            if (!down.contains(i)) {
                continue;
            }
            try {
                ZkEnsemble.restart(ensemble, members.get(i));
                down.remove(i);
            } catch (Exception e) {
                throw new IllegalStateException("could not restart ZooKeeper member " + i, e);
            }
        }
    }

    /** Expires {@code process}'s session on the servers; skipped while the quorum is lost. */
    private String expire(HaServices process) {
        ZooKeeperBackend backend;
        synchronized (this) {
            if (down.size() >= 2) {
                return "not expired: the quorum is lost";
            }
            backend = ZkTestClusters.backend(process);
        }
        try {
            ZooKeeper zk = backend.client.getZookeeperClient().getZooKeeper();
            long session = zk.getSessionId();
            if (session == 0) {
                return "not expired: it has no session now";
            }
            ZkEnsemble.expire(ensemble.getConnectString(), session, zk.getSessionPasswd(), sessionTimeout);
            return "expired session 0x" + Long.toHexString(session);
        } catch (Exception e) {
            return "not expired: " + e.getMessage();
        }
    }

    @Override
    public synchronized void heal() {
        restartAll();
        if (cluster != null) {
            for (List<FaultInjectingProxy> own : cluster.allProxies()) {
                own.forEach(p -> p.fault(Fault.pass()));
            }
        }
    }

    /**
     * A session timeout twice over (a process cut off at the end must see its session expire, then reconnect) plus
     * time for restarted members to form a quorum again.
     */
    @Override
    public Duration recoveryTimeout() {
        return sessionTimeout.multipliedBy(2).plusSeconds(15);
    }

    /** Closes the proxies and the ensemble. */
    @Override
    public synchronized void close() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
        ensemble.close();
    }
}
