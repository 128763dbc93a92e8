package io.hakit.testkit;

import io.hakit.api.LeaderInformation;
import io.hakit.api.LeaderRetrievalListener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/** A {@link LeaderRetrievalListener} for tests: records every notification and waits for one, bounded. */
public final class TestingRetrievalListener implements LeaderRetrievalListener {

    private final List<LeaderInformation> seen = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();

    /**
     * A listener that has seen nothing yet: {@link #latest()} is empty until the first notification.
     */
    public TestingRetrievalListener() {
    }

    @Override
    public synchronized void notifyLeaderAddress(LeaderInformation info) {
        seen.add(info);
    }

    @Override
    public synchronized void handleError(Throwable error) {
        errors.add(error);
    }

    /**
     * The latest notification.
     *
     * @return the last leader information notified, or {@link LeaderInformation#empty()} if none arrived yet
     */
    public synchronized LeaderInformation latest() {
        return seen.isEmpty() ? LeaderInformation.empty() : seen.get(seen.size() - 1);
    }

    /**
     * Every notification so far.
     *
     * @return a copy of the notifications, in the order they arrived
     */
    public synchronized List<LeaderInformation> all() {
        return new ArrayList<>(seen);
    }

    /**
     * The errors the retrieval reported through {@link #handleError}.
     *
     * @return a copy of the errors so far, in order; empty when there were none
     */
    public synchronized List<Throwable> errors() {
        return new ArrayList<>(errors);
    }

    /**
     * Waits (bounded) until the latest notification matches, and returns it. Only the latest counts: a match that
     * was overtaken by a later notification before the check does not.
     *
     * @param condition what the latest notification must satisfy
     * @param timeout   how long to wait at most
     * @return the latest notification once the condition held (read again: one that arrived in between is
     *     returned instead)
     * @throws org.awaitility.core.ConditionTimeoutException if the latest notification does not match within
     *     {@code timeout}
     */
    public LeaderInformation awaitLatest(Predicate<LeaderInformation> condition, Duration timeout) {
        await("retrieval view").atMost(timeout).pollInterval(Duration.ofMillis(2))
                .until(() -> condition.test(latest()));
        return latest();
    }

    /**
     * Waits (bounded) until the latest notification shows {@code address}.
     *
     * @param address the leader address expected
     * @param timeout how long to wait at most
     * @return the latest notification once it showed {@code address} (read again, as in {@link #awaitLatest})
     * @throws org.awaitility.core.ConditionTimeoutException if the latest notification does not show
     *     {@code address} within {@code timeout}
     */
    public LeaderInformation awaitAddress(String address, Duration timeout) {
        return awaitLatest(i -> i.address().map(address::equals).orElse(false), timeout);
    }

    /**
     * Waits (bounded) until the latest notification is empty (no confirmed leader).
     *
     * @param timeout how long to wait at most
     * @throws org.awaitility.core.ConditionTimeoutException if a leader is still shown after {@code timeout}
     */
    public void awaitEmpty(Duration timeout) {
        awaitLatest(LeaderInformation::isEmpty, timeout);
    }
}
