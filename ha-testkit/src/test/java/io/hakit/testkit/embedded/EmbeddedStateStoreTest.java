package io.hakit.testkit.embedded;

import io.hakit.testkit.EmbeddedTestCluster;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.StateStoreContractTest;

/** The embedded backend runs the StateStore contract suite. */
class EmbeddedStateStoreTest extends StateStoreContractTest {
    @Override
    protected TestCluster createCluster() {
        return new EmbeddedTestCluster();
    }
}
