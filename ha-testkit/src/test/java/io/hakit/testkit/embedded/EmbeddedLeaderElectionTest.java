package io.hakit.testkit.embedded;

import io.hakit.testkit.EmbeddedTestCluster;
import io.hakit.testkit.TestCluster;
import io.hakit.testkit.contract.LeaderElectionContractTest;

/** The embedded backend runs the LeaderElection contract suite. */
class EmbeddedLeaderElectionTest extends LeaderElectionContractTest {
    @Override
    protected TestCluster createCluster() {
        return new EmbeddedTestCluster();
    }
}
