package io.hakit.testkit.junit.internal;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;

import java.time.Duration;
import java.util.List;

/**
 * One test's cluster on a backend: connects processes and moves leadership the way that backend would. Processes are
 * the raw services the backend started; {@link Recording} says who believes it leads.
 */
public interface ClusterControl extends AutoCloseable {

    /** Adds the backend's type, cluster id, options and test timings to a process's configuration. */
    HaConfig.Builder configure(HaConfig.Builder config);

    /** Connects one process, configured by {@link #configure(HaConfig.Builder)} already. */
    HaServices connect(HaConfig.Builder config);

    /**
     * Waits until the backend sees {@code process} contend (its latch node, the Lease it watches), so that
     * {@link #grant} can act while the process's callbacks are held.
     *
     * @throws IllegalStateException if it does not within {@code bound}
     */
    void awaitContending(HaServices process, Duration bound);

    /**
     * Moves the backend's leadership to {@code process}, which contends: returns once the backend has granted it (or
     * will without anything else happening). The caller holds {@code process}'s callbacks meanwhile and waits for the
     * old leader's revoke before letting {@code process} hear of its grant.
     *
     * @throws IllegalStateException if the handover did not happen within {@code bound}
     */
    void grant(HaServices process, Recording leaders, Duration bound);

    /**
     * Takes leadership away from {@code process}, which leads and is the only contender: it contends again (and is
     * granted a higher epoch). Returns once the backend has taken it away.
     *
     * @throws IllegalStateException if that did not happen within {@code bound}
     */
    void revokeSole(HaServices process, Recording leaders, Duration bound);

    /** Ends {@code process}'s session as a partition longer than the session timeout would. */
    void expireSession(HaServices process);

    /** Cuts {@code process} off from the backend, silently. */
    void partition(HaServices process);

    /** Ends {@code process}'s partition. */
    void heal(HaServices process);

    /** Ends every partition. */
    void healAll();

    /**
     * After every process closed: what the backend still holds for them (sessions, ephemeral nodes, a held Lease,
     * open connections), waiting up to {@code bound} for it to go; empty if nothing.
     */
    List<String> leaks(Duration bound);

    /** Closes what the cluster holds of its own (proxies); the servers stay. */
    @Override
    void close();
}
