package io.hakit.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps README.md's embedding example true: the code between the README markers below is what README.md shows, and
 * it runs here.
 */
class ReadmeExampleTest {

    @Test
    void theReadmeExampleRuns() throws Exception {
        CountDownLatch led = new CountDownLatch(1);
        byte[] checkpoint = "chk-42".getBytes(StandardCharsets.UTF_8);
        // README:begin
        try (HaServices ha = HaServices.create(Map.of(
                "high-availability.type", "embedded",   // zookeeper, kubernetes: add their module
                "high-availability.cluster-id", "orders"))) {

            LeaderElection election = ha.leaderElection("dispatcher");
            StateStore jobs = ha.stateStore("jobs");
            election.startLeaderElection(new LeaderContender() {
                @Override
                public void grantLeadership(LeaderSession session) {
                    // publish our address to retrievers, then act with the session: a stale leader is refused
                    election.confirmLeadership(session, "http://10.0.0.5:8081");
                    jobs.put(session, "checkpoints/latest", checkpoint, StateStore.ANY);
                    led.countDown();
                }

                @Override
                public void revokeLeadership() {
                    // stop every leader-only action now
                }
            });

            ha.watchLeader("dispatcher", info -> System.out.println("dispatcher leader: " + info));
            led.await(10, TimeUnit.SECONDS);
        }
        // README:end
        assertThat(led.getCount()).isZero();
    }

    @Test
    void readmeShowsExactlyThisExample() throws IOException {
        String test = Files.readString(Paths.get("src/test/java/io/hakit/api/ReadmeExampleTest.java"));
        Matcher m = Pattern.compile("// README:begin\\n(.*?)\\n\\s*// README:end", Pattern.DOTALL).matcher(test);
        assertThat(m.find()).isTrue();
        String example = normalize(m.group(1));
        Path readme = Paths.get("..", "README.md");
        assertThat(readme).exists();
        assertThat(normalize(Files.readString(readme))).as("README.md must show the example of ReadmeExampleTest")
                .contains(example);
        // the consumer build (examples/, through the BOM from a repository) compiles and runs the same lines
        String consumer = Files.readString(Paths.get("..", "examples/consumer/src/main/java/example/Main.java"));
        Matcher c = Pattern.compile("// README:begin\\n(.*?)\\n\\s*// README:end", Pattern.DOTALL).matcher(consumer);
        assertThat(c.find()).as("examples/consumer's Main has README markers").isTrue();
        assertThat(normalize(c.group(1))).as("examples/consumer runs the README example").isEqualTo(example);
    }

    private static String normalize(String s) {
        return s.replaceAll("(?m)^\\s+", "").replaceAll("\\s+", " ").trim();
    }
}
