package io.hakit.testkit.junit;

import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.testkit.history.LeadershipHistory;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What one process's service tells the test about the points that matter, into the test's
 * {@link LeadershipHistory}: "I act as leader with this session", "my write of this key landed". The history also
 * holds the grants and revokes each process's contenders got (recorded by the {@link HaCluster}), and is checked
 * when the test ends: a test fails when two leaders acted at once, or a write of a superseded leader landed.
 *
 * <p>A service takes it (or two method references to it) where its code acts, so that its production code need not
 * depend on this artifact:
 *
 * <pre>{@code
 * void tick() {
 *     LeaderSession s = session;                        // the session this leader was granted
 *     if (s != null && election.hasLeadership(s)) {     // still current?
 *         observer.acting(s, "assign jobs");            // the recorder's acting, in the test
 *         assignJobs();
 *     }
 * }
 * }</pre>
 *
 * <p>Thread-safe; each call takes a short lock and never blocks otherwise.
 */
public final class ProcessRecorder {

    private final LeadershipHistory history;
    private final String node;

    ProcessRecorder(LeadershipHistory history, String node) {
        this.history = Objects.requireNonNull(history, "history");
        this.node = Objects.requireNonNull(node, "node");
    }

    /**
     * The node id of the process this recorder records for.
     *
     * @return the node id
     */
    public String nodeId() {
        return node;
    }

    /**
     * "I act as leader with {@code session}": an action only the leader may take and that no store fences (a message
     * sent, a job started, a file written outside HAKit). Call it when the action is taken, after checking that the
     * session is still current. An action with an epoch lower than one another process already acted with fails the
     * test: two leaders acted at once.
     *
     * @param session the session the process acts under
     * @param action what it does, shown in the timeline; may be null
     * @throws NullPointerException if {@code session} is null
     */
    public void acting(LeaderSession session, String action) {
        history.acted(node, session, action);
    }

    /**
     * {@link #acting(LeaderSession, String)} without a description.
     *
     * @param session the session the process acts under
     * @throws NullPointerException if {@code session} is null
     */
    public void acting(LeaderSession session) {
        history.acted(node, session, null);
    }

    /**
     * "My write of {@code key} with {@code session} landed": call it when a write made as leader returned. A write
     * whose epoch is lower than an epoch granted before the call fails the test: a stale write landed. The write is
     * taken to have been issued when this is called; for a write that may run while leadership moves, use
     * {@link #write(LeaderSession, String, Supplier)}, which knows when it was issued.
     *
     * @param session the session the write was made under
     * @param key what was written, for the timeline
     * @throws NullPointerException if an argument is null
     */
    public void wrote(LeaderSession session, String key) {
        history.writeAccepted(node, session, key);
    }

    /**
     * "My write of {@code key} with {@code session} was refused by fencing" (it threw
     * {@link LeadershipLostException}). Always safe; shown in the timeline.
     *
     * @param session the session the write was made under
     * @param key what was written, for the timeline
     * @throws NullPointerException if an argument is null
     */
    public void writeRefused(LeaderSession session, String key) {
        history.writeRefused(node, session, key);
    }

    /**
     * Runs a write made as leader and records its outcome: accepted (judged against the grants recorded before it
     * was issued), or refused if it throws {@link LeadershipLostException} (which is rethrown). Any other exception
     * is rethrown and nothing is recorded.
     *
     * <pre>{@code
     * recorder.write(session, "owner", () -> store.put(session, "owner", value, StateStore.ANY));
     * }</pre>
     *
     * @param session the session the write is made under
     * @param key what is written, for the timeline
     * @param write the write
     * @param <T> what the write returns
     * @return what {@code write} returned
     * @throws NullPointerException if an argument is null
     */
    public <T> T write(LeaderSession session, String key, Supplier<T> write) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(key, "key");
        long issuedAfter = history.lastSequence();
        T result;
        try {
            result = write.get();
        } catch (LeadershipLostException e) {
            history.writeRefused(node, session, key);
            throw e;
        }
        history.writeAccepted(node, session, key, issuedAfter);
        return result;
    }

    @Override
    public String toString() {
        return "ProcessRecorder{" + node + "}";
    }
}
