package io.hakit.testkit.embedded;

import io.hakit.testkit.EmbeddedTestCluster;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.LeaderRetrievalContractTest;

/** The embedded backend runs the LeaderRetrieval contract suite. */
class EmbeddedLeaderRetrievalTest extends LeaderRetrievalContractTest {
    @Override
    protected TestCluster createCluster() {
        return new EmbeddedTestCluster();
    }
}
