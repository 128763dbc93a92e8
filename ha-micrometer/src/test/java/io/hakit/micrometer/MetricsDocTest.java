package io.hakit.micrometer;

import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.api.Ticker;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.keepalive.Arbiter;
import io.hakit.keepalive.KeepaliveConfig;
import io.hakit.keepalive.KeepaliveNode;
import io.hakit.sync.FileSync;
import io.hakit.sync.SyncConfig;
import io.hakit.testkit.FreePorts;
import io.hakit.testkit.TestingContender;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/metrics.md's table is the meters the binders register: every binder bound to one Prometheus registry (with an
 * election granted and confirmed both ways, and a store operation of every kind, so that the meters made at first
 * use exist), then each meter's name, type, base unit, tag keys and Prometheus name compared with the table's row,
 * both ways: no meter without a row, no row without a meter.
 */
class MetricsDocTest {

    private static final Path DOC = Path.of("../docs/metrics.md");

    @TempDir
    Path dir;

    /** A row of the table: the cells as written, code quotes removed. */
    record Row(String name, String prometheus, String type, String unit, String tags) {
    }

    @Test
    void theTableListsEveryMeterWithItsTypeUnitTagsAndPrometheusName() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Bound ignored = bindEverything(registry, dir)) {
            Map<String, Row> documented = table(Files.readString(DOC));
            Map<String, Row> actual = new TreeMap<>();
            PrometheusText scrape = PrometheusText.parse(registry.scrape());
            for (Meter m : registry.getMeters()) {
                Meter.Id id = m.getId();
                String type = id.getType().name().toLowerCase(Locale.ROOT).replace('_', ' ');
                String unit = id.getBaseUnit() == null ? "-" : id.getBaseUnit();
                String tags = id.getTags().stream().map(Tag::getKey).collect(Collectors.toCollection(TreeSet::new))
                        .stream().collect(Collectors.joining(", "));
                String prometheus = registry.config().namingConvention().name(id.getName(), id.getType(),
                        id.getBaseUnit());
                Row row = new Row(id.getName(), prometheus, type, unit, tags.isEmpty() ? "-" : tags);
                Row before = actual.put(id.getName(), row);
                assertThat(before == null || before.equals(row)).as("every %s has the same type, unit and tag keys",
                        id.getName()).isTrue();
                // the Prometheus name the table gives is a family in the scrape
                assertThat(scrape.families().keySet().stream().anyMatch(f -> f.equals(prometheus)
                        || f.equals(prometheus + "_total"))).as("%s in the scrape", prometheus).isTrue();
            }
            assertThat(documented.keySet()).as("meters in docs/metrics.md").isEqualTo(actual.keySet());
            for (String name : actual.keySet()) {
                Row doc = documented.get(name);
                Row real = actual.get(name);
                String promDoc = doc.prometheus();
                assertThat(new Row(doc.name(), promDoc.replaceFirst("_total$", ""), doc.type(), doc.unit(),
                        doc.tags().replace("`", ""))).as("the row of %s", name).isEqualTo(real);
                if (real.type().equals("counter") || real.type().equals("function counter")) {
                    assertThat(promDoc).as("a counter's Prometheus name ends with _total").endsWith("_total");
                }
            }
        }
    }

    /** The rows of the first table whose header starts with "| name". */
    static Map<String, Row> table(String markdown) {
        Map<String, Row> rows = new TreeMap<>();
        boolean in = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("| name |")) {
                in = true;
                continue;
            }
            if (in && line.startsWith("|---")) {
                continue;
            }
            if (in && !line.startsWith("|")) {
                break;
            }
            if (in) {
                String[] c = line.split("\\|", -1);
                String name = unquote(c[1]);
                assertThat(rows.put(name, new Row(name, unquote(c[2]), c[3].trim(), unquote(c[4]),
                        c[5].trim()))).as("%s listed once", name).isNull();
            }
        }
        assertThat(rows).as("the table of docs/metrics.md").isNotEmpty();
        return rows;
    }

    private static String unquote(String cell) {
        return cell.trim().replace("`", "");
    }

    /** What {@link #bindEverything} started. */
    interface Bound extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Binds every binder to {@code registry}: embedded HA services with a granted, confirmed and refused component
     * and a store operation of every kind and outcome, a keepalive node (created, not started) and a synchronizer.
     */
    static Bound bindEverything(MeterRegistry registry, Path dir) throws IOException {
        List<AutoCloseable> open = new ArrayList<>();
        HaServicesMetrics metrics = new HaServicesMetrics(registry);
        HaServices ha = EmbeddedHaBackend.create().newServices(HaConfig.builder().nodeId("n").observer(metrics)
                .storageDir(dir.resolve("blobs")).build());
        open.add(ha);
        LeaderElection e = ha.leaderElection("c");
        LeaderSession s = new TestingContender("c").startOn(e).awaitGrant(Duration.ofSeconds(10));
        e.confirmLeadership(s, "http://n");
        e.confirmLeadership(LeaderSession.random(s.epoch()), "http://n");
        for (io.hakit.api.HaObserver.StoreOperation op : HaServicesMetrics.StoreOperation.values()) {
            for (io.hakit.api.HaObserver.StoreOutcome outcome : HaServicesMetrics.StoreOutcome.values()) {
                metrics.storeOperation("ns", op, outcome, 1000);
            }
        }
        ha.stateStore("ns").put(s, "k", new byte[1], StateStore.ANY);
        KeepaliveConfig pair = KeepaliveConfig.builder().clusterId("c").nodeId("a")
                .bind(new InetSocketAddress("127.0.0.1", FreePorts.loopback())).peer("b", new InetSocketAddress("127.0.0.1", 1))
                .stateDir(dir.resolve("ka")).arbiter(Arbiter.none()).insecure().build();
        KeepaliveNode node = KeepaliveNode.create(pair, null);
        open.add(node);
        new KeepaliveMetrics(node).bindTo(registry);
        FileSync sync = FileSync.start(SyncConfig.builder().keepalive(pair)
                .bind(new InetSocketAddress("127.0.0.1", FreePorts.loopback())).peer(new InetSocketAddress("127.0.0.1", 3))
                .stateDir(dir.resolve("sync")).root("data", Files.createDirectories(dir.resolve("data"))).build(),
                AlarmRegistry.create(Runnable::run, Clock.systemUTC(), Ticker.system()));
        open.add(sync);
        new SyncMetrics(sync).bindTo(registry);
        return () -> {
            for (AutoCloseable c : open) {
                try {
                    c.close();
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }
        };
    }

    /** Prints the scrape of every meter (run by hand when the table changes). */
    public static void main(String[] args) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Bound ignored = bindEverything(registry, Files.createTempDirectory("metrics-doc"))) {
            for (Meter m : registry.getMeters()) {
                Meter.Id id = m.getId();
                System.out.println(id.getName() + " | " + registry.config().namingConvention().name(id.getName(),
                        id.getType(), id.getBaseUnit()) + " | " + id.getType() + " | " + id.getBaseUnit() + " | "
                        + id.getTags().stream().map(Tag::getKey).collect(Collectors.toCollection(TreeSet::new))
                        + " | " + id.getDescription());
            }
            System.out.println(registry.scrape());
        }
    }
}
