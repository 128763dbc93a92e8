package io.hakit.testkit.contract;

import io.hakit.api.Counter;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;
import io.hakit.api.LeadershipLostException;
import io.hakit.api.StateStore;
import io.hakit.api.Versioned;
import io.hakit.testkit.TestingContender;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The data lifecycle contract: deleting a namespace (a finished job's state), deleting a counter, fenced counter
 * writes, and deleting everything a cluster keeps. A backend proves it can be cleaned up after by running it.
 */
public abstract class DataLifecycleContractTest extends ContractTestBase {

    /**
     * For a backend's test class, which extends this suite and implements {@link #createCluster()}; JUnit makes one
     * instance per test. Override {@link #assertBackendHoldsNothing(HaServices)} to look into the backend itself.
     */
    public DataLifecycleContractTest() {
    }

    /** A value above every backend's inline limit, so that it goes to the blob store. */
    private static final byte[] LARGE = new byte[3 << 20];

    /**
     * Asserts that the backend itself holds nothing of the cluster any more (for example no znode under its path),
     * after {@link HaServices#closeAndDeleteAllData()}. The default checks through the API only.
     *
     * @param process a live process of the same cluster, connected after the deletion (its configuration names the
     *                cluster); the suite has just read through it that nothing is left
     * @throws Exception if the check cannot look (the test fails); a failed check throws {@link AssertionError}
     */
    protected void assertBackendHoldsNothing(HaServices process) throws Exception {
    }

    private static List<String> keys(StateStore store) {
        return store.list("").stream().map(Versioned::key).collect(Collectors.toList());
    }

    @Test
    void deleteNamespaceCountsTheKeysRemovesTheBlobsAndLeavesTheNamespaceUsable() {
        HaServices a = process("node-a");
        StateStore job = a.stateStore("job-1");
        job.put("checkpoints/1", new byte[] {1}, StateStore.NEW);
        job.put("checkpoints/2", LARGE, StateStore.NEW);
        job.put("graph", new byte[] {3}, StateStore.NEW);
        a.stateStore("job-2").put("graph", new byte[] {4}, StateStore.NEW);
        Path blobs = a.config().storageDir().resolve("job-1");
        assertThat(blobs).as("the large value's blob").isDirectory();

        assertThat(a.deleteNamespace("job-1")).isEqualTo(3);

        HaServices b = process("node-b");
        assertThat(keys(b.stateStore("job-1"))).isEmpty();
        assertThat(keys(b.stateStore("job-2"))).containsExactly("graph");
        assertThat(Files.exists(blobs)).as("the namespace's blobs are deleted").isFalse();
        assertThat(a.deleteNamespace("job-1")).as("deleting again finds nothing").isZero();
        job.put("graph", new byte[] {5}, StateStore.NEW);
        assertThat(b.stateStore("job-1").get("graph")).as("the namespace can be used again").isPresent();
    }

    @Test
    void fencedDeleteNamespaceRefusesADeposedLeader() {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        LeaderElection ea = a.leaderElection("jobmanager");
        TestingContender ca = new TestingContender("node-a").startOn(ea);
        LeaderSession sa = ca.awaitGrant(TIMEOUT);
        a.stateStore("job-1").put(sa, "graph", new byte[] {1}, StateStore.NEW);
        TestingContender cb = contend(b, "jobmanager");

        ea.close(); // node-a's last component: it gives up leadership
        LeaderSession sb = cb.awaitGrant(TIMEOUT);

        assertThatThrownBy(() -> a.deleteNamespace(sa, "job-1")).isInstanceOf(LeadershipLostException.class);
        assertThat(keys(b.stateStore("job-1"))).containsExactly("graph");
        assertThat(b.deleteNamespace(sb, "job-1")).isEqualTo(1);
        assertThat(keys(a.stateStore("job-1"))).isEmpty();
    }

    @Test
    void aDeletedCounterStartsAgainAtItsInitialValue() {
        HaServices a = process("node-a");
        Counter c = a.counter("checkpoint-id-job-1");
        assertThat(c.getAndIncrement()).isEqualTo(1);
        assertThat(c.getAndIncrement()).isEqualTo(2);
        Counter other = a.counter("checkpoint-id-job-2");
        other.getAndIncrement();

        assertThat(c.delete()).isTrue();
        assertThat(c.delete()).as("deleting again").isFalse();
        assertThat(process("node-b").counter("checkpoint-id-job-1").get()).isEqualTo(1);
        assertThat(other.get()).as("another counter is untouched").isEqualTo(2);
    }

    @Test
    void fencedCounterWritesRefuseADeposedLeader() {
        HaServices a = process("node-a");
        HaServices b = process("node-b");
        LeaderElection ea = a.leaderElection("jobmanager");
        TestingContender ca = new TestingContender("node-a").startOn(ea);
        LeaderSession sa = ca.awaitGrant(TIMEOUT);
        Counter counterA = a.counter("checkpoint-id");
        assertThat(counterA.getAndIncrement(sa)).isEqualTo(1);
        counterA.set(sa, 10);
        TestingContender cb = contend(b, "jobmanager");

        ea.close();
        LeaderSession sb = cb.awaitGrant(TIMEOUT);

        assertThatThrownBy(() -> counterA.getAndIncrement(sa)).isInstanceOf(LeadershipLostException.class);
        assertThatThrownBy(() -> counterA.set(sa, 20)).isInstanceOf(LeadershipLostException.class);
        assertThatThrownBy(() -> counterA.delete(sa)).isInstanceOf(LeadershipLostException.class);
        Counter counterB = b.counter("checkpoint-id");
        assertThat(counterB.get()).as("nothing the deposed leader tried landed").isEqualTo(10);
        assertThat(counterB.getAndIncrement(sb)).isEqualTo(10);
        assertThat(counterB.delete(sb)).isTrue();
        assertThat(counterA.get()).isEqualTo(1);
    }

    @Test
    void closeAndDeleteAllDataLeavesNothingOfTheCluster() throws Exception {
        HaServices a = process("node-a");
        LeaderElection ea = a.leaderElection("jobmanager");
        TestingContender ca = new TestingContender("node-a").startOn(ea);
        LeaderSession sa = ca.awaitGrant(TIMEOUT);
        a.stateStore("execution-plans").put(sa, "job-1", new byte[] {1}, StateStore.NEW);
        a.stateStore("job-1").put(sa, "checkpoint-1", LARGE, StateStore.NEW);
        a.counter("checkpoint-id-job-1").getAndIncrement(sa);
        ea.close();

        a.closeAndDeleteAllData();

        HaServices b = process("node-b");
        assertThat(keys(b.stateStore("execution-plans"))).isEmpty();
        assertThat(keys(b.stateStore("job-1"))).isEmpty();
        assertThat(b.counter("checkpoint-id-job-1").get()).isEqualTo(1);
        assertThat(Files.exists(a.config().storageDir().resolve("job-1"))).as("blobs").isFalse();
        assertBackendHoldsNothing(b);
    }
}
