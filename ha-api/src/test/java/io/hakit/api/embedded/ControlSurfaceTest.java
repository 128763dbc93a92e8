package io.hakit.api.embedded;

import io.hakit.api.ConnectionState;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderSession;
import io.hakit.api.RecordingContender;
import io.hakit.api.TestTicker;
import io.hakit.api.alarm.AlarmType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ControlSurfaceTest {

    private final EmbeddedHaBackend backend = EmbeddedHaBackend.create();
    private final List<HaServices> open = new ArrayList<>();

    private HaServices process(HaConfig.Builder b) {
        HaServices s = backend.newServices(b.build());
        open.add(s);
        return s;
    }

    @AfterEach
    void closeAll() {
        open.forEach(HaServices::close);
    }

    @Test
    void grantAndRevokeOnDemand() {
        RecordingContender a = new RecordingContender("addr-a").start(process(HaConfig.builder().nodeId("a"))
                .leaderElection("c"));
        RecordingContender b = new RecordingContender("addr-b").start(process(HaConfig.builder().nodeId("b"))
                .leaderElection("c"));
        RecordingContender c = new RecordingContender("addr-c").start(process(HaConfig.builder().nodeId("c"))
                .leaderElection("c"));
        LeaderSession s1 = a.awaitGrant();
        assertThat(backend.leader()).contains("a");
        assertThat(backend.contenders()).containsExactly("a", "b", "c");

        backend.grantLeadership("c");
        LeaderSession s2 = c.awaitGrant();
        a.awaitRevoked();
        assertThat(s2.epoch()).isGreaterThan(s1.epoch());
        assertThat(backend.epoch()).isEqualTo(s2.epoch());

        assertThat(backend.revokeLeadership()).isTrue();
        c.awaitRevoked();
        LeaderSession s3 = a.awaitGrant();
        assertThat(s3.epoch()).isGreaterThan(s2.epoch());
        assertThat(backend.contenders()).containsExactly("a", "b", "c");
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.leaderInformation().containsKey("c"));
        assertThat(backend.leaderInformation().get("c").address()).contains("addr-a");
        assertThat(b.grants.get()).isZero();

        assertThatThrownBy(() -> backend.grantLeadership("nobody")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nobody");
    }

    @Test
    void expiryIsReportedAsLostThenReconnected() {
        HaServices a = process(HaConfig.builder().nodeId("a"));
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        a.addConnectionStateListener(states::add);
        backend.suspend("a");
        backend.expireSession("a");
        backend.resume("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> states.size() >= 3);
        assertThat(states).containsExactly(ConnectionState.SUSPENDED, ConnectionState.LOST,
                ConnectionState.RECONNECTED);
    }

    @Test
    void leadershipFlappingRaisesAnAlarmThatClearsAfterTheWindow() {
        TestTicker ticker = new TestTicker();
        HaServices a = process(HaConfig.builder().nodeId("a").ticker(ticker).retryPeriod(Duration.ofMillis(20))
                .flappingAlarm(2, Duration.ofMinutes(1)));
        RecordingContender ca = new RecordingContender("addr-a").start(a.leaderElection("c"));
        ca.awaitGrant();
        backend.revokeLeadership();
        await().atMost(Duration.ofSeconds(10)).until(() -> ca.grants.get() == 2);
        assertThat(a.alarms().isActive(AlarmType.LEADERSHIP_FLAPPING, "a")).isFalse();
        backend.revokeLeadership();
        await().atMost(Duration.ofSeconds(10)).until(() -> ca.grants.get() == 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.alarms().isActive(AlarmType.LEADERSHIP_FLAPPING, "a"));

        ticker.advance(Duration.ofMinutes(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.alarms().isActive(AlarmType.LEADERSHIP_FLAPPING, "a"));
    }

    @Test
    void closingServicesReleasesLeadershipAndLeaderInformation() {
        HaServices a = process(HaConfig.builder().nodeId("a"));
        RecordingContender ca = new RecordingContender("addr-a").start(a.leaderElection("c"));
        ca.awaitGrant();
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.leaderInformation().containsKey("c"));
        a.close();
        assertThat(ca.revokes.get()).isEqualTo(1);
        assertThat(backend.leader()).isEmpty();
        assertThat(backend.leaderInformation()).isEmpty();
        assertThat(backend.nodes()).isEmpty();
        assertThatThrownBy(() -> a.leaderElection("c")).isInstanceOf(IllegalStateException.class);
    }
}
