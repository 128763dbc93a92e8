package io.hakit.flink.core;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Flink's local file system lists a directory's names, then reads each one's status, and fails on a name deleted in
 * between: Flink's cleanup of execution plans deletes files in the storage directory while HAKit's job cleanup lists
 * it, which failed the job's cleanup.
 */
class StorageListingTest {

    @TempDir
    java.nio.file.Path dir;

    /** A local file system whose first {@code vanishing} listings fail as a file deleted meanwhile makes them. */
    private static LocalFileSystem vanishing(int vanishing, AtomicInteger listings) {
        return new LocalFileSystem() {
            @Override
            public FileStatus[] listStatus(Path f) throws IOException {
                if (listings.incrementAndGet() <= vanishing) {
                    throw new FileNotFoundException("File " + f + "/submittedExecutionPlan-x does not exist or the "
                            + "user running Flink ('root') has insufficient permissions to access it.");
                }
                return super.listStatus(f);
            }
        };
    }

    @Test
    void aListingThatCatchesAFileBeingDeletedIsTakenAgain() throws Exception {
        Files.writeString(dir.resolve("completedCheckpoint-a"), "x");
        AtomicInteger listings = new AtomicInteger();
        FileStatus[] entries = HakitProcess.storageEntries(vanishing(3, listings), new Path(dir.toUri()));
        assertThat(Arrays.stream(entries).map(e -> e.getPath().getName())).containsExactly("completedCheckpoint-a");
        assertThat(listings).hasValue(4);
    }

    @Test
    void aListingThatNeverSucceedsFailsNamingTheDirectoryAfterBoundedAttempts() {
        AtomicInteger listings = new AtomicInteger();
        assertThatThrownBy(() -> HakitProcess.storageEntries(vanishing(Integer.MAX_VALUE, listings),
                new Path(dir.toUri()))).isInstanceOf(IOException.class).hasMessageContaining(dir.toString())
                .hasMessageContaining("10 times");
        assertThat(listings).hasValue(10);
    }

    @Test
    void aMissingDirectoryHasNoEntries() throws Exception {
        assertThat(HakitProcess.storageEntries(new LocalFileSystem(), new Path(dir.resolve("gone").toUri()))).isNull();
    }

    @Test
    void aDanglingSymbolicLinkFailsTheListingWithAClearError() throws Exception {
        Files.createSymbolicLink(dir.resolve("completedCheckpoint-link"), dir.resolve("nowhere"));
        assertThatThrownBy(() -> HakitProcess.storageEntries(new LocalFileSystem(), new Path(dir.toUri())))
                .isInstanceOf(IOException.class).hasMessageContaining("dangling symbolic link");
    }
}
