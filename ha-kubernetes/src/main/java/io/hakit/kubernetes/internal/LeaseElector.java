package io.hakit.kubernetes.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.api.spi.ElectionDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One process's contention for the cluster's Lease, with client-go's semantics and HAKit's fencing.
 *
 * <ul>
 *   <li><b>Expiry is measured locally</b>: a follower notes the ticker when it first sees a version of the Lease
 *   (any change of its resourceVersion) and takes it over only once the Lease's duration has passed on its own ticker
 *   since then with no change, or at once when the holder released it (empty holder). The record's
 *   {@code renewTime} is written for people and never compared with the local clock.
 *   <li><b>Every acquiring update raises the epoch annotation by one</b> ({@value Naming#EPOCH}), conditional on the
 *   resourceVersion read, so two contenders never both win an epoch. A missing Lease (or annotation) is re-seeded
 *   above the highest fence recorded in the cluster's ConfigMaps.
 *   <li><b>Seal before grant</b>: after acquiring epoch {@code e}, every ConfigMap of the cluster is listed (after the
 *   Lease update, so a claim made under an older epoch is seen) and its fence raised to {@code e} by a
 *   version-checked update; a fence already at or above {@code e} (the Lease was recreated) raises the epoch above
 *   it first. The grant is reported only if all this finished within the renew deadline of the acquiring update's
 *   send: no other process can acquire before the longer lease duration has passed since it saw that update.
 *   <li><b>Renew deadline</b>: the leader renews every retry period; if no renewal sent within the last renew
 *   deadline succeeded, it reports revoke, from a timer that no blocked request can hold up.
 *   <li><b>Release on close</b>: the holder is cleared (lease duration 1 s, epoch kept), and the other contenders,
 *   woken by the informer's event, acquire at once.
 * </ul>
 *
 * Requests run on the backend's driver thread; the deadline on its timer thread; state is guarded by {@link #lock}
 * and listener calls (which only enqueue) are made holding it, so none comes after {@link #close()} returned.
 */
final class LeaseElector implements ElectionDriver {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseElector.class);

    private final KubernetesBackend b;
    private final Listener listener;
    final String identity;
    private final long leaseNanos;
    private final long renewNanos;
    private final long retryNanos;
    private final AtomicBoolean stepQueued = new AtomicBoolean();

    private final Object lock = new Object();
    @GuardedBy("lock")
    private boolean closed;
    @GuardedBy("lock")
    private long leadingEpoch;
    @GuardedBy("lock")
    private long lastRenewSend;
    /** The Lease as we last wrote it while holding it; null when we do not hold it. */
    @GuardedBy("lock")
    private Lease mine;
    @GuardedBy("lock")
    private String observedVersion;
    /** After stepping down, no acquisition before this ticker reading (the others get the first chance). */
    @GuardedBy("lock")
    private long backoffUntil;
    @GuardedBy("lock")
    private boolean backingOff;
    @GuardedBy("lock")
    private long observedAt;
    @GuardedBy("lock")
    private java.util.concurrent.ScheduledFuture<?> nextStep;

    LeaseElector(KubernetesBackend backend, Listener listener) {
        this.b = backend;
        this.listener = listener;
        this.identity = backend.config.nodeId() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        this.leaseNanos = backend.options.leaseDuration().toNanos();
        this.renewNanos = backend.options.renewDeadline().toNanos();
        this.retryNanos = backend.options.retryPeriod().toNanos();
    }

    void start() {
        wake();
    }

    /** Runs a step soon. */
    void wake() {
        if (stepQueued.compareAndSet(false, true)) {
            b.runAsync(() -> {
                stepQueued.set(false);
                step();
            });
        }
    }

    /**
     * The informer saw the Lease released (or deleted): a step now, which acquires from that very version without
     * reading it again (a stale version only costs a 409), so the handover takes one request, not a retry period.
     */
    void released(Lease seen) {
        released = seen;
        wake();
    }

    /**
     * A version of the Lease seen by the informer (about when it was written): noted as an observation, so that the
     * expiry of another holder's lease counts from its last renewal as seen here, not from this driver's next read.
     * An older version arriving late only counts as a change: expiry moves later, never earlier.
     */
    void seen(Lease lease) {
        observe(lease);
        if (holder(lease) == null) {
            released(lease);
        } else {
            synchronized (lock) {
                observedHolder = lease;
            }
        }
    }

    /** The Lease as last observed with a holder (for the expiry timer of {@link #scheduleNext()}). */
    private Lease observedHolder;

    private volatile Lease released;

    /** The epoch this driver leads at, or 0. */
    long leadingEpoch() {
        synchronized (lock) {
            return leadingEpoch;
        }
    }

    /** Ticker reading at the send of the last successful acquire or renewal while leading; MIN_VALUE if not leading. */
    long lastRenewSend() {
        synchronized (lock) {
            return leadingEpoch > 0 ? lastRenewSend : Long.MIN_VALUE;
        }
    }

    /** One acquire or renew attempt, then the next is scheduled. Runs on the driver thread. */
    void step() {
        boolean leading;
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (nextStep != null) {
                nextStep.cancel(false);
                nextStep = null;
            }
            leading = leadingEpoch > 0;
        }
        try {
            if (leading) {
                renew();
            } else {
                tryAcquire();
            }
        } catch (BackendUnavailableException | UnknownOutcomeException e) {
            LOG.debug("{}: lease step failed: {}", identity, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("{}: lease step failed", identity, e);
        } finally {
            scheduleNext();
        }
    }

    private void scheduleNext() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            long delay = retryNanos;
            if (leadingEpoch == 0) {
                delay += (long) (retryNanos * 0.2 * ThreadLocalRandom.current().nextDouble());
                // another holder's lease runs out before the next period: try right then
                Lease held = observedHolder;
                if (held != null && holder(held) != null && !identity.equals(holder(held)) && !backingOff) {
                    long duration = held.getSpec().getLeaseDurationSeconds() == null ? leaseNanos
                            : TimeUnit.SECONDS.toNanos(held.getSpec().getLeaseDurationSeconds());
                    long untilExpiry = observedAt + duration - b.ticker.read() + 1_000_000;
                    if (untilExpiry > 0 && untilExpiry < delay) {
                        delay = untilExpiry;
                    }
                }
            }
            nextStep = b.schedule(this::wake, delay);
        }
    }

    // ------------------------------------------------------------------ following and acquiring

    private void observe(Lease lease) {
        String v = lease == null ? null : lease.getMetadata().getResourceVersion();
        synchronized (lock) {
            if (!Objects.equals(v, observedVersion)) {
                observedVersion = v;
                observedAt = b.ticker.read();
            }
        }
    }

    private boolean heldByAnother(Lease lease) {
        String holder = holder(lease);
        if (holder == null || holder.equals(identity)) {
            return false;
        }
        long duration = lease.getSpec().getLeaseDurationSeconds() == null ? leaseNanos
                : TimeUnit.SECONDS.toNanos(lease.getSpec().getLeaseDurationSeconds());
        synchronized (lock) {
            return b.ticker.read() - observedAt < duration;
        }
    }

    static String holder(Lease lease) {
        if (lease == null || lease.getSpec() == null) {
            return null;
        }
        String h = lease.getSpec().getHolderIdentity();
        return h == null || h.isEmpty() ? null : h;
    }

    static OptionalLong epochOf(Lease lease) {
        Map<String, String> a = lease == null ? null : lease.getMetadata().getAnnotations();
        return a == null ? OptionalLong.empty() : Naming.parseEpoch(a.get(Naming.EPOCH));
    }

    private void tryAcquire() {
        synchronized (lock) {
            if (backingOff && b.ticker.read() - backoffUntil < 0) {
                return;
            }
            backingOff = false;
        }
        Lease hint = released;
        released = null;
        Lease lease = hint != null && holder(hint) == null ? hint : b.kube.getLease(b.leaseName).orElse(null);
        observe(lease);
        if (heldByAnother(lease)) {
            synchronized (lock) {
                observedHolder = lease;
            }
            return;
        }
        OptionalLong annotated = epochOf(lease);
        long base = annotated.isPresent() ? annotated.getAsLong() : b.highestFence();
        long epoch = base + 1;
        long send = b.ticker.read();
        Lease acquired;
        try {
            acquired = lease == null ? createLease(epoch) : updateLease(lease, epoch, true);
        } catch (Kube.Conflict e) {
            LOG.debug("{}: lost the race for epoch {}: {}", identity, epoch, e.getMessage());
            return;
        }
        synchronized (lock) {
            if (closed) {
                mine = acquired;
                return; // the release queued by close() clears it
            }
            mine = acquired;
            lastRenewSend = send;
        }
        observe(acquired);
        long sealed;
        try {
            sealed = seal(epoch);
        } catch (RuntimeException e) {
            LOG.info("{}: acquired the Lease at epoch {} but could not seal the cluster's ConfigMaps ({}); releasing",
                    identity, epoch, e.getMessage());
            release();
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (b.ticker.read() - send >= renewNanos) {
                LOG.info("{}: acquiring epoch {} took longer than the renew deadline; not leading", identity, sealed);
                mine = null;
                return;
            }
            leadingEpoch = sealed;
            long epochLed = sealed;
            b.scheduleTimer(() -> deadlineTimer(epochLed), renewNanos - (b.ticker.read() - lastRenewSend));
            LOG.info("{}: leads at epoch {}", identity, sealed);
            listener.onGrantLeadership(sealed);
        }
    }

    private Lease createLease(long epoch) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        Lease lease = new LeaseBuilder().withNewMetadata().withName(b.leaseName).withNamespace(b.kube.namespace)
                .withLabels(b.labels(Naming.KIND_ELECTION))
                .withAnnotations(Map.of(Naming.EPOCH, Long.toString(epoch), Naming.ANNOTATION_CLUSTER,
                        b.config.clusterId()))
                .endMetadata().withNewSpec().withHolderIdentity(identity).withLeaseDurationSeconds(leaseSeconds())
                .withAcquireTime(now).withRenewTime(now).withLeaseTransitions(0).endSpec().build();
        b.owner().ifPresent(o -> lease.getMetadata().setOwnerReferences(List.of(o)));
        return b.kube.write("create Lease " + b.leaseName + " at epoch " + epoch,
                () -> b.kube.client.resources(Lease.class).inNamespace(b.kube.namespace).resource(lease).create());
    }

    /** A version-checked update of {@code from}: acquiring (holder, epoch, transitions) or renewing. */
    private Lease updateLease(Lease from, long epoch, boolean acquiring) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        Lease next = new LeaseBuilder(from).build();
        Map<String, String> a = new HashMap<>(next.getMetadata().getAnnotations() == null ? Map.of()
                : next.getMetadata().getAnnotations());
        a.put(Naming.EPOCH, Long.toString(epoch));
        next.getMetadata().setAnnotations(a);
        next.getSpec().setHolderIdentity(identity);
        next.getSpec().setLeaseDurationSeconds(leaseSeconds());
        next.getSpec().setRenewTime(now);
        if (acquiring) {
            next.getSpec().setAcquireTime(now);
            Integer t = from.getSpec().getLeaseTransitions();
            next.getSpec().setLeaseTransitions(t == null ? 1 : t + 1);
        }
        return b.kube.write((acquiring ? "acquire" : "renew") + " Lease " + b.leaseName + " at epoch " + epoch,
                () -> b.kube.client.resources(Lease.class).inNamespace(b.kube.namespace).resource(next).update());
    }

    private int leaseSeconds() {
        return (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(leaseNanos + 999_999_999L));
    }

    /**
     * Raises the fence of every ConfigMap of the cluster to the epoch (creating the leader-information ConfigMap if
     * missing), raising the epoch first above any fence already at or over it.
     *
     * @return the epoch to report
     * @throws RuntimeException if the Lease moved on, or a request failed
     */
    private long seal(long epoch) {
        long e = epoch;
        java.util.Set<String> sealedHere = new java.util.HashSet<>();
        for (int round = 0; round < 5; round++) {
            List<ConfigMap> maps = b.kube.listConfigMaps(b.clusterLabel);
            long current = e;
            // a fence at e that this seal did not set means another process was granted e (the Lease was recreated)
            long highest = maps.stream().mapToLong(cm -> ConfigMapStore.fence(cm) == current
                    && sealedHere.contains(cm.getMetadata().getName()) ? 0 : ConfigMapStore.fence(cm)).max().orElse(0);
            if (highest >= e) {
                long raised = highest + 1;
                LOG.warn("{}: the cluster's ConfigMaps have fence {} >= the Lease's epoch {} (was the Lease deleted?); "
                        + "raising the epoch to {}", identity, highest, e, raised);
                Lease from;
                synchronized (lock) {
                    from = mine;
                }
                Lease updated = updateLease(from, raised, false);
                synchronized (lock) {
                    mine = updated;
                }
                e = raised;
                continue;
            }
            boolean leadersExist = maps.stream()
                    .anyMatch(cm -> cm.getMetadata().getName().equals(b.leaders.objectName));
            if (!leadersExist) {
                try {
                    b.leaders.create(e); // created sealed; if someone created it meanwhile, the next round seals it
                    sealedHere.add(b.leaders.objectName);
                } catch (Kube.Conflict ignored) {
                    // the next round lists it
                }
            }
            boolean again = !leadersExist;
            for (ConfigMap cm : maps) {
                if (ConfigMapStore.fence(cm) < e) {
                    try {
                        ConfigMap sealedMap = ConfigMapStore.raiseFence(b, cm, e);
                        sealedHere.add(cm.getMetadata().getName());
                        if (cm.getMetadata().getName().equals(b.leaders.objectName)) {
                            b.leaders.remember(sealedMap); // the first confirmation then writes at once
                        }
                    } catch (Kube.Conflict c) {
                        again = true; // changed since the list: list again
                    }
                }
            }
            if (!again) {
                // No second read of the Lease: the grant is reported only within the renew deadline of the acquiring
                // update's send (checked by the caller), and no other process can acquire before the longer lease
                // duration has passed since it saw that update.
                return e;
            }
        }
        throw new BackendUnavailableException("the cluster's ConfigMaps kept changing while sealing epoch " + e);
    }

    // ------------------------------------------------------------------ leading

    private void renew() {
        Lease from;
        long epoch;
        synchronized (lock) {
            from = mine;
            epoch = leadingEpoch;
            if (from == null || epoch == 0) {
                return;
            }
        }
        if (deadlinePassed()) {
            return;
        }
        long send = b.ticker.read();
        try {
            Lease renewed = updateLease(from, epoch, false);
            synchronized (lock) {
                if (mine == from) {
                    mine = renewed; // also when close() came meanwhile: the release must start from this version
                }
                if (leadingEpoch == epoch && !closed) {
                    lastRenewSend = lastRenewSend + Math.max(0, send - lastRenewSend);
                }
            }
            observe(renewed);
        } catch (Kube.Conflict c) {
            Lease now = b.kube.getLease(b.leaseName).orElse(null);
            observe(now);
            if (identity.equals(holder(now)) && epochOf(now).orElse(-1) == epoch) {
                synchronized (lock) {
                    mine = now; // someone else touched it (labels, by hand): renew from its new version
                }
            } else {
                stepDown(epoch, "the Lease was taken (holder " + holder(now) + ", epoch " + epochOf(now) + ")");
            }
        }
    }

    /** Whether the renew deadline passed (and revoke was reported). */
    private boolean deadlinePassed() {
        long epoch;
        synchronized (lock) {
            if (closed || leadingEpoch == 0) {
                return true;
            }
            if (b.ticker.read() - lastRenewSend < renewNanos) {
                return false;
            }
            epoch = leadingEpoch;
        }
        stepDown(epoch, "no renewal succeeded within the renew deadline (" + TimeUnit.NANOSECONDS.toMillis(renewNanos)
                + " ms)");
        return true;
    }

    /**
     * The timer chain of one epoch: reports revoke when the renew deadline passes, from the timer thread, so a
     * request blocked on the driver thread cannot hold it up. Ends when the epoch ends.
     */
    private void deadlineTimer(long epoch) {
        long left;
        synchronized (lock) {
            if (closed || leadingEpoch != epoch) {
                return;
            }
            left = renewNanos - (b.ticker.read() - lastRenewSend);
        }
        if (left > 0) {
            b.scheduleTimer(() -> deadlineTimer(epoch), left);
        } else {
            deadlinePassed();
        }
    }

    private void stepDown(long epoch, String reason) {
        synchronized (lock) {
            if (closed || leadingEpoch != epoch || epoch == 0) {
                return;
            }
            leadingEpoch = 0;
            mine = null;
            backingOff = true;
            backoffUntil = b.ticker.read() + leaseNanos;
            LOG.warn("{}: steps down from epoch {}: {}", identity, epoch, reason);
            listener.onRevokeLeadership();
        }
    }

    // ------------------------------------------------------------------ ElectionDriver

    @Override
    public boolean hasLeadership() {
        return leadingEpoch() > 0;
    }

    @Override
    public void publishLeaderInformation(long epoch, String componentId, LeaderInformation info) {
        b.leaders.put(componentId, KubernetesBackend.leaderRecord(info), StateStore.ANY, epoch);
    }

    @Override
    public void deleteLeaderInformation(long epoch, String componentId) {
        try {
            b.leaders.mutate("delete leader information of " + componentId, epoch, entries -> {
                Naming.Entry e = entries.get(componentId);
                if (e == null || KubernetesBackend.parseLeader(e.record).map(LeaderInformation::epoch)
                        .orElse(-1L) != epoch) {
                    return null;
                }
                return Map.of(Naming.entryName(componentId), Optional.empty());
            });
        } catch (LeadershipLostException e) {
            // a newer leader owns the records now
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            leadingEpoch = 0;
            if (nextStep != null) {
                nextStep.cancel(false);
            }
        }
        b.runAsync(this::release);
    }

    /** Clears the holder if we hold the Lease, so the next contender acquires at once. Driver thread. */
    private void release() {
        Lease from;
        synchronized (lock) {
            from = mine;
            mine = null;
            leadingEpoch = closed ? 0 : leadingEpoch;
        }
        if (from == null) {
            return;
        }
        for (int attempt = 0; attempt < 3 && from != null; attempt++) {
            Lease next = new LeaseBuilder(from).build();
            next.getSpec().setHolderIdentity(null);
            next.getSpec().setLeaseDurationSeconds(1);
            next.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
            try {
                b.kube.write("release Lease " + b.leaseName, () -> b.kube.client.resources(Lease.class)
                        .inNamespace(b.kube.namespace).resource(next).update());
                LOG.info("{}: released the Lease", identity);
                return;
            } catch (Kube.Conflict e) {
                // changed since our last write (a renewal in flight at close): release from its current version
                Lease now = b.kube.getLease(b.leaseName).orElse(null);
                from = identity.equals(holder(now)) ? now : null;
            } catch (RuntimeException e) {
                LOG.info("{}: could not release the Lease (it expires by itself): {}", identity, e.getMessage());
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "LeaseElector{" + identity + "}";
    }
}
