package io.hakit.api.detect;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Watches many peers, each identified by a string id, with one {@link FailureDetector} per peer (the
 * counterpart of Pekko's {@code DefaultFailureDetectorRegistry}).
 *
 * <p>A peer is registered by its first {@link #heartbeat(String)}: the monitor asks the factory given at
 * construction for a new detector, records the heartbeat and from then on answers for that peer. A peer that never
 * sent a heartbeat is unknown and is reported as available ({@link #isAvailable(String)} is {@code true}), like a
 * detector that is not monitoring yet; {@link #remove(String)} forgets a peer (for example when it leaves the
 * cluster on purpose), so that it is no longer reported as unavailable.
 *
 * <p><b>Bounded.</b> At most {@code maxPeers} peers are watched at once; a heartbeat from one more peer fails with
 * an {@link IllegalStateException} naming the limit, and nothing changes. This protects the process from a flood of
 * heartbeats with made-up ids.
 *
 * <p><b>Threading.</b> Thread-safe. Heartbeats and queries for known peers are lock-free (a concurrent map lookup
 * plus the detector's own call); registering a new peer takes a short private lock, and the factory is called
 * while holding it, so the factory must be fast and must not call back into this monitor. Snapshot methods
 * ({@link #unavailable()}, {@link #peers()}) are weakly consistent: they reflect some moment during the call.
 */
public final class HeartbeatMonitor {

    private final int maxPeers;
    private final Function<String, ? extends FailureDetector> detectorFactory;
    private final ConcurrentHashMap<String, FailureDetector> detectors = new ConcurrentHashMap<>();
    /** Serialises registrations so the size check and the insertion are atomic. */
    private final Object registrationLock = new Object();

    private HeartbeatMonitor(int maxPeers, Function<String, ? extends FailureDetector> detectorFactory) {
        this.maxPeers = maxPeers;
        this.detectorFactory = detectorFactory;
    }

    /**
     * Creates a monitor.
     *
     * @param maxPeers        the most peers watched at once; must be at least 1
     * @param detectorFactory makes the detector for a newly seen peer id, for example
     *                        {@code id -> PhiAccrualFailureDetector.builder().name(id).build()}; must return a new,
     *                        non-null detector on every call (sharing one detector between peers mixes their
     *                        heartbeats)
     * @return a new, empty monitor
     * @throws NullPointerException     if {@code detectorFactory} is null
     * @throws IllegalArgumentException if {@code maxPeers < 1}
     */
    public static HeartbeatMonitor create(int maxPeers,
                                          Function<String, ? extends FailureDetector> detectorFactory) {
        Objects.requireNonNull(detectorFactory, "detectorFactory");
        if (maxPeers < 1) {
            throw new IllegalArgumentException("maxPeers must be >= 1, was " + maxPeers);
        }
        return new HeartbeatMonitor(maxPeers, detectorFactory);
    }

    /**
     * Records a heartbeat from {@code id}, registering the peer with a new detector if it is not watched yet.
     *
     * @param id the peer's id, not empty
     * @throws NullPointerException     if {@code id} is null, or the factory returned null
     * @throws IllegalArgumentException if {@code id} is empty
     * @throws IllegalStateException    if {@code id} is new and {@code maxPeers} peers are already watched
     */
    public void heartbeat(String id) {
        FailureDetector detector = detectors.get(checkId(id));
        if (detector == null) {
            detector = register(id);
        }
        detector.heartbeat();
    }

    private FailureDetector register(String id) {
        synchronized (registrationLock) {
            FailureDetector existing = detectors.get(id);
            if (existing != null) {
                return existing;
            }
            if (detectors.size() >= maxPeers) {
                throw new IllegalStateException("HeartbeatMonitor is full: maxPeers=" + maxPeers
                        + " peers are already watched; remove(id) a peer before adding '" + id + "'");
            }
            FailureDetector created = Objects.requireNonNull(detectorFactory.apply(id),
                    "detectorFactory returned null for peer " + id);
            detectors.put(id, created);
            return created;
        }
    }

    /**
     * Returns whether peer {@code id} is considered available; {@code true} for a peer that is not watched (never
     * sent a heartbeat, or was removed).
     *
     * @param id the peer's id, not empty
     * @return {@code false} if the peer is watched and suspected
     * @throws NullPointerException     if {@code id} is null
     * @throws IllegalArgumentException if {@code id} is empty
     */
    public boolean isAvailable(String id) {
        FailureDetector detector = detectors.get(checkId(id));
        return detector == null || detector.isAvailable();
    }

    /**
     * Returns the suspicion level of peer {@code id} (see {@link FailureDetector#phi()}); {@code 0.0} for a peer
     * that is not watched.
     *
     * @param id the peer's id, not empty
     * @return the peer's suspicion level, {@code 0.0} or more
     * @throws NullPointerException     if {@code id} is null
     * @throws IllegalArgumentException if {@code id} is empty
     */
    public double phi(String id) {
        FailureDetector detector = detectors.get(checkId(id));
        return detector == null ? 0.0 : detector.phi();
    }

    /**
     * Returns whether peer {@code id} is watched (it sent a heartbeat and was not removed since).
     *
     * @param id the peer's id, not empty
     * @return whether the peer is watched
     * @throws NullPointerException     if {@code id} is null
     * @throws IllegalArgumentException if {@code id} is empty
     */
    public boolean isWatched(String id) {
        return detectors.containsKey(checkId(id));
    }

    /**
     * Returns the detector of peer {@code id}, if watched. Heartbeats should still go through
     * {@link #heartbeat(String)}.
     *
     * @param id the peer's id, not empty
     * @return the peer's detector, or empty if it is not watched
     * @throws NullPointerException     if {@code id} is null
     * @throws IllegalArgumentException if {@code id} is empty
     */
    public Optional<FailureDetector> detector(String id) {
        return Optional.ofNullable(detectors.get(checkId(id)));
    }

    /**
     * Stops watching peer {@code id} and forgets its history; a later heartbeat registers it afresh.
     *
     * @param id the peer's id, not empty
     * @return {@code true} if the peer was watched
     * @throws NullPointerException     if {@code id} is null
     * @throws IllegalArgumentException if {@code id} is empty
     */
    public boolean remove(String id) {
        return detectors.remove(checkId(id)) != null;
    }

    /** Stops watching every peer. */
    public void clear() {
        detectors.clear();
    }

    /**
     * Returns the ids of the watched peers that are currently suspected, as an immutable, sorted snapshot.
     *
     * @return the suspected peers' ids, sorted; empty if none
     */
    public Set<String> unavailable() {
        TreeSet<String> suspected = new TreeSet<>();
        for (Map.Entry<String, FailureDetector> e : detectors.entrySet()) {
            if (!e.getValue().isAvailable()) {
                suspected.add(e.getKey());
            }
        }
        return Collections.unmodifiableSet(suspected);
    }

    /**
     * Returns the ids of all watched peers, as an immutable, sorted snapshot.
     *
     * @return the watched peers' ids, sorted
     */
    public Set<String> peers() {
        return Collections.unmodifiableSet(new TreeSet<>(detectors.keySet()));
    }

    /**
     * Returns the number of watched peers.
     *
     * @return the number of watched peers
     */
    public int size() {
        return detectors.size();
    }

    /**
     * Returns the most peers watched at once, as given at construction.
     *
     * @return the most peers watched at once
     */
    public int maxPeers() {
        return maxPeers;
    }

    @Override
    public String toString() {
        return "HeartbeatMonitor{peers=" + detectors.size() + "/" + maxPeers + ", unavailable=" + unavailable() + '}';
    }

    private static String checkId(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty()) {
            throw new IllegalArgumentException("id must not be empty");
        }
        return id;
    }
}
