package io.hakit.keepalive;

/** The role of a keepalive node. */
public enum Role {
    /** Serves: holds the floating IP, is the sync source, runs the active hooks. */
    ACTIVE,
    /** Ready to take over: watches the active through heartbeats. */
    STANDBY,
    /** Its local health checks fail: never active until they pass again (rise count). */
    FAULT,
    /** Stopped by its owner; sends a goodbye so that the peer takes over at once. */
    STOPPED
}
