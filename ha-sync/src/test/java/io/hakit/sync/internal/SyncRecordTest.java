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
