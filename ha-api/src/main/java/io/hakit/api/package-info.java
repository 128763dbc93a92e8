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
 *   epoch. Every leader-only action takes the session: {@link io.hakit.api.LeaderElection#confirmLeadership} and the
 *   fenced {@link io.hakit.api.StateStore} writes. The core refuses a session that is no longer current, and the
 *   backend refuses, atomically with the write, a session whose epoch is not the current leadership's (ZooKeeper: a
 *   multi-op checking the leader's node; Kubernetes: an update of the namespace's ConfigMap conditional on its
 *   resourceVersion, whose fence annotation every new leader raises before it is told it leads; embedded: under one
 *   lock). So a stale
 *   leader's write never lands, even when the stale leader has not yet heard that it lost.</li>
 *   <li><b>Leases are measured locally.</b> Every timeout is read from a monotonic {@link io.hakit.api.Ticker} from
 *   what this process observed; HAKit never compares another node's timestamp with the local clock. Clock
 *   <i>offset</i> between machines is therefore harmless; clock <i>rate</i> skew is not: a machine whose clock runs
 *   slow by more than the margin between {@code high-availability.lease-duration} and
 *   {@code high-availability.renew-deadline} can act past its lease. Fencing still keeps the store safe then.</li>
 *   <li><b>Connection loss is safe by default.</b> {@link io.hakit.api.ConnectionStatePolicy#REVOKE_ON_SUSPEND}
 *   revokes as soon as the backend connection is in doubt; {@link io.hakit.api.ConnectionStatePolicy#REVOKE_ON_LOSS}
 *   trades that for fewer failovers and is safe only for fenced actions.</li>
 *   <li><b>Ambiguous outcomes are admitted.</b> A write that may or may not have been applied throws
 *   {@link io.hakit.api.UnknownOutcomeException}; nothing is discarded on it (hashicorp/raft's rule).</li>
 *   <li><b>Callbacks are serial.</b> Every callback of one {@link io.hakit.api.HaServices} runs on one serial
 *   executor, never concurrently, never while HAKit holds a lock, and revoke is always delivered on close.</li>
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
