/**
 * HAKit's public API: leader election, leader retrieval, replicated state, counters and connection states for a JVM
 * service, on ZooKeeper, Kubernetes or in-process, behind one small SPI ({@link io.hakit.api.spi}).
 *
 * <h2>Start here</h2>
 * <pre>{@code
 * try (HaServices ha = HaServices.create(Map.of(
 *         "high-availability.type", "embedded",          // or zookeeper, kubernetes
 *         "high-availability.cluster-id", "orders"))) {
 *     LeaderElection election = ha.leaderElection("dispatcher");
 *     election.startLeaderElection(new LeaderContender() {
 *         public void grantLeadership(LeaderSession session) {
 *             election.confirmLeadership(session, "http://me:8081");   // publish to retrievers
 *             ha.stateStore("jobs").put(session, "job-1", bytes, StateStore.ANY);   // fenced write
 *         }
 *         public void revokeLeadership() { stopLeaderWork(); }
 *     });
 * }
 * }</pre>
 *
 * <h2>What is guaranteed, and why</h2>
 * <ul>
 *   <li><b>Fencing, not just exclusion.</b> No election can promise that two processes never <i>believe</i> they lead at
 *   once: a leader paused by GC, or cut off from the backend, learns of its loss late. (client-go's leader election
 *   says so plainly and offers no fencing.) HAKit therefore makes every grant a {@link io.hakit.api.LeaderSession}
 *   carrying an epoch that strictly increases across the whole history of the election, and no two grants share an
 *   epoch. Each backend takes it from something the deletion of the election's storage does not set back (ZooKeeper:
 *   the czxid of the winning latch node, the zxid of the transaction that created it, unique and increasing over the
 *   ensemble's whole life; Kubernetes: the Lease's epoch annotation, re-seeded above the ConfigMaps' fences if the
 *   Lease is lost; embedded: {@code max(election counter, floor + 1)} with a floor kept apart from the election). Every leader-only action takes the session: {@link io.hakit.api.LeaderElection#confirmLeadership} and the
 *   fenced {@link io.hakit.api.StateStore} writes. The core refuses a session that is no longer current, and the
 *   backend refuses, atomically with the write, a session whose epoch is not the current leadership's (ZooKeeper: a
 *   multi-op checking the leader's node; Kubernetes: an update of the namespace's ConfigMap conditional on its
 *   resourceVersion, whose fence annotation every new leader raises before it is told it leads; embedded: under one
 *   lock). Each namespace also records the highest fence it accepted and refuses a lower one in the same atomic
 *   step. So a stale leader's write never lands, even when the stale leader has not yet heard that it lost. Leader
 *   retrieval shows a record only while it belongs to the current grant (ZooKeeper: a latch node whose czxid is the
 *   record's epoch exists, and the record is owned by that node's session), never by its epoch alone.</li>
 *   <li><b>Leases are measured locally.</b> Every timeout is read from a monotonic {@link io.hakit.api.Ticker} from
 *   what this process observed; HAKit never compares another node's timestamp with the local clock. Clock
 *   <i>offset</i> between machines is therefore harmless; clock <i>rate</i> skew is not: a machine whose clock runs
 *   slow by more than the margin between {@code high-availability.lease-duration} and
 *   {@code high-availability.renew-deadline} can act past its lease. Fencing still keeps the store safe then. The
 *   blob collector follows the same rule: it deletes a blob only after two of its scans at least {@code minAge} apart
 *   on its own ticker found it unreferenced (never by a file's modification time), and a put whose blob took longer
 *   than the operation timeout to write deletes it and fails.</li>
 *   <li><b>Connection loss is safe by default.</b> {@link io.hakit.api.ConnectionStatePolicy#REVOKE_ON_SUSPEND}
 *   revokes as soon as the backend connection is in doubt; {@link io.hakit.api.ConnectionStatePolicy#REVOKE_ON_LOSS}
 *   trades that for fewer failovers and is safe only for fenced actions: a leadership held through a suspension
 *   (granted before it or during it) ends at one deadline per suspension, {@code min(lease-duration, the backend's
 *   bound)} after it began, and a reconnection after that deadline does not revive it.</li>
 *   <li><b>Ambiguous outcomes are admitted.</b> A write that may or may not have been applied throws
 *   {@link io.hakit.api.UnknownOutcomeException}; nothing is discarded on it (hashicorp/raft's rule).</li>
 *   <li><b>Callbacks are serial.</b> Every callback of one {@link io.hakit.api.HaServices} runs on one serial
 *   executor, never concurrently, never while HAKit holds a lock, and revoke is always delivered on close.</li>
 * </ul>
 *
 * <h2>What an operator may delete, and what happens</h2>
 * Paths are ZooKeeper's ({@code <path.root>/<cluster-id>/...}); the Kubernetes objects that play the same part are
 * in brackets.
 * <ul>
 *   <li><b>The election</b> ({@code election/} with its latch nodes) [the Lease]: the leader loses its leadership
 *   (revoke delivered), every process contends again, and the next epoch is still above every earlier one
 *   (ZooKeeper: a later zxid; elsewhere the floor). Safe at any time.</li>
 *   <li><b>Leader records</b> ({@code leaders/<component>}) [the leader ConfigMap]: retrievers see no leader until the
 *   leader confirms again. Fenced writes are not affected.</li>
 *   <li><b>The epoch history.</b> On ZooKeeper there is none to delete in the tree: epochs are zxids, which no
 *   deletion lowers (the cluster znode's data, where 0.2.0 kept an epoch floor, is no longer read or written). It is
 *   lost only when the tree is copied into another ensemble whose zxids are lower. Then each namespace still refuses fenced writes below the highest fence it accepted, so the
 *   new leader's fenced writes there are refused ({@link io.hakit.api.LeadershipLostException}) until its epoch passes
 *   that fence: no stale write lands, but progress needs the namespace deleted or the epochs to pass it.</li>
 *   <li><b>A namespace</b> ({@code stores/<namespace>}) [its ConfigMap]: its keys and its fence record are gone; use
 *   {@link io.hakit.api.HaServices#deleteNamespace} to remove its blobs too. A stale leader still cannot write there:
 *   the election's fence is checked with every write.</li>
 *   <li><b>Blobs</b> (files under {@code high-availability.storageDir}): a value whose blob is gone reads as
 *   {@link io.hakit.api.CorruptValueException}; delete only what {@link io.hakit.api.StateStore#collectGarbage} would
 *   (unreferenced, for well over twice the operation timeout).</li>
 *   <li><b>The whole cluster path</b> (or {@link io.hakit.api.HaServices#closeAndDeleteAllData}): all of the above at
 *   once, with every process of the cluster stopped first; the cluster starts again with no data (epochs still
 *   above the earlier ones on ZooKeeper, a zxid, and embedded, which keeps its floor).</li>
 * </ul>
 *
 * <h2>What is not guaranteed</h2>
 * <ul>
 *   <li>Unfenced side effects (sending an e-mail, moving an IP address) can happen twice around a failover. Route them
 *   through a fenced write, or accept it.</li>
 *   <li>The embedded backend lives in one JVM: it gives no availability across machines.</li>
 * </ul>
 */
package io.hakit.api;
