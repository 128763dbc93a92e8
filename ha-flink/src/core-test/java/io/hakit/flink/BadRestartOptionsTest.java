package io.hakit.flink;

import io.hakit.flink.core.HakitFlinkOptions;
import io.hakit.flink.core.HakitProcess;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A bad restart-loop option fails the JobManager's start with Flink's configuration exception naming the key, and
 * leaves nothing of HAKit running: the services it had connected are closed again (their threads end).
 */
class BadRestartOptionsTest {

    @TempDir
    Path storage;

    @ParameterizedTest
    @CsvSource({
        HakitFlinkOptions.RESTART_LOOP_MAX_RESTARTS + ", 0",
        HakitFlinkOptions.RESTART_LOOP_MAX_RESTARTS + ", many",
        HakitFlinkOptions.RESTART_LOOP_WINDOW + ", soon"})
    void aBadRestartLoopOptionIsRefusedAndLeavesNothingConnected(String key, String value) {
        Configuration config = TestProcesses.embeddedConfig(storage);
        config.setString(key, value);
        Set<Thread> before = hakitThreads();
        assertThatThrownBy(() -> HakitProcess.start(config))
                .isInstanceOf(IllegalConfigurationException.class)
                .hasMessageContaining(key);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(hakitThreads())
                .as("HAKit threads the failed start left running").isSubsetOf(before));
    }

    private static Set<Thread> hakitThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("hakit-")).collect(Collectors.toSet());
    }
}
