package io.hakit.testkit.junit;

import io.hakit.testkit.junit.internal.HaTestExtension;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test class on an {@link HaCluster} built from these attributes, one per class (its servers start before the
 * first test and stop after the last); every test gets fresh processes and may declare {@code HaCluster},
 * {@code HaServices}, {@code List<HaServices>}, {@code HistoryRecorder} and {@code ManualTicker} parameters (see
 * {@link HaCluster}).
 *
 * <pre>{@code
 * @HaTest(backend = Backend.ZOOKEEPER, processes = 3)
 * class FailoverTest {
 *     @Test
 *     void failsOver(HaCluster cluster, HaServices p0, HaServices p1) { ... }
 * }
 * }</pre>
 *
 * For the options this annotation has no attribute for, register {@code HaCluster.builder(...)...build()} with
 * {@code @RegisterExtension} instead.
 */
@Documented
@Inherited
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(HaTestExtension.class)
public @interface HaTest {

    /**
     * The backend.
     *
     * @return the backend; default {@link Backend#EMBEDDED}
     */
    Backend backend() default Backend.EMBEDDED;

    /**
     * How many processes each test starts.
     *
     * @return at least 1; default 3
     */
    int processes() default 3;

    /**
     * Whether the processes read time from a {@link io.hakit.testkit.ManualTicker} (see
     * {@link HaCluster.Builder#manualTicker(boolean)}).
     *
     * @return default false
     */
    boolean manualTicker() default false;

    /**
     * Which API server a {@link Backend#KUBERNETES} class runs on.
     *
     * @return default {@link HaCluster.ApiServer#AUTO}
     */
    HaCluster.ApiServer apiServer() default HaCluster.ApiServer.AUTO;
}
