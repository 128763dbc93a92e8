package io.hakit.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's failback promise, at the level the operator meets it: two real {@code hakit agent} processes with
 * file sync. The active (node-a, higher priority, preempt on) is killed with SIGKILL, files are written, changed,
 * deleted and renamed on the survivor, and node-a is started again: it must take the active role back only once it
 * holds the survivor's files, so that both trees end up as the survivor left them, with no conflict copy.
 */
class AgentFailbackTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aRestartedNodeOfHigherPriorityTakesOverOnlyWithTheSurvivorsFiles() throws Exception {
        try (AgentPair pair = new AgentPair(dir)) {
            Path a = pair.data(AgentPair.A);
            Path b = pair.data(AgentPair.B);
            Files.writeString(a.resolve("keep.txt"), "kept\n");
            Files.writeString(a.resolve("change.txt"), "version 1\n");
            pair.start(AgentPair.A);
            pair.start(AgentPair.B);
            pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT);
            pair.awaitRole(AgentPair.B, "STANDBY", LIMIT);
            awaitSame(a, b, "first sync");

            int rounds = Integer.getInteger("failback.iterations", 5);
            for (int i = 0; i < rounds; i++) {
                pair.process(AgentPair.A).kill();
                pair.awaitRole(AgentPair.B, "ACTIVE", LIMIT);
                // the survivor's work while node-a is down: new, changed, deleted and renamed files
                Files.writeString(b.resolve("new-" + i + ".txt"), "written on node-b in round " + i + "\n");
                Files.writeString(b.resolve("change.txt"), "version " + (i + 2) + " (longer than before)\n");
                Files.createDirectories(b.resolve("dir-" + i));
                Files.writeString(b.resolve("dir-" + i + "/inner.txt"), "inner " + i);
                if (i > 0) {
                    Files.delete(b.resolve("new-" + (i - 1) + ".txt"));
                    Files.move(b.resolve("dir-" + (i - 1) + "/inner.txt"), b.resolve("renamed-" + i + ".txt"));
                }
                Map<String, String> survivor = tree(b);

                pair.start(AgentPair.A);
                pair.awaitRole(AgentPair.A, "ACTIVE", LIMIT);
                pair.awaitRole(AgentPair.B, "STANDBY", LIMIT);
                assertThat(tree(a)).as("node-a's files after failback %d", i).isEqualTo(survivor);
                awaitSame(a, b, "after failback " + i);
                assertThat(tree(b)).as("node-b's files after failback %d", i).isEqualTo(survivor);
                assertThat(pair.process(AgentPair.A).output() + pair.process(AgentPair.B).output())
                        .doesNotContain("sync conflict");
            }
        }
    }

    private static void awaitSame(Path a, Path b, String what) {
        await(what).atMost(LIMIT).pollInterval(Duration.ofMillis(50)).until(() -> tree(a).equals(tree(b)));
    }

    /** Every path below {@code root} with its content (files), "dir" or the link target; conflict copies show. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                try {
                    if (Files.isSymbolicLink(p)) {
                        m.put(rel, "-> " + Files.readSymbolicLink(p));
                    } else if (Files.isDirectory(p)) {
                        m.put(rel, "dir");
                    } else {
                        m.put(rel, new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // replaced while we looked (a rename into place): the next poll sees it
                }
            }
        } catch (java.io.UncheckedIOException e) {
            return Map.of("(walk failed)", e.getMessage());
        }
        return m;
    }
}
