package io.hakit.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/agent.md shows the sample node files the tarball ships (conf/), word for word, and each of them passes
 * {@code hakit config check}: an operator who copies the page gets a configuration the agent accepts.
 */
class AgentDocsTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    /** A marker naming a shipped file, then the fenced block that shows it. */
    private static final Pattern SHOWN = Pattern.compile("<!-- (conf/[\\w.-]+) -->\\n```yaml\\n(.*?)```",
            Pattern.DOTALL);

    @Test
    void theGuideShowsEveryShippedNodeFileAsItIs() throws Exception {
        String page = Files.readString(ROOT.resolve("docs/agent.md"));
        Matcher m = SHOWN.matcher(page);
        List<String> shown = new ArrayList<>();
        while (m.find()) {
            Path file = ROOT.resolve("ha-cli/src/dist").resolve(m.group(1));
            assertThat(file).as("docs/agent.md shows %s", m.group(1)).exists();
            assertThat(m.group(2)).as("docs/agent.md's copy of %s (copy the file into the page)", m.group(1))
                    .isEqualTo(Files.readString(file));
            shown.add(m.group(1));
        }
        List<String> shipped = new ArrayList<>();
        try (var s = Files.list(ROOT.resolve("ha-cli/src/dist/conf"))) {
            s.forEach(p -> shipped.add("conf/" + p.getFileName()));
        }
        assertThat(shown).as("every shipped node file is in docs/agent.md").containsExactlyInAnyOrderElementsOf(shipped);
    }

    @Test
    void everyShippedNodeFilePassesConfigCheck() throws Exception {
        for (String node : List.of("node-a", "node-b")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ConfigCommand c = new ConfigCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            Path file = ROOT.resolve("ha-cli/src/dist/conf/" + node + ".yaml");
            int exit = c.run(List.of("check", file.toString()));
            String said = out.toString(StandardCharsets.UTF_8);
            assertThat(exit).as("%s%s", said, err.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(said).contains("OK: node " + node + ", peer " + (node.equals("node-a") ? "node-b" : "node-a"))
                    .contains("arbiter reachability").contains("file sync of")
                    // away from its host, the directories the file names are reported, not refused
                    .contains("warning: ").contains("/etc/hakit/certs/" + node + " does not exist here");
        }
    }
}
