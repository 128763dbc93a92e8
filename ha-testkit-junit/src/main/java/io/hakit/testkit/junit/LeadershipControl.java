package io.hakit.testkit.junit;

import io.hakit.api.HaServices;

/**
 * Leadership control and fault injection, the same on every {@link Backend}. Each method acts on one process of the
 * test's cluster, as the backend itself would move leadership; none sleeps, each waits (within the cluster's
 * {@linkplain HaCluster.Builder#awaitBound(java.time.Duration) bound}) only for what it promises.
 *
 * <p>How each backend does it:
 * <table>
 *   <caption>Leadership control per backend</caption>
 *   <tr><th></th><th>EMBEDDED</th><th>ZOOKEEPER</th><th>KUBERNETES</th></tr>
 *   <tr><td>{@link #grant}</td><td>the backend's grant</td><td>the latch nodes below the process's are deleted</td>
 *       <td>the Lease is held for a stranger, then released while the other contenders are cut off</td></tr>
 *   <tr><td>{@link #expireSession}</td><td>the backend expires the session</td><td>the servers end the session</td>
 *       <td>the Lease, if the process holds it, goes to a stranger with a one-second lease</td></tr>
 *   <tr><td>{@link #partition}</td><td>the connection is suspended</td>
 *       <td colspan="2">the process's fault-injecting proxies drop everything silently</td></tr>
 * </table>
 */
public interface LeadershipControl {

    /**
     * Makes {@code process} the leader, with a higher epoch. The old leader is told it lost before {@code process} is
     * told it won (the harness holds {@code process}'s callbacks until then), so a service that acts only while its
     * session is current never overlaps. Returns once {@code process}'s contenders were granted. No-op if it leads.
     *
     * @param process a process of this test whose contender has started its election
     * @throws IllegalStateException if {@code process} does not contend, or the handover did not complete in time
     */
    void grant(HaServices process);

    /**
     * Takes leadership away from {@code process} if it leads: the next contending process (in start order) is
     * granted, as by {@link #grant(HaServices)}; if there is none, {@code process} contends again and is granted a
     * higher epoch. Returns once {@code process} was told it lost. No-op if it does not lead.
     *
     * @param process a process of this test
     * @throws IllegalStateException if the revoke did not complete in time
     */
    void revoke(HaServices process);

    /**
     * Ends {@code process}'s backend session as a partition outlasting the session timeout would: its leadership
     * ends (it hears so when it next reaches the backend), then it reconnects with a new session and contends again.
     * If it led, the other processes are told of a grant only after it was told that it lost (as after a real
     * partition, where the leader suspends before its session expires), and this returns once it was; else this
     * returns once the backend has ended the session.
     *
     * @param process a process of this test
     */
    void expireSession(HaServices process);

    /**
     * Cuts {@code process} off from the backend silently (no reset, no error: its requests go unanswered) until
     * {@link #heal(HaServices)}. What follows is the backend's own: a ZooKeeper process suspends and, past the
     * session timeout, loses its session; a Kubernetes leader steps down past its renew deadline.
     *
     * @param process a process of this test
     */
    void partition(HaServices process);

    /**
     * Ends {@code process}'s partition.
     *
     * @param process a process of this test
     */
    void heal(HaServices process);

    /** Ends every partition. */
    void healAll();

    /**
     * Waits, within the cluster's bound, for leadership to settle: {@code await().leader()}.
     *
     * @return the waits, with the cluster's bound
     */
    LeaderAwait await();
}
