package io.hakit.testkit.embedded;

import io.hakit.testkit.EmbeddedTestCluster;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.DataLifecycleContractTest;

/** The embedded backend runs the data lifecycle contract suite. */
class EmbeddedDataLifecycleTest extends DataLifecycleContractTest {
    @Override
    protected TestCluster createCluster() {
        return new EmbeddedTestCluster();
    }
}
