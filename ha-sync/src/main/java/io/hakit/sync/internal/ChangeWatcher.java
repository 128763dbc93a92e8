package io.hakit.sync.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Watches every directory of the roots (inotify on Linux) and gathers the relative paths that changed. A lost event
 * (queue overflow, a directory that could not be watched) asks for a full round instead; the periodic full round
 * catches whatever a watch cannot see. Thread-safe; one daemon thread per watcher.
 */
public final class ChangeWatcher implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ChangeWatcher.class);

    private record Dir(String root, String rel) {
    }

    private final Map<String, Path> roots;
    private final Runnable onChange;
    private final WatchService service;
    private final Map<WatchKey, Dir> keys = new HashMap<>();
    private final Map<String, Set<String>> pending = new LinkedHashMap<>();
    private boolean needFull;
    private final Thread thread;
    private final int maxWatches;
    private int unwatched;
    private boolean warnedLimit;

    /** Starts watching; {@code onChange} runs (on the watcher's thread) after each batch of events. */
    public ChangeWatcher(Map<String, Path> roots, Runnable onChange) throws IOException {
        this(roots, onChange, Integer.MAX_VALUE);
    }

    /**
     * A watcher that watches at most {@code maxWatches} directories (the kernel's own limit,
     * {@code fs.inotify.max_user_watches}, applies as well): the others are counted ({@link #unwatched}), logged and
     * left to the full rounds.
     */
    ChangeWatcher(Map<String, Path> roots, Runnable onChange, int maxWatches) throws IOException {
        this.maxWatches = maxWatches;
        this.roots = Map.copyOf(roots);
        this.onChange = onChange;
        this.service = FileSystems.getDefault().newWatchService();
        for (Map.Entry<String, Path> r : roots.entrySet()) {
            registerTree(r.getKey(), r.getValue(), "");
        }
        thread = new Thread(this::loop, "hakit-sync-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Watches {@code rel} and every directory below it. A directory that vanishes meanwhile is skipped (its parent's
     * watch reports that); one that cannot be watched for another reason asks for a full round. Watching a directory
     * again (one that was renamed) keeps its key and updates the path its events are reported under.
     */
    private void registerTree(String root, Path base, String rel) {
        Path dir = rel.isEmpty() ? base : base.resolve(rel);
        if (Scanner.isInternal(rel)) {
            return;
        }
        List<String> children = new ArrayList<>();
        try {
            synchronized (this) {
                if (keys.size() >= maxWatches) {
                    throw new IOException("User limit of inotify watches reached (" + maxWatches + ")");
                }
            }
            WatchKey k = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            synchronized (this) {
                keys.put(k, new Dir(root, rel));
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path c : ds) {
                    if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                        children.add(c.getFileName().toString());
                    }
                }
            }
        } catch (NoSuchFileException | NotDirectoryException gone) {
            return;
        } catch (IOException e) {
            boolean limit = String.valueOf(e.getMessage()).contains("limit");
            boolean log;
            synchronized (this) {
                needFull = true;
                unwatched++;
                log = !limit || !warnedLimit;
                warnedLimit |= limit;
            }
            if (log) {
                LOG.warn("cannot watch {} ({}); changes there wait for a full round (every sync.period){}", dir,
                        e.getMessage(), limit ? "; raise fs.inotify.max_user_watches. Further directories over the "
                                + "limit are counted in 'hakit status' (sync unwatched), not logged one by one" : "");
            }
            return;
        }
        for (String c : children) {
            registerTree(root, base, rel.isEmpty() ? c : rel + "/" + c);
        }
    }

    private void loop() {
        while (true) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            HopTrace.mark("watch.take");
            do {
                handle(key);
            } while ((key = service.poll()) != null);
            HopTrace.mark("watch.signal");
            onChange.run();
        }
    }

    private void handle(WatchKey key) {
        Dir dir;
        synchronized (this) {
            dir = keys.get(key);
        }
        for (WatchEvent<?> ev : key.pollEvents()) {
            if (ev.kind() == StandardWatchEventKinds.OVERFLOW) {
                synchronized (this) {
                    needFull = true;
                }
                continue;
            }
            if (dir == null) {
                continue;
            }
            String name = ev.context().toString();
            String rel = dir.rel.isEmpty() ? name : dir.rel + "/" + name;
            if (Scanner.isInternal(rel)) {
                continue;
            }
            if (ev.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
                // watch a new (or renamed) directory before reporting it: what changes in it from now on has
                // events, what changed before is seen when the round describes the reported directory
                Path p = roots.get(dir.root).resolve(rel);
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    registerTree(dir.root, roots.get(dir.root), rel);
                }
            }
            synchronized (this) {
                pending.computeIfAbsent(dir.root, k -> new LinkedHashSet<>()).add(rel);
            }
        }
        if (!key.reset()) {
            synchronized (this) {
                keys.remove(key);
            }
        }
    }

    /** How many directories could not be watched (their changes travel with the full rounds only). */
    public synchronized int unwatched() {
        return unwatched;
    }

    /** The changes gathered since the last call, per root. */
    public synchronized Map<String, Set<String>> drain() {
        Map<String, Set<String>> m = new LinkedHashMap<>(pending);
        pending.clear();
        return m;
    }

    /** Whether an event was lost since the last call (a full round is needed). */
    public synchronized boolean takeNeedFull() {
        boolean b = needFull;
        needFull = false;
        return b;
    }

    @Override
    public void close() throws IOException {
        service.close();
        thread.interrupt();
    }
}
