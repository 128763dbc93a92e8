package io.hakit.micrometer;

import io.hakit.api.ConnectionState;
import io.hakit.api.HaObserver;
import io.hakit.api.HaServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Records one process's HA services into a Micrometer {@link MeterRegistry}: per component, whether it leads, its
 * epoch, grants, revokes, the time it waited for each grant and its confirmations; the state stores' operations by
 * kind and outcome, blob bytes; the connection state and its changes; the active alarms (through
 * {@link AlarmMetrics}). The names, types, units and tags are in {@code docs/metrics.md}.
 *
 * <p>It is an {@link HaObserver}: set it on the configuration ({@link io.hakit.api.HaConfig.Builder#observer}), and it
 * binds the rest when the services start.
 * <pre>{@code
 * HaServicesMetrics metrics = new HaServicesMetrics(registry);
 * HaServices ha = HaServices.create(HaConfig.builder().type("zookeeper").observer(metrics).build());
 * }</pre>
 * One instance observes one {@link HaServices}; for two in one registry, give each its own instance with a tag that
 * tells them apart. A component's meters are made at its first grant, and stay registered after it closes.
 *
 * <p>Thread-safe. A store operation costs a map-free lookup of its timer and the timer's record (no allocation once
 * the timer exists); leadership changes run on the services' event thread, as {@link HaObserver} says.
 */
public final class HaServicesMetrics implements HaObserver {

    private static final StoreOperation[] OPERATIONS = StoreOperation.values();
    private static final StoreOutcome[] OUTCOMES = StoreOutcome.values();
    private static final String BLOB_HELP = "bytes of large values written to or read from the blob store";

    private final MeterRegistry registry;
    private final Tags tags;
    private final Map<String, Component> components = new ConcurrentHashMap<>();
    /** Timers by operation and outcome, made at their first use. */
    private final AtomicReferenceArray<Timer> storeTimers = new AtomicReferenceArray<>(OPERATIONS.length
            * OUTCOMES.length);
    private final Counter blobWritten;
    private final Counter blobRead;

    /**
     * Records into {@code registry} with no tags of its own.
     *
     * @param registry where the meters go
     */
    public HaServicesMetrics(MeterRegistry registry) {
        this(registry, Tags.empty());
    }

    /**
     * Records into {@code registry}, adding {@code tags} to every meter.
     *
     * @param registry where the meters go
     * @param tags added to every meter (e.g. the service's name)
     */
    public HaServicesMetrics(MeterRegistry registry, Iterable<Tag> tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(tags);
        this.blobWritten = Counter.builder("hakit.store.blob.bytes").baseUnit("bytes").tags(this.tags)
                .tag("direction", "written").description(BLOB_HELP)
                .register(registry);
        this.blobRead = Counter.builder("hakit.store.blob.bytes").baseUnit("bytes").tags(this.tags)
                .tag("direction", "read").description(BLOB_HELP)
                .register(registry);
    }

    /**
     * Binds the connection state, its changes and the services' alarms.
     *
     * @param services the services this observer was set on
     */
    @Override
    public void started(HaServices services) {
        for (ConnectionState s : ConnectionState.values()) {
            Gauge.builder("hakit.connection.state", services, x -> x.connectionState() == s ? 1 : 0).tags(tags)
                    .tag("state", tagValue(s)).description("1 for the connection state the backend is in, 0 for "
                            + "the others").register(registry);
        }
        Map<ConnectionState, Counter> changes = new EnumMap<>(ConnectionState.class);
        for (ConnectionState s : ConnectionState.values()) {
            changes.put(s, Counter.builder("hakit.connection.changes").tags(tags).tag("state", tagValue(s))
                    .description("changes of the connection to the backend, by the state changed to")
                    .register(registry));
        }
        services.addConnectionStateListener(s -> changes.get(s).increment());
        new AlarmMetrics(services.alarms(), tags).bindTo(registry);
    }

    @Override
    public void leadershipGranted(String componentId, long epoch, long waitNanos) {
        Component c = component(componentId);
        c.epoch.set(epoch);
        c.leader.set(1);
        c.grants.increment();
        c.grantWait.record(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void leadershipRevoked(String componentId, long epoch) {
        Component c = component(componentId);
        c.leader.set(0);
        c.revokes.increment();
    }

    @Override
    public void leadershipConfirmed(String componentId, long epoch, boolean confirmed, long nanos) {
        component(componentId).confirm(confirmed).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void storeOperation(String namespace, StoreOperation operation, StoreOutcome outcome, long nanos) {
        int i = operation.ordinal() * OUTCOMES.length + outcome.ordinal();
        Timer t = storeTimers.get(i);
        if (t == null) {
            t = Timer.builder("hakit.store.operations").tags(tags).tag("operation", tagValue(operation))
                    .tag("outcome", tagValue(outcome)).description("state store operations by kind and outcome "
                            + "(conflict, leadership_lost, unknown_outcome, unavailable, corrupt, other: failures)")
                    .register(registry);
            storeTimers.set(i, t); // a race makes the same timer twice: the registry returns the first
        }
        t.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void blobWritten(String namespace, long bytes) {
        blobWritten.increment(bytes);
    }

    @Override
    public void blobRead(String namespace, long bytes) {
        blobRead.increment(bytes);
    }

    private Component component(String componentId) {
        Component c = components.get(componentId);
        return c != null ? c : components.computeIfAbsent(componentId, Component::new);
    }

    /** Enum constants as tag values: lower case, as Micrometer's own tags are. */
    static String tagValue(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "HaServicesMetrics" + tags;
    }

    /** One component's meters. */
    private final class Component {
        final AtomicLong leader = new AtomicLong();
        final AtomicLong epoch = new AtomicLong();
        final Counter grants;
        final Counter revokes;
        final Timer grantWait;
        final Tags componentTags;
        private volatile Timer confirmed;
        private volatile Timer refused;

        Component(String componentId) {
            componentTags = tags.and("component", componentId);
            Gauge.builder("hakit.election.leader", leader, AtomicLong::get).tags(componentTags)
                    .description("1 while this process leads the component").register(registry);
            Gauge.builder("hakit.election.epoch", epoch, AtomicLong::get).tags(componentTags)
                    .description("epoch of the component's current or last leadership in this process")
                    .register(registry);
            grants = Counter.builder("hakit.election.grants").tags(componentTags)
                    .description("leadership grants to the component in this process").register(registry);
            revokes = Counter.builder("hakit.election.revokes").tags(componentTags)
                    .description("revokes of the component's leadership in this process").register(registry);
            grantWait = Timer.builder("hakit.election.grant.wait").tags(componentTags)
                    .description("time from the component's start or last revoke to its grant").register(registry);
        }

        Timer confirm(boolean ok) {
            Timer t = ok ? confirmed : refused;
            if (t == null) {
                t = Timer.builder("hakit.election.confirm").tags(componentTags).tag("outcome", ok ? "confirmed"
                        : "refused").description("confirmLeadership calls (the backend's write of the leader "
                        + "information)").register(registry);
                if (ok) {
                    confirmed = t;
                } else {
                    refused = t;
                }
            }
            return t;
        }
    }
}
