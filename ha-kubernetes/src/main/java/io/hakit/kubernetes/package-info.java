/**
 * {@code high-availability.type=kubernetes}: HAKit on the Kubernetes API (fabric8 kubernetes-client on the JDK's HTTP
 * client). Options: {@link io.hakit.kubernetes.KubernetesOptions}; RBAC: {@code src/main/k8s/rbac.yaml} (get, list,
 * watch, create, update, delete on leases and configmaps of one namespace, nothing else).
 *
 * <h2>Objects</h2> In {@code kubernetes.namespace}, for cluster id {@code c}: the Lease {@code hakit-c-leader}
 * (annotation {@code hakit.io/epoch}), the ConfigMap {@code hakit-c-leaders} (leader information) and one ConfigMap
 * {@code hakit-c-ns-<namespace>} per store namespace (one {@code binaryData} entry per key, carrying its version; the
 * annotation {@code hakit.io/fence} is the highest fence epoch the namespace accepted). All carry the labels
 * {@code app.kubernetes.io/managed-by=hakit} and {@code hakit.io/cluster}, and the owner reference of
 * {@code high-availability.kubernetes.owner-reference} when set, so Kubernetes deletes them with their owner.
 *
 * <h2>Safety argument</h2> Kubernetes updates one object atomically, conditional on its resourceVersion, and nothing
 * more; Flink's Kubernetes HA writes its checkpoint and counter ConfigMaps without any leadership check, and fabric8's
 * {@code LeaderElector} decides expiry by comparing the record's renewTime with the local clock. This backend instead:
 * <ol>
 *   <li><b>Measures expiry locally</b> (client-go's rule): a process takes over a held Lease only after it has seen no
 *   change of it for its whole duration on its own monotonic ticker; clock offset between machines is harmless. A
 *   leader steps down once none of the renewals it sent within the renew deadline succeeded, from a timer no blocked
 *   request can hold up; the deadline is shorter than the lease, so it has stopped before anyone else may start
 *   (as long as clock rates agree within that margin; fencing covers the rest).
 *   <li><b>Numbers every grant</b>: each acquiring update raises the Lease's epoch annotation by one, conditional on
 *   the resourceVersion read, so two contenders never win the same epoch. If the Lease is gone (deleted by hand) or
 *   has no epoch, the epoch is re-seeded above the highest fence recorded in the cluster's ConfigMaps, and a fence
 *   found at or above a just-acquired epoch raises it further before anything is reported: epochs never repeat while
 *   any ConfigMap survives. (An operator who deletes the Lease and every ConfigMap of the cluster deletes its state
 *   too; the epochs then start again at 1 with nothing left to protect.)
 *   <li><b>Seals before it grants</b>: after acquiring epoch {@code e}, the new leader lists every ConfigMap of the
 *   cluster and raises its fence to {@code e} (version-checked), and reports the grant only if that finished within
 *   the renew deadline of its acquiring update (nobody else can acquire before the lease duration since then).
 *   A fenced write at epoch {@code e} is one update of the namespace's ConfigMap conditional on the version in
 *   which the fence is exactly {@code e}; once a newer leader sealed the namespace, the old leader's write can only
 *   fail (409, then refused by the fence). A namespace created after the seal is first claimed (fence := e), then the
 *   Lease is read to confirm epoch {@code e} is still the holder's; a later leader lists after acquiring, so it seals
 *   every claimed namespace before it is told it leads.
 *   <li><b>Shows leader information only while it is current</b>: a record is visible to retrievers while its epoch is
 *   the Lease's, the Lease has a holder, and this process has not seen the Lease stay unchanged for its duration.
 *   A crashed leader's records stay in the ConfigMap but disappear from view when its lease runs out.
 *   <li><b>Admits ambiguity</b>: every write is sent once (fabric8's retries are off; never {@code replace()}, which
 *   re-reads and retries conflicts, nor an update without a resourceVersion, which fabric8 sends unconditionally); a
 *   timeout, a broken connection or a 5xx after sending is {@link io.hakit.api.UnknownOutcomeException}.
 * </ol>
 *
 * <h2>Requests and watches</h2> One informer on the Lease (by name) and one on the cluster's labelled ConfigMaps per
 * process, whatever the number of components and store watches; they resume from the last resourceVersion and relist
 * on 410 Gone, and the fan-out diffs each ConfigMap against the last version seen, so no change is missed. Reads
 * ({@code get}, {@code list}) go to the API server, never to the informers' cache. A released Lease is taken by the
 * next contender on the informer's event, not after a retry period; a crashed holder's Lease at the instant it runs
 * out as measured here (followers note every renewal the informer delivers). An idle leader sends one renewal per retry period;
 * each follower one read per retry period.
 *
 * <h2>Connection states</h2> SUSPENDED when a request fails (I/O, timeout, 5xx; a routine watch reconnect is not a
 * request), RECONNECTED at the next answered one, LOST once nothing was answered for the renew deadline. With
 * {@code revoke-on-loss}, a suspended leader keeps leading at most the renew deadline after the send of its last
 * successful renewal.
 *
 * <h2>Limits</h2> A ConfigMap holds at most 1 MiB: values above 128 KiB, and any value once the namespace is full,
 * go to the blob store ({@code high-availability.storageDir}, which must then be shared storage). Every request is
 * bounded by {@code high-availability.operation-timeout}; bodies never exceed about 1.4 MiB (fabric8's JDK client
 * hangs on a 413 from a body over 3 MiB).
 */
package io.hakit.kubernetes;
