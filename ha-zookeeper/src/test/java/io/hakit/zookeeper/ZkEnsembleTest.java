package io.hakit.zookeeper;

import io.hakit.testkit.junit.internal.zookeeper.ZkEnsemble;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.util.ServiceUtils;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test ensembles: their members listen below the ephemeral range, and a member's fatal error (a port it cannot
 * bind) is logged, never {@code System.exit}, also after curator-test's embedded server set {@code System.exit}
 * again as each member started (a CI run under load ended a test JVM with exit code 14 that way).
 */
class ZkEnsembleTest {

    @Test
    void membersListenBelowTheEphemeralRangeAndAFatalErrorNeverEndsTheJvmAfterAStartOrRestart() throws Exception {
        int low = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0)
                .trim().split("\\s+")[0]);
        try (TestingCluster c = ZkEnsemble.fresh(3)) {
            assertThat(exitProcedure()).as("after the start").isSameAs(ServiceUtils.LOG_ONLY);
            for (InstanceSpec m : c.getInstances()) {
                assertThat(java.util.List.of(m.getPort(), m.getElectionPort(), m.getQuorumPort())).allMatch(p -> p < low);
            }
            InstanceSpec member = c.getInstances().iterator().next();
            c.killServer(member);
            ZkEnsemble.restart(c, member);
            assertThat(exitProcedure()).as("after a restart").isSameAs(ServiceUtils.LOG_ONLY);
        }
        try (TestingServer s = ZkEnsemble.standalone()) {
            assertThat(exitProcedure()).as("after a standalone start").isSameAs(ServiceUtils.LOG_ONLY);
            assertThat(s.getPort()).isLessThan(low);
        }
    }

    private static Object exitProcedure() throws ReflectiveOperationException {
        Field f = ServiceUtils.class.getDeclaredField("systemExitProcedure");
        f.setAccessible(true);
        return f.get(null);
    }
}
