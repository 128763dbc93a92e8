package io.hakit.api.alarm;

/**
 * How urgently an operator should act on an {@link Alarm}, from most to least severe. The order of the constants
 * is the order of severity: {@code a.compareTo(b) < 0} means {@code a} is more severe than {@code b}.
 */
public enum Severity {

    /** Service is broken or data is at risk now (for example split brain); act immediately. */
    CRITICAL,

    /** High availability is lost or degraded (for example the standby cannot take over); act soon. */
    MAJOR,

    /** A problem that will become major if ignored (for example a certificate about to expire). */
    MINOR,

    /** Worth knowing, no action required yet. */
    WARNING
}
