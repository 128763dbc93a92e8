package io.hakit.kubernetes;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.testkit.campaign.CampaignTarget;
import io.hakit.testkit.campaign.CampaignView;
import io.hakit.testkit.campaign.FaultAction;
import io.hakit.testkit.campaign.FaultCampaign;
import io.hakit.testkit.junit.internal.kubernetes.ApiServers;
import io.hakit.testkit.junit.internal.kubernetes.KubernetesTestCluster;
import io.hakit.testkit.proxy.Fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A {@link CampaignTarget} on one API server (a real one for the CI campaign and {@code k8s-campaign}). Every process
 * reaches it through a {@link io.hakit.testkit.proxy.FaultInjectingProxy} of its own. Faults (durations in units of
 * the lease duration {@code L} = {@value #LEASE_MS} ms):
 * <ul>
 *   <li>{@code partition}: a process (the leader if there is one) is silently cut off for 0.3-2.5 L: shorter than the
 *   lease, or longer so that another process takes over;
 *   <li>{@code blip}: a process's connections are reset and refused for 0.05-0.25 L (its watches reconnect);
 *   <li>{@code steal-lease}: an administrator overwrites the Lease's holder with a stranger whose 1 s lease runs out
 *   (a lease lost behind the holder's back);
 *   <li>{@code restart-apiserver} (only on a server this JVM started): the apiserver is killed and started again
 *   after 0.2-1 L on the same etcd.
 * </ul>
 * {@link #heal()} ends every proxy fault and starts a killed apiserver. Each campaign run gets its own cluster id and
 * Kubernetes namespace.
 */
public final class K8sCampaignTarget implements CampaignTarget {

    static final long LEASE_MS = 3000;
    /** Fault steps per schedule. */
    public static final int STEPS = 6;

    private final ApiServers server;
    // guarded by this
    private KubernetesTestCluster cluster;
    private String clusterId;
    private boolean apiServerDown;

    public K8sCampaignTarget(ApiServers server) {
        this.server = server;
    }

    /** The campaign for {@code seed}: {@value #STEPS} steps, holds of 0.2-1 s, lease 3 s / 2 s / 200 ms. */
    public static FaultCampaign campaign(long seed) {
        return FaultCampaign.builder().seed(seed).steps(STEPS)
                .hold(Duration.ofMillis(200), Duration.ofMillis(1000))
                .timeBound(Duration.ofSeconds(20))
                .configure(b -> b.leaseDuration(Duration.ofMillis(LEASE_MS)).renewDeadline(Duration.ofSeconds(2))
                        .retryPeriod(Duration.ofMillis(200)).operationTimeout(Duration.ofSeconds(1)))
                .build();
    }

    @Override
    public synchronized HaServices newProcess(HaConfig.Builder config) {
        String id = config.build().clusterId();
        if (cluster == null || !id.equals(clusterId)) {
            if (cluster != null) {
                cluster.close();
            }
            cluster = KubernetesTestCluster.proxied(server);
            clusterId = id;
        }
        return cluster.newProcess(config);
    }

    @Override
    public synchronized boolean expireSession(HaServices process) {
        return cluster.expireSession(process);
    }

    @Override
    public List<FaultAction> faults() {
        List<FaultAction> faults = new ArrayList<>(List.of(
                FaultAction.of("partition", (view, random) -> {
                    HaServices p = view.process(view.leaderOr(random));
                    long ms = leaseFraction(random, 0.3, 2.5);
                    fault(p, Fault.blackhole());
                    view.later(Duration.ofMillis(ms), "heal " + p.config().nodeId(), () -> fault(p, Fault.pass()));
                    return describe(view, p) + " cut off for " + ms + " ms";
                }),
                FaultAction.of("blip", (view, random) -> {
                    HaServices p = view.process(view.leaderOr(random));
                    long ms = leaseFraction(random, 0.05, 0.25);
                    fault(p, Fault.reset());
                    view.later(Duration.ofMillis(ms), "end the blip of " + p.config().nodeId(),
                            () -> fault(p, Fault.pass()));
                    return describe(view, p) + "'s connections reset for " + ms + " ms";
                }),
                FaultAction.of("steal-lease", (view, random) -> {
                    HaServices p = view.process(view.leaderOr(random));
                    try {
                        expireSession(p);
                        return "the Lease taken from " + describe(view, p);
                    } catch (RuntimeException e) {
                        return "could not steal the Lease: " + e.getMessage();
                    }
                })));
        if (!server.isMock() && System.getenv("KUBECONFIG") == null) {
            faults.add(FaultAction.of("restart-apiserver", (view, random) -> {
                synchronized (this) {
                    if (apiServerDown) {
                        return "the apiserver is down already";
                    }
                    server.killApiServer();
                    apiServerDown = true;
                }
                long ms = leaseFraction(random, 0.2, 1.0);
                view.later(Duration.ofMillis(ms), "start the apiserver", this::startApiServer);
                return "apiserver killed; starting it again after " + ms + " ms";
            }));
        }
        return faults;
    }

    private synchronized void startApiServer() {
        if (apiServerDown) {
            try {
                server.startApiServerAgain();
            } catch (Exception e) {
                throw new IllegalStateException("could not start the apiserver again", e);
            }
            apiServerDown = false;
        }
    }

    private static String describe(CampaignView view, HaServices p) {
        boolean leads = view.leader().isPresent() && view.process(view.leader().getAsInt()) == p;
        return (leads ? "leader " : "") + p.config().nodeId();
    }

    private static long leaseFraction(Random random, double min, double max) {
        return (long) (LEASE_MS * (min + random.nextDouble() * (max - min)));
    }

    private synchronized void fault(HaServices p, Fault f) {
        if (cluster != null) {
            try {
                cluster.proxy(p).fault(f);
            } catch (IllegalArgumentException e) {
                // a process of an earlier run
            }
        }
    }

    @Override
    public synchronized void heal() {
        startApiServer();
        if (cluster != null) {
            cluster.healAll();
        }
    }

    @Override
    public Duration recoveryTimeout() {
        return Duration.ofSeconds(40);
    }

    @Override
    public synchronized void close() {
        if (cluster != null) {
            cluster.close();
        }
    }
}
