package io.hakit.testkit.proxy;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A network fault a {@link FaultInjectingProxy} applies to one direction of every proxied connection.
 *
 * <p>Immutable and thread-safe. Create instances with the named factories; {@link #pass()} is the normal,
 * fault-free behaviour and the default of every proxy.
 */
public final class Fault {

    /** The longest delay {@link #delay(Duration)} accepts. Longer delays are better expressed as {@link #blackhole()}. */
    public static final Duration MAX_DELAY = Duration.ofDays(1);

    private static final Fault PASS = new Fault(Kind.PASS, Duration.ZERO);
    private static final Fault DROP = new Fault(Kind.DROP, Duration.ZERO);
    private static final Fault BLACKHOLE = new Fault(Kind.BLACKHOLE, Duration.ZERO);
    private static final Fault RESET = new Fault(Kind.RESET, Duration.ZERO);

    /** What a fault does to the bytes of one direction. */
    public enum Kind {

        /** Bytes are forwarded as soon as they are read. */
        PASS,

        /** Each chunk is forwarded {@link Fault#delay()} after the proxy read it; order is preserved. */
        DELAY,

        /** Bytes are read and discarded silently; connections stay open. */
        DROP,

        /**
         * The proxy stops reading: bytes pile up in the socket buffers until TCP backpressure blocks the sender.
         * Connections stay open and no FIN or RST is sent, so neither peer notices (TCP keepalive does not either,
         * because the peers' kernels still acknowledge keepalive probes): the classic silent partition.
         */
        BLACKHOLE,

        /**
         * Every current connection is closed with a TCP RST, and new connections are accepted and immediately
         * reset while this fault is set on either direction.
         */
        RESET
    }

    private final Kind kind;
    private final Duration delay;

    private Fault(Kind kind, Duration delay) {
        this.kind = kind;
        this.delay = delay;
    }

    /**
     * Normal forwarding, the default.
     *
     * @return the {@link Kind#PASS} fault
     */
    public static Fault pass() {
        return PASS;
    }

    /**
     * Forwards each chunk {@code delay} after the proxy read it, preserving order. Reading continues while
     * chunks wait, up to the proxy's buffer size per direction and connection (then TCP backpressure applies),
     * so this models latency rather than a bandwidth limit.
     *
     * @param delay how long each chunk waits after it was read, 0 to {@link #MAX_DELAY}
     * @return a {@link Kind#DELAY} fault
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative or longer than {@link #MAX_DELAY}
     */
    public static Fault delay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("delay must be between 0 and " + MAX_DELAY + ", was " + delay);
        }
        return new Fault(Kind.DELAY, delay);
    }

    /**
     * Reads and silently discards bytes; connections stay open. {@link FaultInjectingProxy#bytesDropped} counts them.
     *
     * @return the {@link Kind#DROP} fault
     */
    public static Fault drop() {
        return DROP;
    }

    /**
     * Stops reading, so that bytes pile up and the sender eventually blocks; connections stay open: a silent
     * partition (see {@link Kind#BLACKHOLE}).
     *
     * @return the {@link Kind#BLACKHOLE} fault
     */
    public static Fault blackhole() {
        return BLACKHOLE;
    }

    /**
     * Resets every current connection and resets new ones on accept while set.
     *
     * @return the {@link Kind#RESET} fault
     */
    public static Fault reset() {
        return RESET;
    }

    /**
     * What this fault does.
     *
     * @return the fault's kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The delay of a {@link Kind#DELAY} fault.
     *
     * @return how long each chunk waits; {@link Duration#ZERO} for every other kind
     */
    public Duration delay() {
        return delay;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Fault)) {
            return false;
        }
        Fault that = (Fault) o;
        return kind == that.kind && delay.equals(that.delay);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + delay.hashCode();
    }

    @Override
    public String toString() {
        return kind == Kind.DELAY ? "delay(" + delay + ")" : kind.name().toLowerCase(Locale.ROOT) + "()";
    }
}
