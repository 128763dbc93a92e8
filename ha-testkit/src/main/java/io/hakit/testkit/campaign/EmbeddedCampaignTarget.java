package io.hakit.testkit.campaign;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.api.embedded.FailureMode;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link CampaignTarget} on a fresh {@link EmbeddedHaBackend}, through its control surface. Faults:
 * <ul>
 *   <li>{@code revoke-leadership}: the backend takes leadership from the leader and grants the next contender;
 *   <li>{@code suspend}: a process (the leader if there is one) is cut off ({@code SUSPENDED}) for a while, keeping
 *   its session;
 *   <li>{@code expire-session}: a process's session is expired (the leader if there is one);
 *   <li>{@code delete-election}: the election's storage is deleted (the leader loses, the counter starts again; the
 *   epoch floor stays, so epochs keep increasing);
 *   <li>{@code backend-unavailable} / {@code unknown-outcome}: every operation fails, or every write is applied and
 *   then reported as an unknown outcome, for a while.
 * </ul>
 * "A while" is drawn between {@code minFault} and {@code maxFault}; {@link #heal()} resumes every process and clears
 * the failure mode. The reference target: small, and a model for a backend's own.
 */
public final class EmbeddedCampaignTarget implements CampaignTarget {

    private final EmbeddedHaBackend backend = EmbeddedHaBackend.create();
    private final List<String> nodes = new CopyOnWriteArrayList<>();
    private final long minFaultMs;
    private final long maxFaultMs;

    /**
     * A target whose timed faults last between {@code minFault} and {@code maxFault}.
     *
     * @param minFault the shortest a suspension or failure mode lasts, positive
     * @param maxFault the longest, at least {@code minFault}; each fault draws its length in between
     * @throws IllegalArgumentException if {@code minFault} is not positive or {@code maxFault} is below it
     */
    public EmbeddedCampaignTarget(Duration minFault, Duration maxFault) {
        if (minFault.isNegative() || minFault.isZero() || maxFault.compareTo(minFault) < 0) {
            throw new IllegalArgumentException("need 0 < minFault <= maxFault, got " + minFault + " and " + maxFault);
        }
        this.minFaultMs = minFault.toMillis();
        this.maxFaultMs = maxFault.toMillis();
    }

    /**
     * The backend's control surface, to look at or drive the backend beside the campaign.
     *
     * @return the embedded backend every process of this target is connected to
     */
    public EmbeddedHaBackend backend() {
        return backend;
    }

    @Override
    public HaServices newProcess(HaConfig.Builder config) {
        HaConfig c = config.type("embedded").build();
        nodes.add(c.nodeId());
        return backend.newServices(c);
    }

    @Override
    public boolean expireSession(HaServices process) {
        backend.expireSession(process.config().nodeId());
        return true;
    }

    @Override
    public List<FaultAction> faults() {
        return List.of(
                FaultAction.of("revoke-leadership", (view, random) -> backend.revokeLeadership()
                        ? "revoked the leader; the backend is at epoch " + backend.epoch() : "nobody led"),
                FaultAction.of("suspend", (view, random) -> {
                    String node = node(view, random);
                    long ms = duration(random);
                    backend.suspend(node);
                    view.later(Duration.ofMillis(ms), "resume " + node, () -> backend.resume(node));
                    return "suspended " + node + " for " + ms + " ms";
                }),
                FaultAction.of("expire-session", (view, random) -> {
                    String node = node(view, random);
                    backend.expireSession(node);
                    return "expired the session of " + node;
                }),
                FaultAction.of("delete-election", (view, random) -> {
                    backend.deleteElection();
                    return "deleted the election (its counter starts again; the epoch floor stays at "
                            + backend.epoch() + ")";
                }),
                failureMode("backend-unavailable", FailureMode.UNAVAILABLE),
                failureMode("unknown-outcome", FailureMode.UNKNOWN_OUTCOME));
    }

    private FaultAction failureMode(String name, FailureMode mode) {
        return FaultAction.of(name, (view, random) -> {
            long ms = duration(random);
            backend.setFailureMode(mode);
            view.later(Duration.ofMillis(ms), "failure mode NONE", () -> backend.setFailureMode(FailureMode.NONE));
            return "failure mode " + mode + " for " + ms + " ms";
        });
    }

    private static String node(CampaignView view, Random random) {
        return view.process(view.leaderOr(random)).config().nodeId();
    }

    private long duration(Random random) {
        return minFaultMs + (long) (random.nextDouble() * (maxFaultMs - minFaultMs));
    }

    @Override
    public void heal() {
        backend.setFailureMode(FailureMode.NONE);
        for (String node : nodes) {
            backend.resume(node);
        }
    }

    @Override
    public Duration recoveryTimeout() {
        return Duration.ofSeconds(10);
    }

    /** Nothing to release: the backend lives in memory and goes with its processes. */
    @Override
    public void close() {
    }
}
