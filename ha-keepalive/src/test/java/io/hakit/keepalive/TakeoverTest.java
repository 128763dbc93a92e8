package io.hakit.keepalive;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TakeoverTest {

    @TempDir
    Path dir;

    private String netns;

    @AfterEach
    void removeNamespace() throws Exception {
        if (netns != null) {
            run("ip", "netns", "del", netns);
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private Path script(String name, String body) throws IOException {
        Path s = dir.resolve(name);
        Files.writeString(s, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    @Test
    void notifyScriptsGetTheRoleChangeInTheirEnvironmentInOrder() throws Exception {
        Path log = dir.resolve("log");
        Path s = script("notify.sh", "echo \"$HAKIT_PREVIOUS_ROLE>$HAKIT_ROLE@$HAKIT_EPOCH $HAKIT_NODE_ID: $HAKIT_REASON\" >> "
                + log);
        try (Takeover t = Takeover.builder("node-a").script(Role.ACTIVE, List.of(s.toString()))
                .script(Role.STANDBY, List.of(s.toString())).build()) {
            t.roleChanged(new RoleChange(Role.STOPPED, Role.STANDBY, 0, "started"));
            t.roleChanged(new RoleChange(Role.STANDBY, Role.ACTIVE, 3, "peer silent"));
            t.roleChanged(new RoleChange(Role.ACTIVE, Role.FAULT, 3, "disk"));
        }
        assertThat(Files.readAllLines(log)).containsExactly("STOPPED>STANDBY@0 node-a: started",
                "STANDBY>ACTIVE@3 node-a: peer silent");
    }

    @Test
    void aHangingScriptIsKilledAfterItsTimeoutAndLaterOnesStillRun() throws Exception {
        Path log = dir.resolve("log");
        Path hang = script("hang.sh", "sleep 30");
        Path ok = script("ok.sh", "echo done >> " + log);
        long t0 = System.nanoTime();
        try (Takeover t = Takeover.builder("node-a").timeout(Duration.ofMillis(300))
                .script(Role.ACTIVE, List.of(hang.toString())).script(Role.STANDBY, List.of(ok.toString())).build()) {
            t.roleChanged(new RoleChange(Role.STANDBY, Role.ACTIVE, 1, "x"));
            t.roleChanged(new RoleChange(Role.ACTIVE, Role.STANDBY, 1, "y"));
        }
        assertThat(Files.readAllLines(log)).containsExactly("done");
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(20));
    }

    @Test
    void badArgumentsAreRefusedNamingThem() {
        assertThatThrownBy(() -> new FloatingIp("10.0.0.300", 24, "eth0")).hasMessageContaining("10.0.0.300");
        assertThatThrownBy(() -> new FloatingIp("10.0.0.3", 33, "eth0")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> new FloatingIp("10.0.0.3", 24, "eth0; rm -rf /")).hasMessageContaining("device");
        assertThatThrownBy(() -> Takeover.builder("a").script(Role.ACTIVE, List.of("/nonexistent/notify")))
                .hasMessageContaining("not executable");
    }

    @Test
    void theFloatingIpComesAndGoesIdempotentlyInARealNamespace() throws Exception {
        assumeTrue(run("id", "-u") == 0 && isRoot(), "needs root for network namespaces");
        netns = "hk-t-" + UUID.randomUUID().toString().substring(0, 6);
        assertThat(run("ip", "netns", "add", netns)).isZero();
        // a veth pair inside the namespace (this kernel may lack the dummy driver)
        assertThat(run("ip", "-n", netns, "link", "add", "vip0", "type", "veth", "peer", "name", "vip1")).isZero();
        assertThat(run("ip", "-n", netns, "link", "set", "vip0", "up")).isZero();
        FloatingIp vip = new FloatingIp("10.213.0.100", 24, "vip0", 1, Duration.ofSeconds(5), netns);
        assertThat(vip.present()).isFalse();
        vip.acquire();
        assertThat(vip.present()).isTrue();
        vip.acquire(); // idempotent
        assertThat(vip.present()).isTrue();
        vip.release();
        assertThat(vip.present()).isFalse();
        vip.release(); // idempotent
        assertThat(vip.present()).isFalse();
    }

    private static boolean isRoot() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("id", "-u").start();
        p.waitFor(5, TimeUnit.SECONDS);
        return new String(p.getInputStream().readAllBytes()).trim().equals("0");
    }
}
