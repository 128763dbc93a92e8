package io.hakit.benchmarks.sync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A test double: mirrors src to dst in this JVM (copy what differs in size or content, delete what is extra);
 * continuous by polling every millisecond on a thread of its own. Counts the bytes of the files it copies.
 */
final class MirrorSubject implements SyncSubject {

    private final String name;

    MirrorSubject(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Session open(Path src, Path dst, boolean continuous) {
        Thread poller = continuous ? new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    mirror(src, dst);
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    // a file changed while copied: the next round copies it again
                }
            }
        }, "mirror-" + name) : null;
        if (poller != null) {
            poller.start();
        }
        return new Session() {
            @Override
            public Transfer syncOnce() throws IOException {
                return mirror(src, dst);
            }

            @Override
            public void close() throws InterruptedException {
                if (poller != null) {
                    poller.interrupt();
                    poller.join(5000);
                }
            }
        };
    }

    static synchronized Transfer mirror(Path src, Path dst) throws IOException {
        long bytes = 0;
        long files = 0;
        List<Path> extra = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dst)) {
            s.filter(p -> !Files.exists(src.resolve(dst.relativize(p).toString()))).forEach(extra::add);
        }
        extra.sort(Comparator.reverseOrder());
        for (Path p : extra) {
            SyncDatasets.deleteTree(p);
        }
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path d = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else if (!Files.exists(d) || Files.size(d) != Files.size(p) || Files.mismatch(p, d) >= 0) {
                    Path tmp = d.resolveSibling(".tmp-" + d.getFileName());
                    Files.copy(p, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, d, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    bytes += Files.size(d);
                    files++;
                }
            }
        }
        return new Transfer(bytes, files);
    }
}
