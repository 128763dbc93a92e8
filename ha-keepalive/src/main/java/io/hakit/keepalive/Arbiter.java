package io.hakit.keepalive;

import io.hakit.api.HaServices;
import io.hakit.api.LeaderContender;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderSession;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Decides whether a standby may promote itself when its peer falls silent: the guard against split brain when the
 * link between the two nodes breaks but both are alive.
 *
 * <ul>
 *   <li>{@link #lease(HaServices, String)}: the strongest. Being ACTIVE requires holding a lease of an HA backend
 *   (ZooKeeper, Kubernetes, ...); the active keeps it while active, so a cut-off standby cannot get it while the
 *   active lives. If the active loses its lease, it steps down.</li>
 *   <li>{@link #reachability(List, Duration)}: promote only if at least one third address (the gateway, a
 *   service both nodes need) answers a TCP connect: a standby that is itself cut off from the network does not
 *   promote. Both nodes can still be active if only their mutual link breaks.</li>
 *   <li>{@link #none()}: two-node mode, keepalived's behaviour. <b>Hazard:</b> a broken link between two live
 *   nodes makes both active (split brain) until it heals; the lower epoch then steps down.</li>
 * </ul>
 *
 * <p>{@link #acquire} and {@link #release} are called on the node's arbiter thread, one at a time.
 */
public interface Arbiter extends AutoCloseable {

    /**
     * Tries to win, blocking at most {@code timeout}. Returns a description of the grant (for logs) or null when
     * refused. {@code lost} is called (on any thread) if a grant is lost later. Called again while a grant is held,
     * an implementation may return the grant it holds.
     *
     * @param timeout how long this attempt may block; the node passes {@link KeepaliveConfig#arbiterTimeout()}
     * @param lost    told why when a grant is lost later (the active then steps down); never called for a refusal
     * @return a description of the grant for logs, such as {@code lease of keepalive-pair at epoch 7}; null when
     *     refused or not won within {@code timeout}
     * @throws InterruptedException when the arbiter thread is interrupted while it waits (the node is closing)
     */
    String acquire(Duration timeout, Consumer<String> lost) throws InterruptedException;

    /** Gives up a grant, if any: the node calls it when it stops being active and when it closes. Idempotent. */
    void release();

    /**
     * For status output ({@code hakit status}, {@link NodeStatus#arbiter()}). Cheap, from any thread.
     *
     * @return what the arbiter is and, if it holds something, what, such as {@code lease of c on zookeeper (held at
     *     epoch 7)}
     */
    String describe();

    @Override
    default void close() {
        release();
    }

    /**
     * Two-node mode: always wins. See the hazard above.
     *
     * @return an arbiter whose {@link #acquire} grants at once and that holds nothing
     */
    static Arbiter none() {
        return new Arbiter() {
            @Override
            public String acquire(Duration timeout, Consumer<String> lost) {
                return "no arbiter (two-node mode)";
            }

            @Override
            public void release() {
            }

            @Override
            public String describe() {
                return "none";
            }
        };
    }

    /**
     * Wins when any of {@code addresses} accepts a TCP connection within {@code connectTimeout}. They are tried in
     * order, one at a time, each within what is left of {@link #acquire}'s timeout; a grant holds nothing and is
     * never lost.
     *
     * @param addresses      the third parties (a gateway, a DNS server, a service both nodes need), at least one;
     *                       resolved (an unresolved one is never reached)
     * @param connectTimeout how long one connection attempt may take
     * @return the arbiter
     * @throws IllegalArgumentException if {@code addresses} is empty
     * @throws NullPointerException     if {@code addresses} or one of them is null
     */
    static Arbiter reachability(List<InetSocketAddress> addresses, Duration connectTimeout) {
        List<InetSocketAddress> targets = List.copyOf(addresses);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("a reachability arbiter needs at least one address");
        }
        return new Arbiter() {
            @Override
            public String acquire(Duration timeout, Consumer<String> lost) {
                long deadline = System.nanoTime() + timeout.toNanos();
                for (InetSocketAddress a : targets) {
                    long left = Math.max(1, Math.min(connectTimeout.toMillis(),
                            TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    try (Socket s = new Socket()) {
                        s.connect(a, (int) left);
                        return "reached " + a;
                    } catch (IOException e) {
                        // try the next one
                    }
                }
                return null;
            }

            @Override
            public void release() {
            }

            @Override
            public String describe() {
                return "reachability of " + targets;
            }
        };
    }

    /**
     * Holds the leadership of {@code component} on {@code ha} while ACTIVE. {@code acquire} contends and waits for
     * the grant; if it does not come within the timeout the node stops contending. When the backend revokes the
     * leadership (session lost, another contender), {@code lost} is told and the active steps down.
     *
     * @param ha        the backend the lease is held in; not closed by the arbiter
     * @param component the election component; both nodes must use the same one
     * @return the arbiter
     * @throws NullPointerException if {@code ha} or {@code component} is null
     */
    static Arbiter lease(HaServices ha, String component) {
        Objects.requireNonNull(ha, "ha");
        Objects.requireNonNull(component, "component");
        return new Arbiter() {
            private LeaderElection election;
            private volatile LeaderSession session;

            @Override
            public synchronized String acquire(Duration timeout, Consumer<String> lost) throws InterruptedException {
                if (election != null && session != null) {
                    return "lease of " + component + " at epoch " + session.epoch();
                }
                release();
                CountDownLatch granted = new CountDownLatch(1);
                LeaderElection e = ha.leaderElection(component);
                e.startLeaderElection(new LeaderContender() {
                    @Override
                    public void grantLeadership(LeaderSession s) {
                        session = s;
                        granted.countDown();
                    }

                    @Override
                    public void revokeLeadership() {
                        LeaderSession had = session;
                        session = null;
                        if (had != null) {
                            lost.accept("lease of " + component + " at epoch " + had.epoch() + " revoked");
                        }
                    }
                });
                election = e;
                if (granted.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && session != null) {
                    return "lease of " + component + " at epoch " + session.epoch();
                }
                release();
                return null;
            }

            @Override
            public synchronized void release() {
                LeaderElection e = election;
                election = null;
                session = null;
                if (e != null) {
                    e.close();
                }
            }

            @Override
            public String describe() {
                LeaderSession s = session;
                return "lease of " + component + " on " + ha.config().type()
                        + (s == null ? " (not held)" : " (held at epoch " + s.epoch() + ")");
            }
        };
    }
}
