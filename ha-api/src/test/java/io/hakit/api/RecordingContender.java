package io.hakit.api;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;

/** A minimal contender for ha-api's own tests (ha-testkit has the full one but depends on ha-api). */
public final class RecordingContender implements LeaderContender {
    public final AtomicReference<LeaderSession> session = new AtomicReference<>();
    public final AtomicInteger grants = new AtomicInteger();
    public final AtomicInteger revokes = new AtomicInteger();
    private final String address;
    private volatile LeaderElection election;

    public RecordingContender(String address) {
        this.address = address;
    }

    public RecordingContender start(LeaderElection e) {
        election = e;
        e.startLeaderElection(this);
        return this;
    }

    @Override
    public void grantLeadership(LeaderSession s) {
        session.set(s);
        grants.incrementAndGet();
        if (address != null) {
            election.confirmLeadership(s, address);
        }
    }

    @Override
    public void revokeLeadership() {
        session.set(null);
        revokes.incrementAndGet();
    }

    public boolean leads() {
        return session.get() != null;
    }

    public LeaderSession awaitGrant() {
        await().atMost(Duration.ofSeconds(20)).until(this::leads);
        return session.get();
    }

    public void awaitRevoked() {
        await().atMost(Duration.ofSeconds(20)).until(() -> !leads());
    }
}
