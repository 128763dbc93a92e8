package io.hakit.benchmarks.sync;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code cp -a src/. dst/}: the disk / page-cache bound floor for initial copies (the anchor's {@code cp -a}). It
 * neither deletes nor skips what is up to date, so the scenarios use it only to fill an empty target.
 */
public final class CpSubject implements SyncSubject {

    @Override
    public String name() {
        return "cp";
    }

    @Override
    public boolean initialCopyOnly() {
        return true;
    }

    /** "cp (GNU coreutils) 9.1". */
    static String version() {
        Procs.require("cp");
        return Procs.firstLine(List.of("cp", "--version"));
    }

    @Override
    public Session open(Path src, Path dst, boolean continuous) {
        if (continuous) {
            throw new UnsupportedOperationException("cp has no continuous mode");
        }
        Procs.require("cp");
        List<String> command = List.of("cp", "-a", src.toAbsolutePath() + "/.", dst.toAbsolutePath() + "/");
        return new Session() {
            @Override
            public Transfer syncOnce() {
                Procs.check(command, RsyncDaemonSubject.SYNC_BOUND);
                return Transfer.UNKNOWN;
            }

            @Override
            public void close() {
                // nothing runs between copies
            }
        };
    }
}
