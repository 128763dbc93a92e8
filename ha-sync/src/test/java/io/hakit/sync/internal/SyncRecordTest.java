package io.hakit.sync.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyncRecordTest {

    @TempDir
    Path dir;

    @Test
    void whatIsSavedIsLoadedAndALowerEpochIsNotAdmitted() throws Exception {
        Path f = dir.resolve("sync-record.bin");
        SyncRecord r = SyncRecord.load(f);
        assertThat(r.admitEpoch(7)).isTrue();
        FileEntry local = file("a/b.txt", 12, 34, 56, 78);
        r.put("data", "a/b.txt", local, new byte[] {1, 2, 3});
        r.save();
        SyncRecord again = SyncRecord.load(f);
        assertThat(again.highestEpoch()).isEqualTo(7);
        assertThat(again.get("data", "a/b.txt").sameIdentity(local)).isTrue();
        assertThat(again.get("data", "a/b.txt").digest()).containsExactly(1, 2, 3);
        assertThat(again.get("data", "a/b.txt").sameIdentity(file("a/b.txt", 12, 34, 56, 79))).isFalse();
        assertThat(again.admitEpoch(6)).isFalse();
        assertThat(again.highestEpoch()).isEqualTo(7);
    }

    static FileEntry file(String path, long size, long mtime, long inode, long ctime) {
        return new FileEntry(path, io.hakit.sync.internal.proto.EntryType.ENTRY_TYPE_FILE, size, mtime, 0644, null, "",
                0, 0, inode, ctime);
    }

    @Test
    void changesAreAppendedToALogAndATornTailIsDropped() throws Exception {
        Path f = dir.resolve("sync-record.bin");
        SyncRecord r = SyncRecord.load(f);
        r.put("data", "a", file("a", 1, 2, 3, 4), new byte[] {1});
        r.save(); // the first save writes the snapshot
        long snapshot = Files.size(f);
        r.put("data", "b", file("b", 1, 2, 5, 6), new byte[] {2});
        r.remove("data", "a");
        r.addConflict("data:c.hakit-conflict-x");
        r.save(); // later saves append to the log: the snapshot is not rewritten
        assertThat(Files.size(f)).isEqualTo(snapshot);
        Path log = dir.resolve("sync-record.bin.log");
        assertThat(r.logBytes()).isPositive().isEqualTo(Files.size(log));
        // a crash while appending leaves a torn record at the end
        Files.write(log, new byte[] {0, 0, 0, 40, 1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        SyncRecord again = SyncRecord.load(f);
        assertThat(again.get("data", "a")).isNull();
        assertThat(again.get("data", "b").digest()).containsExactly(2);
        assertThat(again.conflicts()).containsExactly("data:c.hakit-conflict-x");
        assertThat(Files.size(log)).isEqualTo(r.logBytes()); // the torn tail was cut off
        again.put("data", "d", file("d", 1, 2, 7, 8), new byte[] {3});
        again.save();
        assertThat(SyncRecord.load(f).get("data", "d")).isNotNull();
    }

    @Test
    void aLogOlderThanTheSnapshotIsIgnored() throws Exception {
        Path f = dir.resolve("sync-record.bin");
        SyncRecord r = SyncRecord.load(f);
        r.put("data", "a", file("a", 1, 2, 3, 4), new byte[] {1});
        r.save();
        r.put("data", "a", file("a", 9, 9, 9, 9), new byte[] {9});
        r.save();
        Path log = dir.resolve("sync-record.bin.log");
        byte[] oldLog = Files.readAllBytes(log);
        // enough changes that the log outgrows the snapshot and a new snapshot is written
        for (int i = 0; i < 60_000; i++) {
            r.put("data", "f" + i, file("f" + i, i, i, i, i), new byte[32]);
        }
        r.save();
        r.put("data", "a", file("a", 5, 5, 5, 5), new byte[] {5});
        r.save();
        r.put("data", "x", file("x", 1, 1, 1, 1), new byte[] {7});
        r.save();
        // a crash between writing the snapshot and removing the old log would leave the old log behind
        Files.write(log, oldLog);
        SyncRecord again = SyncRecord.load(f);
        assertThat(again.get("data", "a").digest()).as("not rolled back by the older log").containsExactly(5);
    }

    @Test
    void aCorruptRecordIsAnErrorNamingTheFile() throws Exception {
        Path f = dir.resolve("sync-record.bin");
        Files.write(f, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SyncRecord.load(f)).hasMessageContaining(f.toString());
    }

    @Test
    void concurrentSavesNeitherFailNorLeaveAnOlderStateOnDisk() throws Exception {
        Path f = dir.resolve("sync-record.bin");
        SyncRecord r = SyncRecord.load(f);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                fs.add(pool.submit(() -> {
                    for (int i = 1; i <= 50; i++) {
                        r.admitEpoch(thread * 1000L + i);
                        r.save();
                    }
                    return null;
                }));
            }
            for (Future<?> x : fs) {
                x.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        r.save();
        assertThat(SyncRecord.load(f).highestEpoch()).isEqualTo(r.highestEpoch()).isEqualTo(3050);
    }
}
