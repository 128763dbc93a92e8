package io.hakit.micrometer;

import io.hakit.api.ConnectionState;
import io.hakit.api.HaConfig;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.VersionConflictException;
import io.hakit.api.embedded.EmbeddedHaBackend;
import io.hakit.api.embedded.FailureMode;
import io.hakit.testkit.ManualTicker;
import io.hakit.testkit.TestingContender;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link HaServicesMetrics} on the embedded backend, read back from a {@link SimpleMeterRegistry} per process: a
 * handover (grants, revokes, epochs, the time waited measured on a {@link ManualTicker}, confirmations), store
 * operations by outcome (a conflict, a stale session, the backend unavailable, an unknown outcome, blobs), and a
 * suspended connection with its alarm.
 */
class HaServicesMetricsTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final EmbeddedHaBackend backend = EmbeddedHaBackend.create();
    private final ManualTicker ticker = new ManualTicker();
    private final List<HaServices> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(HaServices::close);
    }

    private HaServices process(String node, MeterRegistry registry) {
        HaServices s = backend.newServices(HaConfig.builder().nodeId(node).ticker(ticker)
                .storageDir(dir.resolve("blobs")).backendOption(EmbeddedHaBackend.INLINE_LIMIT, "1 kb")
                .observer(new HaServicesMetrics(registry, Tags.of("service", "orders"))).build());
        open.add(s);
        return s;
    }

    @Test
    void aHandoverMovesLeadershipFromOneProcessToTheOther() {
        SimpleMeterRegistry ra = new SimpleMeterRegistry();
        SimpleMeterRegistry rb = new SimpleMeterRegistry();
        HaServices a = process("a", ra);
        HaServices b = process("b", rb);
        LeaderElection ea = a.leaderElection("dispatcher");
        TestingContender ca = new TestingContender("a").startOn(ea);
        LeaderSession first = ca.awaitGrant(LIMIT);
        ticker.advance(Duration.ofSeconds(3));
        assertThat(ea.confirmLeadership(first, "http://a:8081")).isTrue();
        TestingContender cb = new TestingContender("b").startOn(b.leaderElection("dispatcher"));

        assertThat(gauge(ra, "hakit.election.leader")).isEqualTo(1);
        assertThat(gauge(ra, "hakit.election.epoch")).isEqualTo(first.epoch());
        assertThat(counter(ra, "hakit.election.grants")).isEqualTo(1);
        assertThat(counter(ra, "hakit.election.revokes")).isZero();
        // a waited from its start to its grant: no time passed on the ticker
        assertThat(timer(ra, "hakit.election.grant.wait").count()).isEqualTo(1);
        assertThat(timer(ra, "hakit.election.grant.wait").totalTime(TimeUnit.NANOSECONDS)).isZero();
        assertThat(search(ra, "hakit.election.confirm").tag("outcome", "confirmed").timer().count()).isEqualTo(1);
        // b never led: it has no component meters yet
        assertThat(rb.find("hakit.election.leader").gauge()).isNull();

        // b has waited 7 s when a's component closes: the handover
        ticker.advance(Duration.ofSeconds(7));
        ea.close();
        LeaderSession second = cb.awaitGrant(LIMIT);

        assertThat(gauge(ra, "hakit.election.leader")).isZero();
        assertThat(counter(ra, "hakit.election.revokes")).isEqualTo(1);
        assertThat(gauge(ra, "hakit.election.epoch")).isEqualTo(first.epoch()); // its last leadership
        await().atMost(LIMIT).until(() -> gauge(rb, "hakit.election.leader") == 1);
        assertThat(gauge(rb, "hakit.election.epoch")).isEqualTo(second.epoch()).isGreaterThan(first.epoch());
        assertThat(counter(rb, "hakit.election.grants")).isEqualTo(1);
        assertThat(timer(rb, "hakit.election.grant.wait").totalTime(TimeUnit.SECONDS)).isEqualTo(7.0);

        // a's stale session is refused, and counted as such
        LeaderElection again = a.leaderElection("dispatcher-2");
        assertThat(again.confirmLeadership(first, "http://a:8081")).isFalse();
        assertThat(search(ra, "hakit.election.confirm").tag("component", "dispatcher-2").tag("outcome", "refused")
                .timer().count()).isEqualTo(1);
        // the tags given to the observer are on every meter
        assertThat(ra.getMeters()).isNotEmpty().allSatisfy(m -> assertThat(m.getId().getTag("service"))
                .isEqualTo("orders"));
    }

    @Test
    void storeOperationsAreTimedByKindAndOutcome() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        HaServices p = process("p", r);
        LeaderElection e = p.leaderElection("writer");
        TestingContender c = new TestingContender("p").startOn(e);
        LeaderSession session = c.awaitGrant(LIMIT);
        StateStore store = p.stateStore("jobs");
        byte[] small = "v".getBytes(StandardCharsets.UTF_8);

        long v1 = store.put(session, "a", small, StateStore.NEW);
        assertThat(store.get("a")).isPresent();
        assertThat(store.list("")).hasSize(1);
        assertThat(outcomes(r, "put", "success")).isEqualTo(1);
        assertThat(outcomes(r, "get", "success")).isEqualTo(1);
        assertThat(outcomes(r, "list", "success")).isEqualTo(1);

        // a conflict: the expected version is not the current one
        assertThatThrownBy(() -> store.put("a", small, v1 + 5)).isInstanceOf(VersionConflictException.class);
        assertThat(outcomes(r, "put", "conflict")).isEqualTo(1);
        // a stale session: refused before the backend
        LeaderSession stale = LeaderSession.random(session.epoch()); // not the current session
        assertThatThrownBy(() -> store.put(stale, "a", small, StateStore.ANY))
                .isInstanceOf(LeadershipLostException.class);
        assertThatThrownBy(() -> store.delete(stale, "a", StateStore.ANY))
                .isInstanceOf(LeadershipLostException.class);
        assertThat(outcomes(r, "put", "leadership_lost")).isEqualTo(1);
        assertThat(outcomes(r, "delete", "leadership_lost")).isEqualTo(1);
        // a failed write: the backend cannot be reached
        backend.setFailureMode(FailureMode.UNAVAILABLE);
        assertThatThrownBy(() -> store.put("a", small, StateStore.ANY))
                .isInstanceOf(BackendUnavailableException.class);
        assertThat(outcomes(r, "put", "unavailable")).isEqualTo(1);
        // a write applied with an ambiguous answer
        backend.setFailureMode(FailureMode.UNKNOWN_OUTCOME);
        assertThatThrownBy(() -> store.put("a", small, StateStore.ANY)).isInstanceOf(UnknownOutcomeException.class);
        assertThat(outcomes(r, "put", "unknown_outcome")).isEqualTo(1);
        backend.setFailureMode(FailureMode.NONE);
        // a bad argument: other
        assertThatThrownBy(() -> store.get("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(outcomes(r, "get", "other")).isEqualTo(1);
        assertThat(store.delete("a", StateStore.ANY)).isTrue();
        assertThat(outcomes(r, "delete", "success")).isEqualTo(1);
        // the successes so far: one put (the unknown outcome is not one)
        assertThat(outcomes(r, "put", "success")).isEqualTo(1);

        // a value above the inline limit (1 kb here) goes to the blob store: its bytes are counted both ways
        byte[] big = new byte[10_000];
        store.put("big", big, StateStore.NEW);
        assertThat(store.get("big").orElseThrow().value()).hasSize(big.length);
        assertThat(search(r, "hakit.store.blob.bytes").tag("direction", "written").counter().count())
                .isEqualTo(big.length);
        assertThat(search(r, "hakit.store.blob.bytes").tag("direction", "read").counter().count())
                .isEqualTo(big.length);
        // a counter's operations are store operations of the counters namespace
        long before = outcomes(r, "put", "success");
        p.counter("checkpoints").getAndIncrement(session);
        assertThat(outcomes(r, "put", "success")).isGreaterThan(before);
    }

    @Test
    void aSuspendedConnectionIsCountedAndItsAlarmIsActiveUntilItReconnects() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        HaServices p = process("p", r);
        await().atMost(LIMIT).until(() -> gauge(r, "hakit.connection.state", "state", "connected") == 1);
        // every alarm type has its gauge from the start, at 0
        assertThat(r.find("hakit.alarms.active").gauges()).hasSize(io.hakit.api.alarm.AlarmType.values().length)
                .allSatisfy(g -> assertThat(g.value()).isZero());

        backend.suspend("p");
        await().atMost(LIMIT).until(() -> p.connectionState() == ConnectionState.SUSPENDED);
        assertThat(gauge(r, "hakit.connection.state", "state", "suspended")).isEqualTo(1);
        assertThat(gauge(r, "hakit.connection.state", "state", "connected")).isZero();
        await().atMost(LIMIT).until(() -> search(r, "hakit.connection.changes").tag("state", "suspended").counter()
                .count() == 1);
        Meter.Id alarm = search(r, "hakit.alarms.active").tag("type", "BACKEND_UNAVAILABLE").gauge().getId();
        assertThat(alarm.getTag("id")).isEqualTo("45693");
        assertThat(alarm.getTag("severity")).isEqualTo("MAJOR");
        await().atMost(LIMIT).until(() -> search(r, "hakit.alarms.active").tag("type", "BACKEND_UNAVAILABLE").gauge()
                .value() == 1);

        backend.resume("p");
        await().atMost(LIMIT).until(() -> gauge(r, "hakit.connection.state", "state", "reconnected") == 1);
        assertThat(search(r, "hakit.connection.changes").tag("state", "reconnected").counter().count()).isEqualTo(1);
        await().atMost(LIMIT).until(() -> search(r, "hakit.alarms.active").tag("type", "BACKEND_UNAVAILABLE").gauge()
                .value() == 0);
    }

    private static RequiredSearch search(MeterRegistry r, String name) {
        return r.get(name);
    }

    private static double gauge(MeterRegistry r, String name) {
        return r.get(name).gauge().value();
    }

    private static double gauge(MeterRegistry r, String name, String tag, String value) {
        return r.get(name).tag(tag, value).gauge().value();
    }

    private static double counter(MeterRegistry r, String name) {
        return r.get(name).counter().count();
    }

    private static Timer timer(MeterRegistry r, String name) {
        return r.get(name).timer();
    }

    /** How many store operations of this kind ended so (0 before the first). */
    private static long outcomes(MeterRegistry r, String operation, String outcome) {
        Timer t = r.find("hakit.store.operations").tag("operation", operation).tag("outcome", outcome).timer();
        return t == null ? 0 : t.count();
    }
}
