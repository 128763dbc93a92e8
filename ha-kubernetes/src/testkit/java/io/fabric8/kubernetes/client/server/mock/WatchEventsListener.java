package io.fabric8.kubernetes.client.server.mock;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import org.slf4j.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * HAKit's test-only stand-in for the mock server's watch listener of the same name (this class, on the test class
 * path, is loaded before the one in kubernetes-server-mock 8.0.0). That one stalls the whole mock server for up to a
 * minute when a client closes a watch while an event is being sent to it: its {@code onClosed}, running on the Vert.x
 * event loop, waits for its send executor, whose send waits for that same event loop to write the frame. HAKit's
 * processes close their watches whenever they close, while other processes' renewals keep events flowing, so the
 * contract suites hit it. Written for HAKit with the same constructor and methods the mock's CRUD dispatcher calls:
 * events are sent in order by one thread, buffered until the WebSocket is open, and closing never waits.
 */
class WatchEventsListener extends WebSocketListener {

    private final Context context;
    private final AttributeSet attributeSet;
    private final Set<WatchEventsListener> listeners;
    private final Logger logger;
    private final Consumer<WatchEventsListener> onOpenAction;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mock-watch-sender");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    // guarded by lock
    private WebSocket socket;
    private final List<String> pending = new ArrayList<>();

    WatchEventsListener(Context context, AttributeSet attributeSet, Set<WatchEventsListener> listeners, Logger logger,
            Consumer<WatchEventsListener> onOpenAction) {
        this.context = context;
        this.attributeSet = attributeSet;
        this.listeners = listeners;
        this.logger = logger;
        this.onOpenAction = onOpenAction;
    }

    public boolean attributeMatches(AttributeSet attributes) {
        return attributes.matches(attributeSet);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
        List<String> buffered;
        synchronized (lock) {
            socket = webSocket;
            buffered = new ArrayList<>(pending);
            pending.clear();
        }
        onOpenAction.accept(this); // the initial ADDED events first, then what arrived before the socket opened
        buffered.forEach(this::send);
    }

    public void sendWebSocketResponse(String object, Watcher.Action action) {
        String body;
        try {
            body = context.getMapper().writeValueAsString(new WatchEvent(
                    Serialization.unmarshal(object, GenericKubernetesResource.class), action.name()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(e);
        }
        synchronized (lock) {
            if (socket == null) {
                pending.add(body);
                return;
            }
        }
        send(body);
    }

    private void send(String body) {
        try {
            sender.execute(() -> {
                WebSocket ws;
                synchronized (lock) {
                    ws = socket;
                }
                if (ws != null) {
                    ws.send(body);
                }
            });
        } catch (RejectedExecutionException e) {
            logger.debug("watch closed, event dropped");
        }
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
        try {
            sender.execute(() -> webSocket.close(code, reason)); // after the events queued before it
        } catch (RejectedExecutionException e) {
            webSocket.close(code, reason);
        }
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
        sender.shutdown(); // never wait here: this runs on the event loop that a pending send needs
        listeners.remove(this);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
        sender.shutdownNow();
        listeners.remove(this);
        webSocket.close(1000, String.valueOf(t.getMessage()));
    }
}
