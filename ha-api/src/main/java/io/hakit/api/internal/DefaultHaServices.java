package io.hakit.api.internal;

import io.hakit.api.support.ConfigParsing;
import io.hakit.api.support.EventExecutor;
import io.hakit.api.BlobStore;
import io.hakit.api.ConnectionState;
import io.hakit.api.ConnectionStateListener;
import io.hakit.api.Counter;
import io.hakit.api.DirectoryBlobStore;
import io.hakit.api.HaConfig;
import io.hakit.api.HaObserver;
import io.hakit.api.HaServices;
import io.hakit.api.LeaderElection;
import io.hakit.api.LeaderRetrievalListener;
import io.hakit.api.LeaderSession;
import io.hakit.api.StateStore;
import io.hakit.api.Subscription;
import io.hakit.api.alarm.AlarmRegistry;
import io.hakit.api.alarm.AlarmType;
import io.hakit.api.alarm.SlidingWindowCounter;
import io.hakit.api.spi.BackendEvents;
import io.hakit.api.spi.HaBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** The one implementation of {@link HaServices}: the core services on top of a backend's drivers. */
public final class DefaultHaServices implements HaServices {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultHaServices.class);
    static final String COUNTERS_NAMESPACE = "hakit-counters";

    private final HaConfig config;
    private final EventExecutor events;
    private final AlarmRegistry alarms;
    private final HaBackend backend;
    private final ElectionService election;
    private final RetrievalService retrieval;
    private final BlobStore blobs;
    private final SlidingWindowCounter grants;
    private final ConcurrentHashMap<String, StateStore> stores = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<ConnectionStateListener> connectionListeners = new CopyOnWriteArrayList<>();
    private volatile ConnectionState connectionState = ConnectionState.CONNECTED;
    private volatile boolean closed;

    /**
     * Starts the services on a backend connection made by {@code connect}, which receives the sink for connection
     * state events.
     */
    public DefaultHaServices(HaConfig config, Function<BackendEvents, HaBackend> connect) {
        this.config = Objects.requireNonNull(config, "config");
        this.events = new EventExecutor(config.nodeId(), config.eventExecutor().orElse(null),
                config.scheduler().orElse(null));
        this.alarms = AlarmRegistry.create(events::execute, config.clock(), config.ticker());
        this.grants = SlidingWindowCounter.create(config.flappingWindow(), config.flappingMaxChanges() + 1,
                config.ticker());
        String source = config.nodeId();
        alarms.condition(AlarmType.LEADERSHIP_FLAPPING, source, () -> grants.count() > config.flappingMaxChanges()
                ? Optional.of(grants.count() + " leadership grants within " + ConfigParsing.format(config.flappingWindow())
                        + " (more than " + config.flappingMaxChanges() + ")")
                : Optional.empty());
        this.blobs = config.blobStore().orElseGet(() -> new DirectoryBlobStore(config.storageDir()));
        try {
            this.backend = connect.apply(new BackendEvents() {
                @Override
                public void connectionStateChanged(ConnectionState state) {
                    events.execute(() -> onConnectionState(state));
                }
            });
        } catch (RuntimeException e) {
            events.shutdown(0);
            throw e;
        }
        this.election = new ElectionService(backend, events, config.ticker(), config.connectionStatePolicy(),
                config.leaseDuration().toNanos(), config.retryPeriod().toNanos(), config.operationTimeout().toNanos(),
                config.nodeId(), epoch -> {
                    grants.record();
                    alarms.evaluate();
                }, config.observer());
        this.retrieval = new RetrievalService(backend, events);
        long period = Math.min(config.retryPeriod().toNanos(), TimeUnit.SECONDS.toNanos(1));
        events.scheduleWithFixedDelay(alarms::evaluate, period);
        if (config.observer() != HaObserver.NONE) {
            try {
                config.observer().started(this);
            } catch (RuntimeException e) {
                LOG.error("{}: observer {} threw from started", config.nodeId(), config.observer(), e);
            }
        }
    }

    private void onConnectionState(ConnectionState state) {
        if (closed || state == connectionState) {
            return;
        }
        connectionState = state;
        LOG.info("{}: connection to the {} backend is {}", config.nodeId(), config.type(), state);
        if (state.isConnected()) {
            alarms.clear(AlarmType.BACKEND_UNAVAILABLE, config.nodeId());
        } else {
            alarms.raise(AlarmType.BACKEND_UNAVAILABLE, config.nodeId(), "connection to the " + config.type()
                    + " backend is " + state);
        }
        election.onConnectionState(state);
        for (ConnectionStateListener l : connectionListeners) {
            try {
                l.stateChanged(state);
            } catch (RuntimeException e) {
                LOG.error("connection state listener threw", e);
            }
        }
    }

    @Override
    public HaConfig config() {
        return config;
    }

    @Override
    public LeaderElection leaderElection(String componentId) {
        checkOpen();
        return election.create(componentId);
    }

    @Override
    public Subscription watchLeader(String componentId, LeaderRetrievalListener listener) {
        checkOpen();
        return retrieval.watch(componentId, listener);
    }

    @Override
    public StateStore stateStore(String namespace) {
        checkOpen();
        Names.id("namespace", namespace);
        return stores.computeIfAbsent(namespace, ns -> new DefaultStateStore(ns, backend.store(ns), blobs,
                backend.inlineLimit(), config.maxValueSize(), events, election::checkCurrent, config.ticker(),
                config.operationTimeout().toNanos(), config.observer()));
    }

    @Override
    public Counter counter(String name) {
        return counter(name, 1);
    }

    @Override
    public Counter counter(String name, long initialValue) {
        return new StoreCounter(stateStore(COUNTERS_NAMESPACE), name, initialValue);
    }

    @Override
    public int deleteNamespace(String namespace) {
        checkOpen();
        return deleteNamespaceData(namespace, null);
    }

    @Override
    public int deleteNamespace(LeaderSession session, String namespace) {
        Objects.requireNonNull(session, "session");
        checkOpen();
        return deleteNamespaceData(namespace, session);
    }

    /** Deletes every key (fenced by {@code session} unless null) and blob, then the backend's container. */
    private int deleteNamespaceData(String namespace, LeaderSession session) {
        Names.id("namespace", namespace);
        int keys = ((DefaultStateStore) stateStore(namespace)).deleteAll(session);
        backend.dropNamespace(namespace);
        LOG.info("{}: deleted namespace {} ({} keys)", config.nodeId(), namespace, keys);
        return keys;
    }

    @Override
    public void closeAndDeleteAllData() {
        checkOpen();
        election.close();
        retrieval.close();
        try {
            for (String namespace : new TreeSet<>(backend.namespaces())) {
                deleteNamespaceData(namespace, null);
            }
            backend.deleteClusterData();
            LOG.info("{}: deleted all data of cluster {}", config.nodeId(), config.clusterId());
        } finally {
            close();
        }
    }

    @Override
    public ConnectionState connectionState() {
        return connectionState;
    }

    @Override
    public Subscription addConnectionStateListener(ConnectionStateListener listener) {
        Objects.requireNonNull(listener, "listener");
        connectionListeners.add(listener);
        return () -> connectionListeners.remove(listener);
    }

    @Override
    public AlarmRegistry alarms() {
        return alarms;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("HA services of " + config.nodeId() + " are closed");
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        election.close();
        retrieval.close();
        try {
            backend.close();
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the backend failed", config.nodeId(), e);
        }
        events.shutdown(config.operationTimeout().toNanos());
    }

    @Override
    public String toString() {
        return "HaServices{" + config.type() + ", cluster=" + config.clusterId() + ", node=" + config.nodeId() + "}";
    }
}
