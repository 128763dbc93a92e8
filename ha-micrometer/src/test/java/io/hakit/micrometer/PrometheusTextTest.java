package io.hakit.micrometer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The test parser is strict: what a Prometheus server would refuse or misread, it refuses. */
class PrometheusTextTest {

    @Test
    void itReadsFamiliesSamplesLabelsAndSpecialValues() {
        PrometheusText t = PrometheusText.parse("""
                # HELP a_total things, with a \\\\ backslash
                # TYPE a_total counter
                a_total{node="x",path="a\\"b\\\\c\\nd"} 3.0
                # TYPE b_seconds summary
                b_seconds_count 2
                b_seconds_sum 0.5
                # TYPE c gauge
                c NaN
                c{k="v"} -Inf 1700000000000
                """);
        assertThat(t.families()).containsOnlyKeys("a_total", "b_seconds", "c");
        assertThat(t.value("a_total", "node", "x")).isEqualTo(3.0);
        assertThat(t.find("a_total").get(0).labels()).containsEntry("path", "a\"b\\c\nd");
        assertThat(t.value("b_seconds_sum")).isEqualTo(0.5);
        assertThat(t.value("c", "k", "v")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(t.sampleNames()).contains("b_seconds_count", "c");
    }

    @Test
    void itRefusesWhatBreaksTheFormat() {
        String[] bad = {
            "a 1",                                                   // no final newline
            "a{b=\"1\"} x\n",                                         // not a number
            "a{b=1} 1\n",                                             // label value not quoted
            "a{b=\"1\",b=\"2\"} 1\n",                                 // a label twice
            "a{b=\"\\t\"} 1\n",                                       // a bad escape
            "a 1\na 2\n",                                             // a series twice
            "# TYPE a gauge\n# TYPE a gauge\na 1\n",                  // TYPE twice
            "a 1\n# TYPE a gauge\n",                                  // TYPE after samples
            "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"y\"} 2\n", // a family's samples apart
            "# TYPE a gauge\na_total 1\n# TYPE a_total gauge\n",      // a suffix its type does not have
            "# TYPE a histogram\na_bucket 1\n",                       // a bucket without le
            "# TYPE a wobbly\na 1\n",                                 // an unknown type
            "1a 1\n",                                                 // a bad name
            "a  1\n",                                                 // two spaces
        };
        for (String b : bad) {
            assertThatThrownBy(() -> PrometheusText.parse(b)).as(b).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
