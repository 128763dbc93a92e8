package io.hakit.api.alarm;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The catalogue of HAKit alarms. Each type has a stable numeric id (the ids follow the FlinkServer alarms HAKit
 * replaces, so existing monitoring rules keep working), a {@link Severity} and a one-line description for
 * operators. Ids never change and are never reused; {@link #byId(int)} maps an id back to its type.
 *
 * <p>Every alarm is raised for a <em>source</em> (a node id, a path, a peer address) and is cleared automatically
 * when its cause is gone; see {@link AlarmRegistry}.
 */
public enum AlarmType {

    /**
     * 45640: heartbeats between the active and the standby node stopped arriving.
     *
     * <p>Raised by the keepalive when no heartbeat from the peer arrived for the configured interruption timeout
     * (30 s by default), and at once when the peer's address answers but the TLS handshake with it fails (the detail
     * then names the cause: an unknown CA, an expired or not yet valid certificate, another node's name, or the
     * peer's refusal of this node's certificate); source: the peer node. Cleared when heartbeats arrive again.
     * Operators should check that the peer process is running, the network path and firewall between the two nodes,
     * and the TLS certificates used by the keepalive link.
     */
    HEARTBEAT_INTERRUPTED(45640, Severity.MAJOR, "Heartbeat between the active and standby nodes interrupted"),

    /**
     * 45641: data synchronization from the active to the standby failed.
     *
     * <p>Raised by the file synchronizer when a transfer or the periodic verification (every 60 s by default)
     * fails; source: the synchronized directory or file. Cleared when a later verification finds the standby in
     * sync. Operators should check disk space and permissions on the standby, the keepalive link, and the
     * synchronizer's log for the failing path.
     */
    SYNC_FAILED(45641, Severity.MAJOR, "Data synchronization between active and standby failed"),

    /**
     * 45653: the HA certificate file cannot be used (unreadable, malformed, wrong key, untrusted chain, or not yet
     * valid).
     *
     * <p>Raised by the certificate check at the first health check and daily at 01:00; source: the certificate
     * file path. Cleared when a later check finds a valid certificate. Operators should check the file's path,
     * permissions and format, and that the key and the trust chain match it.
     */
    CERT_INVALID(45653, Severity.MINOR, "HA certificate file is invalid"),

    /**
     * 45654: the HA certificate expires soon (within 30 days by default).
     *
     * <p>Raised by the daily certificate check; source: the certificate file path. Cleared when the certificate
     * is replaced by one valid beyond the warning period (or superseded by {@link #CERT_EXPIRED}). Operators
     * should renew the certificate and deploy it to both nodes.
     */
    CERT_EXPIRING(45654, Severity.MINOR, "HA certificate is about to expire"),

    /**
     * 45655: the HA certificate has expired; TLS connections between the nodes will fail.
     *
     * <p>Raised by the certificate check; source: the certificate file path. Cleared when a valid certificate is
     * in place. Operators should renew and deploy the certificate on both nodes now.
     */
    CERT_EXPIRED(45655, Severity.MAJOR, "HA certificate has expired"),

    /**
     * 45690: the service keeps failing and being restarted.
     *
     * <p>Raised by {@link RestartLoopDetector} when more than a configured number of restarts (3 by default)
     * happen within a sliding window (5 minutes by default); one or two restarts never raise it. Source: the
     * restarting service or node. Cleared after a quiet period without restarts. Operators should read the logs
     * of the first failure in the loop, not the last.
     */
    RESTART_LOOP(45690, Severity.MAJOR, "Service is in a fail-and-restart loop"),

    /**
     * 45691: two nodes act as active at the same time.
     *
     * <p>Raised by the keepalive when both nodes of a pair are found to be active (resolved by epoch, then
     * priority, when they meet again); source: this node. Cleared when exactly one active remains. Operators
     * should check the network partition between the nodes and the arbiter configuration, and verify data
     * written by both sides.
     */
    SPLIT_BRAIN(45691, Severity.CRITICAL, "Two active nodes detected (split brain)"),

    /**
     * 45692: leadership changes hands too often.
     *
     * <p>Raised by the election service when the number of leadership changes in a sliding window exceeds its
     * limit; source: the election or component. Cleared after a quiet period. Operators should check backend
     * latency, session and lease timeouts, GC pauses and the network between the contenders and the backend.
     */
    LEADERSHIP_FLAPPING(45692, Severity.MINOR, "Leadership changes too often"),

    /**
     * 45693: the HA backend (ZooKeeper, Kubernetes API) cannot be reached.
     *
     * <p>Raised when the connection to the backend is lost or suspended for longer than allowed; source: the
     * backend address. Cleared when the connection is re-established. Operators should check the backend's
     * health, credentials and the network path to it.
     */
    BACKEND_UNAVAILABLE(45693, Severity.MAJOR, "HA backend unavailable"),

    /**
     * 45694: a synchronized file was changed on both nodes; the standby kept its own version as a conflict copy.
     *
     * <p>Raised by the file synchronizer on the node that holds conflict copies ({@code name.hakit-conflict-<time>-
     * <node>-<n>} next to the file), for example after a split brain or after files were written on the standby;
     * source: the synchronizer. The detail names the copies. Cleared when the operator has resolved every copy (kept
     * the right version, then deleted or renamed the copy). Operators should compare each copy with the file
     * ({@code hakit sync conflicts} lists both versions) and find out why the standby's files were written.
     */
    SYNC_CONFLICT(45694, Severity.MAJOR, "Synchronized file changed on both nodes (conflict copy kept)"),

    /**
     * 45695: a takeover action failed: a notify script (the service's start or stop script) exited non-zero, timed
     * out or could not run, or the floating IP could not be added or removed.
     *
     * <p>Raised by the keepalive's takeover actions; source: {@code <node>:notify.<role>} or {@code <node>:vip}; the
     * detail names the script, the role change, the exit code and the tail of its output. Cleared by the next
     * successful run of the same action. The role is not undone. Operators should read the script's output in the
     * agent's log, fix the script or the service, and check that the service runs on the active node.
     */
    NOTIFY_FAILED(45695, Severity.MAJOR, "Takeover action (notify script or floating IP) failed");

    private static final Map<Integer, AlarmType> BY_ID = new HashMap<>();

    static {
        for (AlarmType t : values()) {
            AlarmType previous = BY_ID.put(t.id, t);
            if (previous != null) {
                throw new ExceptionInInitializerError("duplicate alarm id " + t.id + ": " + previous + ", " + t);
            }
        }
    }

    private final int id;
    private final Severity severity;
    private final String description;

    AlarmType(int id, Severity severity, String description) {
        this.id = id;
        this.severity = Objects.requireNonNull(severity);
        this.description = Objects.requireNonNull(description);
    }

    /**
     * The stable numeric id, for example {@code 45640}.
     *
     * @return the numeric id
     */
    public int id() {
        return id;
    }

    /**
     * The severity of alarms of this type.
     *
     * @return the severity
     */
    public Severity severity() {
        return severity;
    }

    /**
     * A one-line description for operators.
     *
     * @return the description
     */
    public String description() {
        return description;
    }

    /**
     * Returns the type with the given id.
     *
     * @param id a numeric alarm id, for example {@code 45640}
     * @return the type with that id
     * @throws IllegalArgumentException if no type has that id
     */
    public static AlarmType byId(int id) {
        AlarmType t = BY_ID.get(id);
        if (t == null) {
            throw new IllegalArgumentException("id " + id + " is not a known AlarmType id");
        }
        return t;
    }
}
