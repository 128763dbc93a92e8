package io.hakit.benchmarks.zk;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderInformation;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.util.ServiceUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The child-JVM protocol of zk-failover: a real child JVM against a one-server ZooKeeper. */
class ContenderProcessTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private static TestingServer zk;

    @BeforeAll
    static void startZooKeeper() throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        zk = new TestingServer(true);
        // a ZooKeeper server's fatal error must not end this JVM: curator-test's embedded server sets System.exit
        // when it starts
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
    }

    @AfterAll
    static void stopZooKeeper() throws Exception {
        zk.close();
    }

    private static String[] args(String clusterId, String nodeId) {
        return ContenderMain.args(zk.getConnectString(), clusterId, nodeId, "job", nodeId + ":1",
                Duration.ofSeconds(4), "/contender-test", Duration.ofMinutes(2));
    }

    @Test
    void childConfirmsItsAddressAndLeavesWhenItsStdinCloses() throws Exception {
        BlockingQueue<LeaderInformation> seen = new LinkedBlockingQueue<>();
        try (HaServices observer = HaServices.create(HaConfig.builder().type("zookeeper").clusterId("lifecycle")
                .nodeId("observer").backendOption("high-availability.zookeeper.quorum", zk.getConnectString())
                .backendOption("high-availability.zookeeper.path.root", "/contender-test").build());
                ContenderProcess child = ContenderProcess.start("child-1", args("lifecycle", "child-1"))) {
            observer.watchLeader("job", seen::add);

            child.awaitLine(ContenderMain.READY::equals, BOUND, "READY");
            ContenderProcess.Line granted = child.awaitLine(l -> l.startsWith(ContenderMain.GRANTED + " "), BOUND,
                    "GRANTED");
            long epoch = Long.parseLong(granted.text().substring(ContenderMain.GRANTED.length() + 1));
            child.awaitLine((ContenderMain.CONFIRMED + " " + epoch)::equals, BOUND, "CONFIRMED");
            assertThat(awaitInfo(seen, i -> !i.isEmpty()).address()).contains("child-1:1");

            child.close();
            assertThat(child.exitCode()).hasValue(0);
            assertThat(awaitInfo(seen, LeaderInformation::isEmpty).isEmpty()).isTrue();
        }
    }

    @Test
    void killEndsTheChildWithSigkill() {
        try (ContenderProcess child = ContenderProcess.start("child-2", args("kill", "child-2"))) {
            child.awaitLine(ContenderMain.READY::equals, BOUND, "READY");
            assertThat(child.kill()).isTrue();
            assertThat(child.isAlive()).isFalse();
            assertThat(child.exitCode()).hasValue(128 + 9);
            assertThatThrownBy(() -> child.awaitLine(ContenderMain.READY::equals, Duration.ofSeconds(1), "more"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("exited with 137");
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheUsage() {
        assertThatThrownBy(() -> ContenderMain.parse(new String[] {"--quorum=x:1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing --")
                .hasMessageContaining("usage:");
        String[] ok = args("c", "n");
        assertThat(ContenderMain.parse(ok)).containsEntry("node-id", "n").containsEntry("session-timeout-ms", "4000");
        String[] unknown = Arrays.copyOf(ok, ok.length + 1);
        unknown[ok.length] = "--colour=red";
        assertThatThrownBy(() -> ContenderMain.parse(unknown)).hasMessageContaining("unknown option --colour");
        String[] badNumber = ok.clone();
        badNumber[5] = "--session-timeout-ms=-3";
        assertThatThrownBy(() -> ContenderMain.parse(badNumber)).hasMessageContaining("positive number");
        assertThatThrownBy(() -> ContenderMain.parse(new String[] {"quorum"})).hasMessageContaining("bad argument");
    }

    private static LeaderInformation awaitInfo(BlockingQueue<LeaderInformation> seen,
            Predicate<LeaderInformation> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (true) {
            LeaderInformation i = seen.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (i == null) {
                throw new AssertionError("the observer saw nothing matching within " + BOUND.toSeconds() + " s");
            }
            if (wanted.test(i)) {
                return i;
            }
        }
    }
}
