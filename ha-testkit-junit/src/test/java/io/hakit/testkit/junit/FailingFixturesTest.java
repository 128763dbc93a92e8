package io.hakit.testkit.junit;

import io.hakit.api.HaServices;
import io.hakit.testkit.TestingContender;
import io.hakit.testkit.history.Violation;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Tests that must fail, run through JUnit's EngineTestKit: the extension fails a test whose service lets two leaders
 * act at once (and prints the overlapping epochs), whose campaign finds a violation (and prints its seed), or that
 * leaks a thread or a session.
 */
class FailingFixturesTest {

    private static final String FIXTURE = "a fixture meant to fail, run by FailingFixturesTest";

    private static Throwable failureOf(Class<?> fixture) {
        // the fixtures are @Disabled, so that they never run on their own; launched here with that condition off
        Events tests = EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.conditions.deactivate", "org.junit.*DisabledCondition")
                .selectors(selectClass(fixture)).execute().testEvents();
        tests.assertStatistics(stats -> stats.started(1).failed(1));
        List<Event> failed = tests.failed().list();
        return failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
    }

    @Test
    void aServiceActingWithoutCheckingItsSessionFailsTheTestWithTheOverlappingEpochs() {
        Throwable failure = failureOf(BrokenService.class);

        System.out.println("--- the failure of BrokenService, as the extension reports it ---\n" + failure.getMessage());
        assertThat(failure).isInstanceOf(AssertionError.class);
        assertThat(failure.getMessage())
                .contains("OVERLAPPING_ACTIONS: two leaders acted at once: p0 acted with epoch 1")
                .contains("after p1 had acted with epoch 2")
                .contains("Overlapping epochs: 1 (p0) and 2 (p1)")
                .contains("STALE_WRITE_ACCEPTED")
                .contains("GRANTED contender=p1 epoch=2")
                .contains("ACTED contender=p0 epoch=1");
    }

    @Test
    void aCampaignThatFindsAViolationFailsWithItsSeed() {
        Throwable failure = failureOf(BrokenServiceCampaign.class);

        assertThat(failure.getMessage()).startsWith("fault campaign seed 7:").contains("-Dhakit.campaign.seed=7")
                .containsAnyOf("OVERLAPPING_ACTIONS", "STALE_WRITE_ACCEPTED");
    }

    @Test
    void aThreadThatOutlivesTheTestFailsIt() {
        Throwable failure = failureOf(LeakyThread.class);

        assertThat(failure.getMessage()).contains("leaked: thread 'leaky-thread'");
    }

    @Test
    void aSessionTheServiceForgotToCloseFailsTheTest() {
        try {
            Throwable failure = failureOf(ForgottenServices.class);

            assertThat(failure.getMessage()).contains("leaked: ephemeral znode").contains("of session 0x")
                    .contains("(p0)").contains("connection(s) still open through")
                    .contains("leaked: thread 'hakit-zk-p0'");
        } finally {
            ForgottenServices.forgotten.close();
        }
    }

    /** p0 leads and keeps acting after p1 was granted: the broken service never checks its session. */
    @Disabled(FIXTURE)
    static class BrokenService {
        @RegisterExtension
        static final HaCluster CLUSTER = HaCluster.embedded(2);

        @Test
        void actsAfterItLostLeadership(HaServices p0, HaServices p1) {
            CLUSTER.startService(p0, TickingService::broken);
            CLUSTER.await().leaderIs(p0);
            CLUSTER.startService(p1, TickingService::broken);
            CLUSTER.grant(p1);
            // p1 acts, and p0, which never heard it lost, acts again
            await().atMost(Duration.ofSeconds(10)).until(() -> CLUSTER.recorder().check().stream()
                    .anyMatch(v -> v.kind() == Violation.Kind.OVERLAPPING_ACTIONS));
        }
    }

    /** A campaign against the broken service. */
    @Disabled(FIXTURE)
    static class BrokenServiceCampaign {
        @RegisterExtension
        static final HaCluster CLUSTER = HaCluster.embedded(3);

        @Test
        void campaign() {
            CLUSTER.campaign(TickingService::broken).seed(7).steps(4)
                    .faults(EnumSet.of(ServiceCampaign.Fault.GRANT_ANOTHER)).run().assertPassed();
        }
    }

    /** Starts a thread that never ends. */
    @Disabled(FIXTURE)
    static class LeakyThread {
        @RegisterExtension
        static final HaCluster CLUSTER = HaCluster.builder(Backend.EMBEDDED).processes(1)
                .leakBound(Duration.ofMillis(200)).build();
        static final CountDownLatch NEVER = new CountDownLatch(1);

        @Test
        void leaksAThread() {
            Thread t = new Thread(() -> {
                try {
                    NEVER.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "leaky-thread");
            t.setDaemon(true);
            t.start();
        }
    }

    /** A service that opens services of its own on p0's configuration, contends there, and never closes them. */
    @Disabled(FIXTURE)
    static class ForgottenServices {
        @RegisterExtension
        static final HaCluster CLUSTER = HaCluster.builder(Backend.ZOOKEEPER).processes(1)
                .leakBound(Duration.ofMillis(500)).build();
        static HaServices forgotten;

        @Test
        void opensServicesOfItsOwnAndForgetsThem(HaServices p0) {
            forgotten = HaServices.create(p0.config());
            TestingContender contender = new TestingContender("side");
            forgotten.leaderElection("side").startLeaderElection(contender);
            contender.awaitGrant(Duration.ofSeconds(10));
        }
    }
}
