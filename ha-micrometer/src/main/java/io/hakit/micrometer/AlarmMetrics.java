package io.hakit.micrometer;

import io.hakit.api.alarm.Alarm;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.alarm.AlarmType;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;

/**
 * The active alarms of an {@link AlarmRegistry}: one gauge {@code hakit.alarms.active} per {@link AlarmType}, tagged
 * with the type's id, name and severity, counting that type's active alarms (over all sources). Every type has its
 * gauge from the start, at 0 while none is active, so that a dashboard shows a quiet alarm as 0 rather than as
 * nothing. The alarms' sources and details are not tags (they are unbounded): {@code hakit status} and the agent's
 * {@code /status} name them.
 *
 * <p>{@link HaServicesMetrics} and {@link KeepaliveMetrics} bind their registries' alarms themselves; use this for an
 * {@link AlarmRegistry} of your own. Binding the same registry twice (a keepalive node raising into the services'
 * alarms) is harmless: the gauges are the same.
 */
public final class AlarmMetrics implements MeterBinder {

    private final AlarmRegistry alarms;
    private final Tags tags;

    /**
     * The alarms of {@code alarms}, with no tags of their own.
     *
     * @param alarms the alarm registry
     */
    public AlarmMetrics(AlarmRegistry alarms) {
        this(alarms, Tags.empty());
    }

    /**
     * The alarms of {@code alarms}, with {@code tags} added to every gauge.
     *
     * @param alarms the alarm registry
     * @param tags added to every gauge
     */
    public AlarmMetrics(AlarmRegistry alarms, Iterable<Tag> tags) {
        this.alarms = Objects.requireNonNull(alarms, "alarms");
        this.tags = Tags.of(tags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (AlarmType t : AlarmType.values()) {
            Gauge.builder("hakit.alarms.active", alarms, a -> count(a, t)).tags(tags)
                    .tag("id", Integer.toString(t.id())).tag("type", t.name())
                    .tag("severity", t.severity().name()).description("active alarms of the type (over all sources)")
                    .register(registry);
        }
    }

    private static double count(AlarmRegistry alarms, AlarmType type) {
        int n = 0;
        for (Alarm a : alarms.active()) {
            if (a.type() == type) {
                n++;
            }
        }
        return n;
    }
}
