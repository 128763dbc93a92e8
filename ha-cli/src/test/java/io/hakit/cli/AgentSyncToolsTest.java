package io.hakit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The synchronizer's promises as the operator meets them, with two real {@code hakit agent} processes: a file
 * replaced by rename keeping its size and mtime reaches the standby; {@code hakit sync verify} finds nothing after,
 * and finds a copy broken on purpose on the standby; a file changed on both nodes leaves a conflict copy that
 * {@code hakit sync conflicts} lists, that {@code hakit status} and SYNC_CONFLICT (45694) name, and that clears once
 * the operator removes it.
 */
class AgentSyncToolsTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final FileTime OLD = FileTime.from(Instant.parse("2021-03-04T05:06:07Z"));

    @TempDir
    Path dir;

    private static void write(Path p, String content) throws Exception {
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, OLD);
    }

    @Test
    void verifyConflictsAndStatusThroughTheRealCommands() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            Path a = pair.data(AgentPair.A);
            Path b = pair.data(AgentPair.B);
            write(a.resolve("app.conf"), "port=1\n");
            write(a.resolve("next.conf"), "port=2\n");
            write(a.resolve("shared.txt"), "agreed\n");
            pair.start(AgentPair.A);
            pair.start(AgentPair.B);
            pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT);
            awaitSame(a, b);

            // a rename over a file of the same size and mtime travels (by the watch)
            Files.move(a.resolve("next.conf"), a.resolve("app.conf"), StandardCopyOption.REPLACE_EXISTING);
            await().atMost(LIMIT).until(() -> Files.readString(b.resolve("app.conf")).equals("port=2\n")
                    && !Files.exists(b.resolve("next.conf")));
            assertThat(hakit("verify-clean", "sync", "verify", "--config", pair.config(AgentPair.A).toString()))
                    .isZero();
            assertThat(log("verify-clean")).contains("no differences");
            pair.awaitStatus(AgentPair.A, "in sync", st -> st.getProperty("sync.state", "")
                    .startsWith("in sync (verified by a full round"), LIMIT);

            // the standby's copy broken behind the synchronizer's back: same size, same mtime
            write(b.resolve("app.conf"), "port=9\n");
            assertThat(hakit("verify-broken", "sync", "verify", "--config", pair.config(AgentPair.A).toString()))
                    .isEqualTo(1);
            assertThat(log("verify-broken")).contains("DIFF data:app.conf: content differs")
                    .contains("1 difference(s)");
            assertThat(hakit("verify-standby", "sync", "verify", "--config", pair.config(AgentPair.B).toString()))
                    .isEqualTo(1);
            assertThat(log("verify-standby")).contains("run 'hakit sync verify' on the active node");

            // the active changes it too: the standby's own version is kept as a conflict copy, named everywhere
            Files.writeString(a.resolve("app.conf"), "port=3 (changed on the active)\n");
            await().atMost(LIMIT).until(() -> Files.readString(b.resolve("app.conf")).startsWith("port=3"));
            assertThat(hakit("conflicts", "sync", "conflicts", "--config", pair.config(AgentPair.B).toString()))
                    .isEqualTo(1);
            assertThat(log("conflicts")).contains("data:app.conf.hakit-conflict-").contains("node-b")
                    .contains("1 conflict copy");
            pair.awaitStatus(AgentPair.B, "SYNC_CONFLICT", st -> AgentPair.hasAlarm(st, 45694), LIMIT);
            assertThat(hakit("status-b", "status", "--config", pair.config(AgentPair.B).toString())).isZero();
            assertThat(log("status-b")).contains("45694 SYNC_CONFLICT").contains("conflict copy to resolve: data:"
                    + "app.conf.hakit-conflict-");

            // the operator keeps the active's version and removes the copy: the alarm clears
            try (Stream<Path> s = Files.list(b)) {
                for (Path c : s.filter(p -> p.getFileName().toString().contains(".hakit-conflict-")).toList()) {
                    Files.delete(c);
                }
            }
            pair.awaitStatus(AgentPair.B, "no SYNC_CONFLICT", st -> !AgentPair.hasAlarm(st, 45694)
                    && st.getProperty("alarms") != null, LIMIT);
            assertThat(hakit("conflicts-after", "sync", "conflicts", "--config", pair.config(AgentPair.B).toString()))
                    .isZero();
            assertThat(hakit("verify-after", "sync", "verify", "--config", pair.config(AgentPair.A).toString()))
                    .isZero();
        }
    }

    private int hakit(String name, String... args) throws Exception {
        return AgentProcess.run(dir.resolve(name + ".log"), LIMIT, args);
    }

    private String log(String name) throws Exception {
        return Files.readString(dir.resolve(name + ".log"), StandardCharsets.UTF_8);
    }

    private static void awaitSame(Path a, Path b) {
        await().atMost(LIMIT).until(() -> AgentFailbackTest.tree(a).equals(AgentFailbackTest.tree(b)));
    }
}
