package io.hakit.testkit.junit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class that is meant to fail: it runs only when a test launches it through JUnit's EngineTestKit (with
 * configuration parameter {@value #PARAMETER}), never on its own.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Fixture.OnlyWhenLaunched.class)
@interface Fixture {

    /** The configuration parameter that enables fixtures. */
    String PARAMETER = "hakit.fixtures";

    /** Disables a fixture unless {@value #PARAMETER} is true. */
    final class OnlyWhenLaunched implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(PARAMETER).filter("true"::equals).isPresent()
                    ? ConditionEvaluationResult.enabled("launched as a fixture")
                    : ConditionEvaluationResult.disabled("a fixture meant to fail, launched by another test");
        }
    }
}
