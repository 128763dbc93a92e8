package io.hakit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The installable tarball as an operator unpacks it (built in the package phase; run by failsafe after it): its
 * bin/hakit runs, prints its version, and checks the sample configurations it ships.
 */
class DistIT {

    @TempDir
    Path dir;

    private String run(Path home, List<String> args, int expectedExit) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("bin/hakit").toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", args, out).isEqualTo(expectedExit);
        return out;
    }

    @Test
    void theTarballRunsItsCommandAndItsSamplesCheck() throws Exception {
        Path target = Path.of("target");
        Path tarball;
        try (var s = Files.list(target)) {
            tarball = s.filter(p -> p.getFileName().toString().matches("hakit-.*-dist\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("no hakit-*-dist.tar.gz in " + target.toAbsolutePath()));
        }
        Process tar = new ProcessBuilder("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C", dir.toString())
                .inheritIO().start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).isZero();
        Path home;
        try (var s = Files.list(dir)) {
            home = s.findFirst().orElseThrow();
        }
        for (String f : List.of("bin/hakit", "lib/hakit-cli.jar", "conf/node-a.yaml", "conf/node-b.yaml",
                "systemd/hakit-agent.service", "docs/agent.md", "docs/config-reference.md", "README.md")) {
            assertThat(home.resolve(f)).as(f).exists();
        }
        assertThat(Files.isExecutable(home.resolve("bin/hakit"))).isTrue();
        assertThat(run(home, List.of("--version"), 0)).startsWith("hakit ").doesNotContain("unknown");
        for (String node : List.of("node-a", "node-b")) {
            assertThat(run(home, List.of("config", "check", home.resolve("conf/" + node + ".yaml").toString()), 0))
                    .contains("OK: node " + node);
        }
        String unit = Files.readString(home.resolve("systemd/hakit-agent.service"));
        assertThat(unit).contains("ExecStart=/opt/hakit/bin/hakit agent --config /etc/hakit/node.yaml")
                .contains("Restart=on-failure").contains("HAKIT_OPTS=-Xmx");
    }
}
