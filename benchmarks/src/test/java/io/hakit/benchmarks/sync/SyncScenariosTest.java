package io.hakit.benchmarks.sync;

import io.hakit.benchmarks.Json;
import io.hakit.benchmarks.Runner.BenchmarkFailure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sync scenarios' plumbing and JSON shape on tiny data, with in-JVM doubles in place of HAKit and the peers. */
class SyncScenariosTest {

    private final PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void throughputReportsMediansAndWithAHakitSubjectRatiosAndAGoal() {
        SyncThroughput.Config c = new SyncThroughput.Config(SyncDatasets.MIB, 40, 4, 4096, 3, 1, 0);
        String json = Json.write(SyncThroughput.measure(c,
                List.of(new MirrorSubject("hakit"), new MirrorSubject("rsync_daemon"),
                        new MirrorSubject("rsync_daemon_fsync"), new MirrorSubject("hakit_plain")), true, out));

        assertThat(json).startsWith("{\"scenario\": \"sync-throughput\", \"params\": {\"big_file_mib\": 1, ")
                .contains("\"results\": {\"hakit\": {\"big_copy_s\": ", "\"rsync_daemon\": {\"big_copy_s\": ",
                        "\"changed_files_transferred\": 3, ", "\"unchanged_files_transferred\": 0, ",
                        "\"ratios\": {\"rsync_daemon\": {\"big_copy_s\": ", "\"rsync_daemon_fsync\": {\"big_copy_s\": ",
                        "\"ratios_without_tls\": {\"rsync_daemon\": {\"big_copy_s\": ",
                        "\"goal\": {\"peer\": \"rsync_daemon_fsync\", \"big_copy_mb_per_s_ratio\": ")
                .containsPattern("\"met\": (true|false)}}$");
    }

    @Test
    void latencyGivesPercentilesPerSubjectAndTheGoalAgainstLsyncd() {
        String json = Json.write(SyncLatency.measure(new SyncLatency.Config(6, 1),
                List.of(new MirrorSubject("hakit"), new MirrorSubject("lsyncd")), true, out));

        assertThat(json).containsPattern("\"results\": \\{\"hakit\": \\{\"p50_ms\": [0-9.]+, \"p99_ms\": [0-9.]+, "
                + "\"max_ms\": [0-9.]+, \"n\": 6}, \"lsyncd\": \\{")
                .containsPattern("\"goal\": \\{\"hakit_p99_ms\": [0-9.]+, \"p99_ms_target_max\": 20, "
                        + "\"p50_ratio_vs_lsyncd\": [0-9.]+, \"p50_ratio_target_max\": 0.7, \"met\": (true|false)}}$");
    }

    @Test
    void deltaLeavesOutInitialCopyOnlySubjectsAndReportsBytesSent() {
        String json = Json.write(SyncDelta.measure(new SyncDelta.Config(4 * SyncDatasets.MIB, 64 * 1024, 1, 0),
                List.of(new MirrorSubject("hakit"), new CpSubject()), true, out));

        assertThat(json).doesNotContain("\"cp\"")
                .contains("\"hakit\": {\"delta_s\": ", "\"bytes_sent\": 4194304, ", "\"files_transferred\": 1, ")
                .endsWith("\"goal\": {\"hakit_bytes_sent_max\": 4194304, \"bytes_sent_target_max\": 2097152, "
                        + "\"met\": false}}");
    }

    @Test
    void rsyncStatsAreParsedWithTheirThousandsSeparators() {
        String stats = "Number of files: 4 (reg: 2, dir: 2)\nNumber of regular files transferred: 1,002\n"
                + "Total file size: 100,003 bytes\nTotal bytes sent: 1,112,092\nTotal bytes received: 73\n";

        assertThat(RsyncDaemonSubject.parseStats(stats)).isEqualTo(new SyncSubject.Transfer(1_112_092, 1_002));
        assertThatThrownBy(() -> RsyncDaemonSubject.parseStats("sent 5 bytes")).isInstanceOf(BenchmarkFailure.class)
                .hasMessageContaining("Total bytes sent");
    }

    @Test
    void treeComparisonFindsMissingExtraAndChangedFiles(@TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a/x"));
        Path b = Files.createDirectories(dir.resolve("b/x"));
        Files.writeString(a.resolve("f"), "one");
        assertThat(SyncDatasets.difference(a.getParent(), b.getParent())).isEqualTo("x/f is missing");
        Files.writeString(b.resolve("f"), "two");
        assertThat(SyncDatasets.difference(a.getParent(), b.getParent())).isEqualTo("x/f differs from byte 0");
        Files.writeString(b.resolve("f"), "one");
        assertThat(SyncDatasets.difference(a.getParent(), b.getParent())).isNull();
        Files.writeString(b.resolve("g"), "");
        assertThat(SyncDatasets.difference(a.getParent(), b.getParent())).isEqualTo("x/g is extra");
    }

    @Test
    void aRewriteKeepsTheSizeAndMovesTheMtimeOnAndCloseRemovesTheData() throws Exception {
        Path root;
        try (SyncDatasets data = SyncDatasets.create("test", SyncDatasets.MIB, 1)) {
            root = data.root();
            Path tree = data.dir("tree");
            data.writeTree(tree, 20, 4, 100);
            Path f = tree.resolve(SyncDatasets.treeFile(0, 20, 4));
            byte[] before = Files.readAllBytes(f);
            long mtime = Files.getLastModifiedTime(f).toMillis();

            assertThat(data.rewriteTreeFiles(tree, 20, 4, 1, 0)).containsExactly(f);
            assertThat(Files.readAllBytes(f)).hasSize(100).isNotEqualTo(before);
            assertThat(Files.getLastModifiedTime(f).toMillis()).isGreaterThanOrEqualTo(mtime + 1000);
        }
        assertThat(root).doesNotExist();
    }

    @Test
    void latencyProbesOfTheSameFileAlternateTheirSize() {
        assertThat(SyncLatency.content("lsyncd", -3, 1, true)).hasSize(72);
        assertThat(SyncLatency.content("a-rather-long-subject-name", 12345, -1, false)).hasSize(64);
    }
}
