package io.hakit.api;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What leader retrieval publishes for one component: the confirmed leader's address with its session id and
 * epoch, or {@link #empty()} when no leader is confirmed. Immutable and thread-safe.
 */
public final class LeaderInformation {

    private static final LeaderInformation EMPTY = new LeaderInformation(null, null, 0);

    private final UUID sessionId;
    private final String address;
    private final long epoch;

    private LeaderInformation(UUID sessionId, String address, long epoch) {
        this.sessionId = sessionId;
        this.address = address;
        this.epoch = epoch;
    }

    /**
     * Leader information for a confirmed leader.
     *
     * @param session the confirmed leader's session
     * @param address the address the leader confirmed
     * @return the leader information
     * @throws NullPointerException if an argument is null
     */
    public static LeaderInformation known(LeaderSession session, String address) {
        Objects.requireNonNull(session, "session");
        return known(session.id(), session.epoch(), address);
    }

    /**
     * Leader information for a confirmed leader.
     *
     * @param sessionId the leader's session id
     * @param epoch the leader's epoch, positive
     * @param address the address the leader confirmed
     * @return the leader information
     * @throws NullPointerException if {@code sessionId} or {@code address} is null
     * @throws IllegalArgumentException if {@code epoch <= 0}
     */
    public static LeaderInformation known(UUID sessionId, long epoch, String address) {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(address, "address");
        if (epoch <= 0) {
            throw new IllegalArgumentException("epoch must be positive, was " + epoch);
        }
        return new LeaderInformation(sessionId, address, epoch);
    }

    /**
     * No confirmed leader.
     *
     * @return the shared empty instance
     */
    public static LeaderInformation empty() {
        return EMPTY;
    }

    /**
     * Whether no leader is confirmed.
     *
     * @return {@code true} for {@link #empty()}
     */
    public boolean isEmpty() {
        return sessionId == null;
    }

    /**
     * The leader's session id, or empty.
     *
     * @return the session id, or empty when no leader is confirmed
     */
    public Optional<UUID> sessionId() {
        return Optional.ofNullable(sessionId);
    }

    /**
     * The leader's address as it confirmed it, or empty.
     *
     * @return the address, or empty when no leader is confirmed
     */
    public Optional<String> address() {
        return Optional.ofNullable(address);
    }

    /**
     * The leader's epoch, or 0 when empty.
     *
     * @return the epoch, positive unless empty
     */
    public long epoch() {
        return epoch;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LeaderInformation)) {
            return false;
        }
        LeaderInformation that = (LeaderInformation) o;
        return epoch == that.epoch && Objects.equals(sessionId, that.sessionId) && Objects.equals(address, that.address);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sessionId, address, epoch);
    }

    @Override
    public String toString() {
        return isEmpty() ? "LeaderInformation{empty}"
                : "LeaderInformation{address=" + address + ", epoch=" + epoch + ", session=" + sessionId + "}";
    }
}
