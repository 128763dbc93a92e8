package io.hakit.api.internal;

import io.hakit.api.support.EventExecutor;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.hakit.api.LeaderInformation;
import io.hakit.api.LeaderRetrievalListener;
import io.hakit.api.Subscription;
import io.hakit.api.spi.HaBackend;
import io.hakit.api.spi.RetrievalDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Fans one backend watch out to every retrieval listener of the process: no watch and no thread per component.
 * The driver is started on the first registration and kept until close.
 */
final class RetrievalService {

    private static final Logger LOG = LoggerFactory.getLogger(RetrievalService.class);

    private final Object lock = new Object();
    private final HaBackend backend;
    private final EventExecutor events;
    @GuardedBy("lock")
    private final Map<String, LeaderInformation> latest = new HashMap<>();
    @GuardedBy("lock")
    private final Map<String, List<Registration>> listeners = new HashMap<>();
    @GuardedBy("lock")
    private RetrievalDriver driver;
    @GuardedBy("lock")
    private boolean closed;

    RetrievalService(HaBackend backend, EventExecutor events) {
        this.backend = backend;
        this.events = events;
    }

    Subscription watch(String componentId, LeaderRetrievalListener listener) {
        Names.id("componentId", componentId);
        Objects.requireNonNull(listener, "listener");
        Registration r = new Registration(componentId, listener);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("HA services are closed");
            }
            listeners.computeIfAbsent(componentId, k -> new ArrayList<>()).add(r);
            if (driver == null) {
                driver = backend.startRetrieval(new RetrievalDriver.Listener() {
                    @Override
                    public void onLeaderInformationChange(String component, LeaderInformation info) {
                        events.execute(() -> handleChange(component, info));
                    }

                    @Override
                    public void onError(Throwable error) {
                        events.execute(() -> handleError(error));
                    }
                });
            }
        }
        events.execute(() -> {
            LeaderInformation now;
            synchronized (lock) {
                now = latest.getOrDefault(componentId, LeaderInformation.empty());
            }
            r.deliver(now);
        });
        return r;
    }

    private void handleChange(String componentId, LeaderInformation info) {
        List<Registration> targets;
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (info.isEmpty()) {
                latest.remove(componentId);
            } else {
                latest.put(componentId, info);
            }
            List<Registration> regs = listeners.get(componentId);
            targets = regs == null ? List.of() : new ArrayList<>(regs);
        }
        for (Registration r : targets) {
            r.deliver(info);
        }
    }

    private void handleError(Throwable error) {
        List<Registration> all = new ArrayList<>();
        synchronized (lock) {
            listeners.values().forEach(all::addAll);
        }
        for (Registration r : all) {
            try {
                r.listener.handleError(error);
            } catch (RuntimeException e) {
                LOG.error("retrieval listener threw from handleError", e);
            }
        }
    }

    /** The latest known leader of a component (may be stale). */
    LeaderInformation current(String componentId) {
        synchronized (lock) {
            return latest.getOrDefault(componentId, LeaderInformation.empty());
        }
    }

    void close() {
        RetrievalDriver d;
        synchronized (lock) {
            closed = true;
            d = driver;
            driver = null;
            listeners.clear();
        }
        if (d != null) {
            try {
                d.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the retrieval driver failed", e);
            }
        }
    }

    private final class Registration implements Subscription {
        private final String componentId;
        private final LeaderRetrievalListener listener;
        // only touched on the event thread
        private LeaderInformation lastDelivered;
        private volatile boolean cancelled;

        Registration(String componentId, LeaderRetrievalListener listener) {
            this.componentId = componentId;
            this.listener = listener;
        }

        /** Delivers unless cancelled or unchanged. Runs on the event thread. */
        void deliver(LeaderInformation info) {
            if (cancelled || info.equals(lastDelivered)) {
                return;
            }
            lastDelivered = info;
            try {
                listener.notifyLeaderAddress(info);
            } catch (RuntimeException e) {
                LOG.error("retrieval listener of {} threw", componentId, e);
            }
        }

        @Override
        public void close() {
            cancelled = true;
            synchronized (lock) {
                List<Registration> regs = listeners.get(componentId);
                if (regs != null) {
                    regs.remove(this);
                    if (regs.isEmpty()) {
                        listeners.remove(componentId);
                    }
                }
            }
        }
    }
}
