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

    @Override
    public synchronized void notifyLeaderAddress(LeaderInformation info) {
        seen.add(info);
    }

    @Override
    public synchronized void handleError(Throwable error) {
        errors.add(error);
    }

    /** The latest notification, or empty if none arrived yet. */
    public synchronized LeaderInformation latest() {
        return seen.isEmpty() ? LeaderInformation.empty() : seen.get(seen.size() - 1);
    }

    /** Every notification so far. */
    public synchronized List<LeaderInformation> all() {
        return new ArrayList<>(seen);
    }

    public synchronized List<Throwable> errors() {
        return new ArrayList<>(errors);
    }

    /** Waits (bounded) until the latest notification matches, and returns it. */
    public LeaderInformation awaitLatest(Predicate<LeaderInformation> condition, Duration timeout) {
        await("retrieval view").atMost(timeout).pollInterval(Duration.ofMillis(2))
                .until(() -> condition.test(latest()));
        return latest();
    }

    /** Waits (bounded) until the latest notification shows {@code address}. */
    public LeaderInformation awaitAddress(String address, Duration timeout) {
        return awaitLatest(i -> i.address().map(address::equals).orElse(false), timeout);
    }

    /** Waits (bounded) until the latest notification is empty (no confirmed leader). */
    public void awaitEmpty(Duration timeout) {
        awaitLatest(LeaderInformation::isEmpty, timeout);
    }
}
