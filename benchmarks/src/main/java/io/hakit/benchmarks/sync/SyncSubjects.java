package io.hakit.benchmarks.sync;

import java.util.List;

/**
 * The subjects each sync scenario measures, in the order they run within a repetition. HAKit's subject (a
 * {@code HakitSubject} running two in-process sync nodes over mutual TLS on loopback) goes first in both lists once
 * it exists; the scenarios then add the {@code "ratios"} / {@code "goal"} blocks on their own.
 */
public final class SyncSubjects {

    private SyncSubjects() {
    }

    /**
     * For {@code sync-throughput} and {@code sync-delta} (which leaves out the {@linkplain
     * SyncSubject#initialCopyOnly() initial-copy-only} cp): rsync to a daemon on loopback, without and with
     * {@code --fsync}, rsync over ssh (encrypted, as between hosts), and cp as the disk-bound floor; HAKit without
     * TLS too, last, when {@code plain} (rsync's daemon's terms).
     */
    public static List<SyncSubject> throughputSubjects(boolean plain) {
        List<SyncSubject> l = new java.util.ArrayList<>(List.of(new HakitSubject(), new RsyncDaemonSubject(false),
                new RsyncDaemonSubject(true), new RsyncSshSubject(), new CpSubject()));
        if (plain) {
            l.add(new HakitSubject(false));
        }
        return List.copyOf(l);
    }

    /** For {@code sync-latency}: the continuous replicators, lsyncd ({@code default.rsync}, delay 0). */
    public static List<SyncSubject> latencySubjects() {
        return List.of(new HakitSubject(), new LsyncdSubject());
    }
}
