package io.hakit.api.spi;

import io.hakit.api.Scheduler;
import io.hakit.api.Ticker;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backend SPI keeps the shape that makes a backend easy to write and to trust (STYLE.md point 5, after
 * client-go's {@code resourcelock.Interface} and Flink's {@code LeaderElectionDriver}): a handful of abstract methods
 * per interface, and no timing in it. Leases, retries, timeouts and suspension policy live in the core services,
 * which read time through the {@link Ticker} and set timers through the {@link Scheduler}; a backend reports what
 * happened (grants, revokes, connection states) and never takes a delay, a deadline or a clock from the core.
 */
class SpiShapeTest {

    private static final List<Class<?>> SPI = List.of(HaBackend.class, HaBackendFactory.class, ElectionDriver.class,
            ElectionDriver.Listener.class, RetrievalDriver.class, RetrievalDriver.Listener.class, StoreDriver.class,
            BackendEvents.class);
    private static final int MAX_ABSTRACT_METHODS = 6;
    private static final Set<Class<?>> TIMING = Set.of(Duration.class, TimeUnit.class, Instant.class, Clock.class,
            Ticker.class, Scheduler.class, Executor.class, java.util.concurrent.ScheduledExecutorService.class);

    @Test
    void everySpiInterfaceHasAtMostSixAbstractMethods() {
        List<String> tooBig = new ArrayList<>();
        for (Class<?> c : SPI) {
            long n = abstractMethods(c).size();
            if (n > MAX_ABSTRACT_METHODS) {
                tooBig.add(c.getName() + " has " + n + ": " + abstractMethods(c));
            }
        }
        assertThat(tooBig).isEmpty();
    }

    @Test
    void noSpiMethodTakesATimingArgument() {
        List<String> timed = new ArrayList<>();
        for (Class<?> c : SPI) {
            timed.addAll(timingParameters(c));
        }
        assertThat(timed).isEmpty();
    }

    @Test
    void theCheckSeesATimedMethodWhereThereIsOne() {
        // the two checks above pass on the real SPI; this one shows they would catch an interface that broke them
        interface Timed {
            void renew(Duration leaseDuration);

            void a();

            void b();

            void c();

            void d();

            void e();

            void f();
        }
        assertThat(abstractMethods(Timed.class)).hasSizeGreaterThan(MAX_ABSTRACT_METHODS);
        assertThat(timingParameters(Timed.class)).containsExactly("Timed.renew takes a Duration");
    }

    private static List<String> timingParameters(Class<?> c) {
        List<String> timed = new ArrayList<>();
        for (Method m : c.getDeclaredMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.isSynthetic()) {
                continue;
            }
            for (Class<?> p : m.getParameterTypes()) {
                if (TIMING.contains(p)) {
                    timed.add(c.getSimpleName() + "." + m.getName() + " takes a " + p.getSimpleName());
                }
            }
        }
        return timed;
    }

    private static List<String> abstractMethods(Class<?> c) {
        List<String> names = new ArrayList<>();
        for (Method m : c.getDeclaredMethods()) {
            if (Modifier.isAbstract(m.getModifiers())) {
                names.add(m.getName());
            }
        }
        return names;
    }
}
