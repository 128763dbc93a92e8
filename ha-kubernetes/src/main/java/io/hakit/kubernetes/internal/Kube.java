package io.hakit.kubernetes.internal;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.hakit.api.BackendUnavailableException;
import io.hakit.api.ConnectionState;
import io.hakit.api.Ticker;
import io.hakit.api.UnknownOutcomeException;
import io.hakit.api.spi.BackendEvents;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Every request this backend sends, classified, and the connection state derived from their outcomes: a request
 * that fails for I/O, a timeout or a 5xx reports {@link ConnectionState#SUSPENDED}; the next answered request
 * {@link ConnectionState#RECONNECTED}; {@link ConnectionState#LOST} is reported by the backend's probe once nothing
 * has been answered for the renew deadline. A routine watch reconnect is not a request here and changes nothing.
 *
 * <p>Writes are sent once (fabric8's own retries are off) and only in a form that the API server checks against a
 * resourceVersion or refuses when the object exists: {@code resource(obj).update()} with the version set, and
 * {@code create()}. Never {@code replace()} (it re-reads and retries conflicts) nor an update without a version.
 */
final class Kube {

    private static final Logger LOG = LoggerFactory.getLogger(Kube.class);

    final KubernetesClient client;
    final String namespace;
    private final BackendEvents events;
    private final Ticker ticker;
    private final String nodeId;
    private final Object lock = new Object();
    @GuardedBy("lock")
    private ConnectionState state = ConnectionState.CONNECTED;
    // ticker reading at the send of the last answered request
    @GuardedBy("lock")
    private long lastAnsweredSend;
    /** Requests sent, for tests and the request-rate benchmark. */
    final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();

    Kube(KubernetesClient client, String namespace, BackendEvents events, Ticker ticker, String nodeId) {
        this.client = client;
        this.namespace = namespace;
        this.events = events;
        this.ticker = ticker;
        this.nodeId = nodeId;
        this.lastAnsweredSend = ticker.read();
    }

    // ------------------------------------------------------------------ outcome classes

    /** The API server answered 409 Conflict or AlreadyExists: nothing was applied. */
    static final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Conflict(String message) {
            super(message, null, false, false);
        }
    }

    /** The API server refused the request as invalid (422, 400, 413): nothing was applied. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    // ------------------------------------------------------------------ reads

    Optional<Lease> getLease(String name) {
        return read("get Lease " + name, () -> Optional.ofNullable(
                client.resources(Lease.class).inNamespace(namespace).withName(name).get()));
    }

    Optional<ConfigMap> getConfigMap(String name) {
        return read("get ConfigMap " + name, () -> Optional.ofNullable(
                client.configMaps().inNamespace(namespace).withName(name).get()));
    }

    List<ConfigMap> listConfigMaps(String clusterLabel) {
        return read("list ConfigMaps of " + clusterLabel, () -> {
            ConfigMapList l = client.configMaps().inNamespace(namespace).withLabel(Naming.LABEL_CLUSTER, clusterLabel)
                    .list();
            return l.getItems();
        });
    }

    /**
     * A read: any failure means nothing changed.
     *
     * @throws BackendUnavailableException if the API server did not answer (or answered with an error)
     */
    <T> T read(String what, Supplier<T> call) {
        long sent = ticker.read();
        requests.incrementAndGet();
        try {
            T t = call.get();
            answered(sent);
            return t;
        } catch (KubernetesClientException e) {
            if (isAnswer(e)) {
                answered(sent);
            } else {
                failed(what, e);
            }
            throw new BackendUnavailableException(what + " failed on the Kubernetes API server: " + describe(e), e);
        } catch (RuntimeException e) {
            failed(what, e);
            throw new BackendUnavailableException(what + " failed on the Kubernetes API server: " + e, e);
        }
    }

    // ------------------------------------------------------------------ writes

    /**
     * A conditional write, sent once.
     *
     * @throws Conflict                    on 409 (stale resourceVersion, or the object exists) or 404 (deleted since
     *                                     it was read): not applied
     * @throws Refused                     on 400/413/422: not applied
     * @throws BackendUnavailableException if it was refused before reaching the server (connection refused) or
     *                                     with 401/403/429: not applied
     * @throws UnknownOutcomeException     on a timeout, a broken connection or a 5xx: it may have been applied
     */
    <T> T write(String what, Supplier<T> call) {
        long sent = ticker.read();
        requests.incrementAndGet();
        try {
            T t = call.get();
            answered(sent);
            return t;
        } catch (KubernetesClientException e) {
            int code = e.getCode();
            if (isAnswer(e)) {
                answered(sent);
            }
            if (code == 409 || code == 404) {
                // 404 on an update: the object was deleted since it was read, which is a conflict too
                throw new Conflict(what + ": " + describe(e));
            }
            if (code == 400 || code == 413 || code == 422) {
                throw new Refused(what + " refused by the Kubernetes API server: " + describe(e), e);
            }
            if (code == 403 || code == 401 || code == 429) {
                throw new BackendUnavailableException(what + " refused by the Kubernetes API server: " + describe(e)
                        + "; nothing was written", e);
            }
            failed(what, e);
            if (notSent(e)) {
                throw new BackendUnavailableException(what + ": the Kubernetes API server could not be reached ("
                        + describe(e) + "); nothing was written", e);
            }
            throw new UnknownOutcomeException(what + ": no clear answer from the Kubernetes API server ("
                    + describe(e) + "); the write may have been applied", e);
        } catch (RuntimeException e) {
            failed(what, e);
            throw new UnknownOutcomeException(what + ": " + e + "; the write may have been applied", e);
        }
    }

    /** An answer from the server (4xx): the connection works. 5xx and no code (I/O) do not count. */
    private static boolean isAnswer(KubernetesClientException e) {
        return e.getCode() >= 400 && e.getCode() < 500;
    }

    /** Whether the request certainly never reached the server. */
    static boolean notSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException) {
                return true;
            }
            if (t instanceof InterruptedIOException) {
                return false;
            }
        }
        return false;
    }

    static String describe(KubernetesClientException e) {
        String m = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return (e.getCode() > 0 ? "HTTP " + e.getCode() + " " : "") + m
                + (root != e ? " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")" : "");
    }

    // ------------------------------------------------------------------ connection state

    private void answered(long sent) {
        ConnectionState report = null;
        synchronized (lock) {
            lastAnsweredSend = lastAnsweredSend + Math.max(0, sent - lastAnsweredSend);
            if (state != ConnectionState.CONNECTED && state != ConnectionState.RECONNECTED) {
                state = ConnectionState.RECONNECTED;
                report = state;
            }
        }
        if (report != null) {
            LOG.info("{}: the Kubernetes API server answers again", nodeId);
            events.connectionStateChanged(report);
        }
    }

    private void failed(String what, Throwable e) {
        boolean report = false;
        synchronized (lock) {
            if (state.isConnected()) {
                state = ConnectionState.SUSPENDED;
                report = true;
            }
        }
        if (report) {
            LOG.warn("{}: {} failed, connection SUSPENDED: {}", nodeId, what, e.toString());
            events.connectionStateChanged(ConnectionState.SUSPENDED);
        }
    }

    /** Reports LOST if suspended and nothing was answered for {@code nanos} since the send of the last answer. */
    void checkLost(long nanos) {
        boolean report = false;
        synchronized (lock) {
            if (state == ConnectionState.SUSPENDED && ticker.read() - lastAnsweredSend >= nanos) {
                state = ConnectionState.LOST;
                report = true;
            }
        }
        if (report) {
            LOG.warn("{}: no answer from the Kubernetes API server for the renew deadline, connection LOST", nodeId);
            events.connectionStateChanged(ConnectionState.LOST);
        }
    }

    ConnectionState state() {
        synchronized (lock) {
            return state;
        }
    }

    /** The ticker reading at the send of the last request the API server answered. */
    long lastAnsweredSend() {
        synchronized (lock) {
            return lastAnsweredSend;
        }
    }
}
