package io.hakit.sync.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a file's data is, and where its holes are: {@code lseek(SEEK_DATA / SEEK_HOLE)}, asked only of files that
 * take less space on disk than their size (a full file is one range, found with one {@code statx}). Holes are sent as
 * such and the standby's copy keeps them. Where the calls are not available (no native access, a file system
 * without them), the whole file is data: it is sent and written in full, as before.
 */
final class Sparse {

    private Sparse() {
    }

    /** The data ranges {@code [start, end)} of {@code file} of {@code size} bytes, in order; never null. */
    static List<long[]> dataRanges(Path file, long size) {
        List<long[]> all = new ArrayList<>();
        all.add(new long[] {0, size});
        if (size == 0) {
            return List.of();
        }
        try {
            Posix.check();
        } catch (java.io.IOException none) {
            return all;
        }
        int fd = Posix.openat(Posix.AT_FDCWD, Posix.c(Names.encode(file.toAbsolutePath().toString())),
                Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
        if (fd < 0) {
            return all; // the caller's own open reports why
        }
        try {
            Posix.Stat s = Posix.stat(fd, new byte[0], file.toString());
            if (s.allocated() >= size) {
                return all;
            }
            List<long[]> ranges = new ArrayList<>();
            long pos = 0;
            while (pos < size) {
                long data = Posix.lseek(fd, pos, Posix.SEEK_DATA);
                if (data < 0) {
                    if (Posix.errno() == Posix.ENXIO) {
                        break; // only a hole from here to the end
                    }
                    return all;
                }
                if (data >= size) {
                    break;
                }
                long hole = Posix.lseek(fd, data, Posix.SEEK_HOLE);
                if (hole < 0) {
                    return all;
                }
                hole = Math.min(hole, size);
                ranges.add(new long[] {data, hole});
                pos = hole;
            }
            return ranges;
        } catch (java.io.IOException e) {
            return all;
        } finally {
            Posix.close(fd);
        }
    }

    /** Walks data ranges forward: whether a span lies wholly in a hole. */
    static final class Cursor {
        private final List<long[]> data;
        private int i;

        Cursor(List<long[]> data) {
            this.data = data;
        }

        /** Whether {@code [from, to)} has no data byte; spans must be asked in increasing order. */
        boolean isHole(long from, long to) {
            while (i < data.size() && data.get(i)[1] <= from) {
                i++;
            }
            return i >= data.size() || data.get(i)[0] >= to;
        }
    }
}
