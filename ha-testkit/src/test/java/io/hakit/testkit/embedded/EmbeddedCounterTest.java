package io.hakit.testkit.embedded;

import io.hakit.testkit.EmbeddedTestCluster;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.CounterContractTest;

/** The embedded backend runs the Counter contract suite. */
class EmbeddedCounterTest extends CounterContractTest {
    @Override
    protected TestCluster createCluster() {
        return new EmbeddedTestCluster();
    }
}
