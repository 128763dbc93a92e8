package io.hakit.testkit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the process an {@code HaServices} parameter gets: {@code @ProcessIndex(2) HaServices p} is process {@code p2}.
 * Without it, {@code HaServices} parameters get {@code p0}, {@code p1}, ... in the order they are declared (counting
 * only the unannotated ones).
 */
@Documented
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface ProcessIndex {

    /**
     * The process's index: node id {@code p<value>}.
     *
     * @return the index, from 0
     */
    int value();
}
