package io.hakit.testkit.proxy;

/**
 * One direction of a proxied TCP connection. Faults of a {@link FaultInjectingProxy} are set per direction.
 */
public enum Direction {

    /** Bytes the client sends towards the target (client -> proxy -> target). */
    UPSTREAM,

    /** Bytes the target sends back to the client (target -> proxy -> client). */
    DOWNSTREAM
}
