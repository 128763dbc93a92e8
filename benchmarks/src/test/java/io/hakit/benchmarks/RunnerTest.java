package io.hakit.benchmarks;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunnerTest {

    private static final String NUMBER = "(\\d+(?:\\.\\d{1,3})?)";
    private static final Pattern HANDOVER = Pattern.compile("\\{\"scenario\": \"embedded-handover\", "
            + "\"params\": \\{\"nodes\": 3, \"cycles\": 20, \"quick\": true\\}, "
            + "\"results\": \\{\"hakit\": \\{\"p50_ms\": " + NUMBER + ", \"p99_ms\": " + NUMBER + ", \"max_ms\": "
            + NUMBER + ", \"n\": 20\\}\\}\\}");

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @BeforeAll
    static void quietLogs() {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    @Test
    void embeddedHandoverReportsPercentilesInTheJsonShape() {
        String json = Json.write(EmbeddedHandover.measure(5, 20, true, out));

        Matcher m = HANDOVER.matcher(json);
        assertThat(m.matches()).as("JSON shape of %s", json).isTrue();
        BigDecimal p50 = new BigDecimal(m.group(1));
        BigDecimal p99 = new BigDecimal(m.group(2));
        BigDecimal max = new BigDecimal(m.group(3));
        assertThat(p50).isGreaterThanOrEqualTo(BigDecimal.ZERO);
        assertThat(p99).isGreaterThanOrEqualTo(p50);
        assertThat(max).isGreaterThanOrEqualTo(p99).isLessThan(BigDecimal.valueOf(5000));
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("5 warm-up + 20 measured");
    }

    @Test
    void zkCampaignReportsViolationsAndFailedSeedsInTheJsonShape() {
        String json = Json.write(ZkCampaign.measure(1, 42, true, out));

        assertThat(json).matches("\\{\"scenario\": \"zk-campaign\", \"params\": \\{\"schedules\": 1, "
                + "\"steps_per_schedule\": 6, \"session_timeout_ms\": 2000, \"processes\": 3, "
                + "\"ensemble_members\": 3, \"base_seed\": \"42\", \"quick\": true\\}, \"results\": \\{\"hakit\": "
                + "\\{\"schedules\": 1, \"violations\": 0, \"failed_seeds\": \\[\\], \"steps\": 6, "
                + "\"duration_s\": \\d+(\\.\\d)?\\}\\}\\}");
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).contains("zk-campaign 1/1: seed ");
    }

    @Test
    void unknownOrMissingScenarioListsTheScenariosAndExitsWith2() {
        assertThat(Runner.run(new String[] {"no-such-scenario"}, out, err)).isEqualTo(2);
        assertThat(Runner.run(new String[0], out, err)).isEqualTo(2);
        assertThat(Runner.run(new String[] {"embedded-handover", "--fast"}, out, err)).isEqualTo(2);
        String e = errBytes.toString(StandardCharsets.UTF_8);
        assertThat(e).contains("unknown scenario 'no-such-scenario'", "no scenario given", "unknown option '--fast'",
                "embedded-handover", "jmh-detectors");
        assertThat(outBytes.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void kaFuzzCountsEveryInputAndFindsNoEscapeInAShortRun() {
        Map<String, Object> f = KaFuzz.fuzz(3000, 7L, out);
        assertThat(f.get("escapes")).isEqualTo(0L);
        long decoded = (Long) f.get("decoded");
        long refused = (Long) f.get("refused");
        long pending = (Long) f.get("pending");
        assertThat(decoded).isGreaterThanOrEqualTo((Long) f.get("valid_inputs")).isPositive();
        assertThat(refused).isPositive();
        assertThat(decoded + refused + pending).isEqualTo(3000);
    }

    @Test
    void statsUseNearestRankOnSortedSamples() {
        double[] samples = new double[200];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = 200 - i; // 200 down to 1, unsorted on purpose
        }
        Stats s = new Stats(samples);
        assertThat(s.n()).isEqualTo(200);
        assertThat(s.percentile(50)).isEqualTo(100.0);
        assertThat(s.percentile(99)).isEqualTo(198.0);
        assertThat(s.percentile(100)).isEqualTo(200.0);
        assertThat(s.max()).isEqualTo(200.0);
        assertThat(s.min()).isEqualTo(1.0);
        assertThat(new Stats(new double[] {7.5}).percentile(1)).isEqualTo(7.5);
        assertThatThrownBy(() -> new Stats(new double[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.percentile(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonWritesOrderedObjectsAndEscapesStrings() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("p50_ms", Json.decimal(0.2104, 3));
        inner.put("max_ms", Json.decimal(1.30, 3));
        inner.put("whole_ms", Json.decimal(100.0, 3));
        inner.put("n", 200);
        Map<String, Object> outer = new LinkedHashMap<>();
        outer.put("name", "a \"quoted\"\\path\n");
        outer.put("ok", true);
        outer.put("list", List.of(1L, "x"));
        outer.put("inner", inner);
        assertThat(Json.write(outer)).isEqualTo("{\"name\": \"a \\\"quoted\\\"\\\\path\\n\", \"ok\": true, "
                + "\"list\": [1, \"x\"], \"inner\": {\"p50_ms\": 0.21, \"max_ms\": 1.3, \"whole_ms\": 100, \"n\": 200}}");
        assertThatThrownBy(() -> Json.write(Map.of("x", 1.5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.decimal(Double.NaN, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
