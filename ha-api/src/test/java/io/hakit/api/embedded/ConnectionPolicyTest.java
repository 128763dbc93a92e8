package io.hakit.api.embedded;

import io.hakit.api.BackendUnavailableException;
import io.hakit.api.ConnectionState;
import io.hakit.api.ConnectionStatePolicy;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.RecordingContender;
import io.hakit.api.StateStore;
import io.hakit.api.TestTicker;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.internal.DefaultHaServices;
import io.hakit.api.spi.ElectionDriver;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.RetrievalDriver;
import io.hakit.api.spi.StoreDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ConnectionPolicyTest {

    private final EmbeddedHaBackend backend = EmbeddedHaBackend.create();
    private final TestTicker ticker = new TestTicker();
    private final List<HaServices> open = new ArrayList<>();

    private HaServices process(String node, ConnectionStatePolicy policy) {
        HaServices s = backend.newServices(HaConfig.builder().nodeId(node).ticker(ticker)
                .connectionStatePolicy(policy).leaseDuration(Duration.ofSeconds(15))
                .renewDeadline(Duration.ofSeconds(10)).retryPeriod(Duration.ofMillis(20)).build());
        open.add(s);
        return s;
    }

    @AfterEach
    void closeAll() {
        open.forEach(HaServices::close);
    }

    @Test
    void revokeOnSuspendRevokesAtOnceAndContendsAgainAfterReconnect() {
        HaServices a = process("a", ConnectionStatePolicy.REVOKE_ON_SUSPEND);
        HaServices b = process("b", ConnectionStatePolicy.REVOKE_ON_SUSPEND);
        RecordingContender ca = new RecordingContender("addr-a").start(a.leaderElection("c"));
        LeaderSession first = ca.awaitGrant();
        RecordingContender cb = new RecordingContender("addr-b").start(b.leaderElection("c"));

        backend.suspend("a");
        ca.awaitRevoked();
        LeaderSession second = cb.awaitGrant();
        assertThat(second.epoch()).isGreaterThan(first.epoch());
        await().atMost(Duration.ofSeconds(10)).until(() -> a.alarms().isActive(AlarmType.BACKEND_UNAVAILABLE, "a"));
        assertThat(a.connectionState()).isEqualTo(ConnectionState.SUSPENDED);

        backend.resume("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.contenders().equals(List.of("b", "a")));
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.alarms().isActive(AlarmType.BACKEND_UNAVAILABLE, "a"));
        backend.revokeLeadership();
        LeaderSession third = ca.awaitGrant();
        assertThat(third.epoch()).isGreaterThan(second.epoch());
    }

    @Test
    void revokeOnLossKeepsLeadershipWhileTheLocalLeaseHolds() {
        HaServices a = process("a", ConnectionStatePolicy.REVOKE_ON_LOSS);
        RecordingContender ca = new RecordingContender("addr-a").start(a.leaderElection("c"));
        LeaderSession s = ca.awaitGrant();

        backend.suspend("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.connectionState() == ConnectionState.SUSPENDED);
        ticker.advance(Duration.ofSeconds(14));
        // the lease check runs every retry period (20 ms of real time); 14 s of the 15 s lease have passed
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(ca::leads);
        assertThat(a.leaderElection("other")).isNotNull();
        // while suspended, writes fail without effect, and never with a stale epoch
        assertThatThrownBy(() -> a.stateStore("s").put(s, "k", new byte[] {1}, StateStore.ANY))
                .isInstanceOf(BackendUnavailableException.class);

        ticker.advance(Duration.ofSeconds(2));
        ca.awaitRevoked();
        assertThat(ca.revokes.get()).isEqualTo(1);
    }

    @Test
    void revokeOnLossRevokesWhenABackendsSessionLeaseRunsOutEvenIfThatIsBeforeTheNextRetryPeriod() {
        // a backend whose session outlives a suspension by 1 s (as a ZooKeeper session timeout of 3 s does), with
        // a retry period of 20 s: the lease check must not wait for the retry period
        HaConfig config = HaConfig.builder().nodeId("a").ticker(ticker)
                .connectionStatePolicy(ConnectionStatePolicy.REVOKE_ON_LOSS).leaseDuration(Duration.ofSeconds(30))
                .renewDeadline(Duration.ofSeconds(25)).retryPeriod(Duration.ofSeconds(20)).build();
        HaServices a = new DefaultHaServices(config, events -> new SessionLeaseBackend(backend.connect(config, events),
                Duration.ofSeconds(1)));
        open.add(a);
        RecordingContender ca = new RecordingContender("addr-a").start(a.leaderElection("c"));
        ca.awaitGrant();

        backend.suspend("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.connectionState() == ConnectionState.SUSPENDED);
        ticker.advance(Duration.ofMillis(1100));
        // the check runs when the 1 s lease runs out (real time), not after the 20 s retry period
        await().atMost(Duration.ofSeconds(5)).until(() -> ca.revokes.get() == 1);
    }

    /** A backend that reports a fixed session lease after a suspension. */
    private record SessionLeaseBackend(HaBackend d, Duration lease) implements HaBackend {
        @Override
        public ElectionDriver startElection(ElectionDriver.Listener listener) {
            return d.startElection(listener);
        }

        @Override
        public RetrievalDriver startRetrieval(RetrievalDriver.Listener listener) {
            return d.startRetrieval(listener);
        }

        @Override
        public StoreDriver store(String namespace) {
            return d.store(namespace);
        }

        @Override
        public int inlineLimit() {
            return d.inlineLimit();
        }

        @Override
        public Optional<Duration> sessionLeaseAfterSuspend() {
            return Optional.of(lease);
        }

        @Override
        public void close() {
            d.close();
        }
    }

    @Test
    void revokeOnLossKeepsLeadershipThroughAShortSuspension() {
        HaServices a = process("a", ConnectionStatePolicy.REVOKE_ON_LOSS);
        RecordingContender ca = new RecordingContender("addr-a").start(a.leaderElection("c"));
        LeaderSession s = ca.awaitGrant();
        backend.suspend("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.connectionState() == ConnectionState.SUSPENDED);
        ticker.advance(Duration.ofSeconds(5));
        backend.resume("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> a.connectionState() == ConnectionState.RECONNECTED);
        ticker.advance(Duration.ofSeconds(60));
        a.stateStore("s").put(s, "k", new byte[] {1}, StateStore.ANY);
        assertThat(ca.session.get()).isEqualTo(s);
        assertThat(ca.revokes.get()).isZero();
    }

    @Test
    void lostAlwaysRevokesAndTheProcessContendsAgainWithANewEpoch() {
        HaServices a = process("a", ConnectionStatePolicy.REVOKE_ON_LOSS);
        RecordingContender ca = new RecordingContender("addr-a").start(a.leaderElection("c"));
        LeaderSession first = ca.awaitGrant();

        backend.expireSession("a");

        await().atMost(Duration.ofSeconds(10)).until(() -> ca.revokes.get() == 1);
        LeaderSession second = ca.awaitGrant();
        assertThat(second.epoch()).isGreaterThan(first.epoch());
        assertThatThrownBy(() -> a.stateStore("s").put(first, "k", new byte[] {1}, StateStore.ANY))
                .isInstanceOf(LeadershipLostException.class);
        a.stateStore("s").put(second, "k", new byte[] {1}, StateStore.ANY);
    }
}
