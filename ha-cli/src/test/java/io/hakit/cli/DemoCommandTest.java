package io.hakit.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DemoCommandTest {

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void demoFailsOverTwiceAndRefusesTheStaleLeader() {
        DemoCommand.Outcome outcome = new DemoCommand(out, err).execute(List.of());

        assertThat(outcome.exitCode()).as("exit code; stderr: %s", err()).isZero();
        assertThat(err()).isEmpty();
        assertThat(out()).contains("Step 1", "Step 5", "failover", "refused", "accepted", "OK ");
        for (String component : DemoCommand.COMPONENTS.keySet()) {
            assertThat(out()).contains(component);
        }

        DemoCommand.Result r = outcome.result();
        assertThat(r.nodes()).isEqualTo(3);
        DemoCommand.Failover deposed = r.deposed();
        DemoCommand.Failover crashed = r.crashed();
        assertThat(deposed.oldLeader()).isEqualTo(r.initialLeader());
        assertThat(deposed.oldEpoch()).isEqualTo(r.initialEpoch());
        assertThat(deposed.newLeader()).isNotEqualTo(deposed.oldLeader());
        assertThat(deposed.newEpoch()).isGreaterThan(r.initialEpoch());
        assertThat(crashed.oldLeader()).isEqualTo(deposed.newLeader());
        assertThat(crashed.newLeader()).isNotEqualTo(crashed.oldLeader());
        assertThat(crashed.newEpoch()).isGreaterThan(deposed.newEpoch());
        assertThat(r.finalLeader()).isEqualTo(crashed.newLeader());
        assertThat(r.finalEpoch()).isEqualTo(crashed.newEpoch()).isGreaterThan(r.initialEpoch());
        assertThat(r.finalVersion()).isGreaterThan(r.firstVersion());
        assertThat(r.staleWriteRefusal()).contains("epoch " + r.initialEpoch());
        assertThat(deposed.millis()).isBetween(0.0, DemoCommand.WAIT_BOUND.toMillis() * 1.0);
        assertThat(crashed.millis()).isBetween(0.0, DemoCommand.WAIT_BOUND.toMillis() * 1.0);
    }

    @Test
    void onZooKeeperTheCutOffLeadersAreReplacedAfterTheirSessionsExpire() {
        DemoCommand.Outcome outcome = new DemoCommand(out, err).execute(List.of("--backend", "zookeeper"));

        assertThat(outcome.exitCode()).as("exit code; stderr: %s", err()).isZero();
        assertThat(out()).contains("ZooKeeper ensemble", "partitioned", "killed", "refused", "OK ");
        DemoCommand.Result r = outcome.result();
        assertThat(r.deposed().newEpoch()).isGreaterThan(r.initialEpoch());
        assertThat(r.crashed().newEpoch()).isGreaterThan(r.deposed().newEpoch());
        // a cut-off leader is replaced once the servers expire its session, not before
        assertThat(r.deposed().millis()).isGreaterThanOrEqualTo(DemoBackend.ZooKeeper.SESSION_TIMEOUT.toMillis() * 0.5);
        assertThat(r.staleWriteRefusal()).contains("epoch " + r.initialEpoch());
    }

    @Test
    void anUnknownBackendIsAUsageError() {
        DemoCommand.Outcome outcome = new DemoCommand(out, err).execute(List.of("--backend", "consul"));
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(err()).contains("--backend must be embedded, zookeeper or kubernetes");
    }

    @Test
    void twoNodesAreEnoughTheDeposedLeaderTakesOverAfterTheCrash() {
        DemoCommand.Outcome outcome = new DemoCommand(out, err).execute(List.of("--nodes", "2"));

        assertThat(outcome.exitCode()).as("exit code; stderr: %s", err()).isZero();
        DemoCommand.Result r = outcome.result();
        assertThat(r.finalLeader()).isEqualTo(r.initialLeader());
        assertThat(r.finalEpoch()).isGreaterThan(r.deposed().newEpoch());
        assertThat(r.staleWriteRefusal()).contains("epoch " + r.initialEpoch());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(new DemoCommand(out, err).run(List.of("--nodes", "1"))).isEqualTo(2);
        assertThat(err()).contains("--nodes must be 2 to 9", "usage: hakit demo");
        assertThat(new DemoCommand(out, err).run(List.of("--nodes"))).isEqualTo(2);
        assertThat(new DemoCommand(out, err).run(List.of("--frobnicate"))).isEqualTo(2);
        assertThat(err()).contains("unknown option '--frobnicate'");
        assertThat(out()).isEmpty();
    }

    @Test
    void mainDispatchesAndRejectsUnknownCommands() {
        assertThat(Main.run(new String[] {"frobnicate"}, out, err)).isEqualTo(2);
        assertThat(err()).contains("unknown command 'frobnicate'", "usage: hakit");
        assertThat(Main.run(new String[0], out, err)).isEqualTo(2);
        assertThat(out()).isEmpty();

        assertThat(Main.run(new String[] {"--help"}, out, err)).isZero();
        assertThat(out()).contains("usage: hakit <command>", "demo");
        assertThat(Main.run(new String[] {"help", "demo"}, out, err)).isZero();
        assertThat(out()).contains("usage: hakit demo");
        assertThat(Main.run(new String[] {"--version"}, out, err)).isZero();
        assertThat(out()).contains("hakit ");
    }

    @Test
    void tableAlignsColumnsAndNumbers() {
        String t = new Table("name", "epoch").row("node-1", 7).row("a-longer-name", 12).render();
        assertThat(t).isEqualTo(String.join("\n",
                "name           epoch",
                "-------------  -----",
                "node-1             7",
                "a-longer-name     12",
                ""));
    }
}
