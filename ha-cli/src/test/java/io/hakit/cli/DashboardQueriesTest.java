package io.hakit.cli;

import io.hakit.micrometer.PrometheusText;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The dashboard check finds each kind of drift (AgentHttpTest runs it on real agents): a metric that is not served,
 * a label it does not have, a label value it never takes, an unknown function, a legend or grouping label the result
 * lacks; and the dashboard is valid JSON with its queries where Grafana reads them.
 */
class DashboardQueriesTest {

    private static final PrometheusText SCRAPE = PrometheusText.parse("""
            # TYPE hakit_keepalive_role gauge
            hakit_keepalive_role{node="a",role="active"} 1.0
            hakit_keepalive_role{node="a",role="standby"} 0.0
            # TYPE hakit_sync_bytes_total counter
            hakit_sync_bytes_total{direction="sent",node="a"} 10.0
            """);

    private static List<String> problems(String expr, String legend) {
        return DashboardQueries.problems(List.of(new DashboardQueries.Query("q", expr, legend)), List.of(SCRAPE));
    }

    @Test
    void queriesThatMatchTheScrapePass() {
        assertThat(problems("max by (node) (hakit_keepalive_role{node=~\"$node\", role=\"active\"}) * 3",
                "{{node}}")).isEmpty();
        assertThat(problems("rate(hakit_sync_bytes_total{node=~\"$node\"}[$__rate_interval]) > 0",
                "{{node}} {{direction}}")).isEmpty();
        assertThat(problems("label_values(hakit_keepalive_role, node)", "")).isEmpty();
    }

    @Test
    void eachKindOfDriftIsFound() {
        assertThat(problems("hakit_keepalive_roles", "")).singleElement().asString().contains("no metric");
        assertThat(problems("hakit_keepalive_role{sync_role=\"source\"}", "")).singleElement().asString()
                .contains("no label sync_role");
        assertThat(problems("hakit_keepalive_role{role=\"ACTIVE\"}", "")).singleElement().asString()
                .contains("role=\"ACTIVE\"");
        assertThat(problems("ratee(hakit_sync_bytes_total[1m])", "")).singleElement().asString()
                .contains("not a PromQL function");
        assertThat(problems("sum by (node) (hakit_sync_bytes_total)", "{{direction}}")).singleElement().asString()
                .contains("legend shows direction");
        assertThat(problems("sum by (host) (hakit_sync_bytes_total)", "")).singleElement().asString()
                .contains("groups by host");
        assertThat(problems("label_values(hakit_keepalive_role, host)", "")).singleElement().asString()
                .contains("no label host");
    }

    @Test
    void theDashboardIsJsonWithAQueryInEveryPanel() throws Exception {
        List<DashboardQueries.Query> q = DashboardQueries.queries(Files.readString(Path.of(
                "../docs/grafana-dashboard.json")));
        assertThat(q).allSatisfy(x -> assertThat(x.expr()).isNotBlank());
        assertThatThrownBy(() -> DashboardQueries.Json.parse("{\"a\": 1,}")).isInstanceOf(
                IllegalArgumentException.class);
        assertThatThrownBy(() -> DashboardQueries.Json.parse("{\"a\": 1} x")).isInstanceOf(
                IllegalArgumentException.class);
    }
}
