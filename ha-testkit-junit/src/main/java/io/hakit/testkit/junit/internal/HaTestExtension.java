package io.hakit.testkit.junit.internal;

import io.hakit.testkit.junit.HaCluster;
import io.hakit.testkit.junit.HaTest;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The extension behind {@link HaTest}: builds an {@link HaCluster} from the annotation of the test class, keeps it in
 * the class's store, and hands every callback to it.
 */
public final class HaTestExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(HaTestExtension.class);

    private static HaCluster cluster(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        Class<?> testClass = classContext.getRequiredTestClass();
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(testClass, c -> {
            HaTest a = AnnotationSupport.findAnnotation(testClass, HaTest.class).orElseThrow(() ->
                    new ExtensionConfigurationException(testClass + " has no @HaTest"));
            return HaCluster.builder(a.backend()).processes(a.processes()).manualTicker(a.manualTicker())
                    .apiServer(a.apiServer()).build();
        }, HaCluster.class);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        cluster(context).beforeAll(context);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        cluster(context).afterAll(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        cluster(context).beforeEach(context);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        cluster(context).afterEach(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return cluster(extensionContext).supportsParameter(parameterContext, extensionContext);
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return cluster(extensionContext).resolveParameter(parameterContext, extensionContext);
    }
}
