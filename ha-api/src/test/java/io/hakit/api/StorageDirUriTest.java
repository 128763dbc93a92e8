package io.hakit.api;

import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code high-availability.storageDir} of a file system other than the local one needs a blob store for it. */
class StorageDirUriTest {

    @Test
    void anS3StorageDirWithoutABlobStoreIsRefusedNamingBothFields() {
        assertThatThrownBy(() -> HaConfig.fromMap(Map.of(HaConfig.STORAGE_DIR, "s3://bucket/flink/ha")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("s3://bucket/flink/ha")
                .hasMessageContaining("blobStore")
                .satisfies(e -> assertThat(((InvalidConfigException) e).fields())
                        .containsExactly(HaConfig.STORAGE_DIR, "blobStore"));
    }

    @Test
    void anHdfsStorageDirWithABlobStoreIsAccepted() {
        BlobStore blobs = new DirectoryBlobStore(Paths.get("/tmp/unused"));
        HaConfig c = HaConfig.builder().options(Map.of(HaConfig.STORAGE_DIR, "hdfs://nn:8020/ha")).blobStore(blobs)
                .build();
        assertThat(c.blobStore()).containsSame(blobs);
        assertThat(c.toBuilder().build().blobStore()).containsSame(blobs);
    }

    @Test
    void localPathsAndFileUrisStayDirectories() {
        assertThat(HaConfig.fromMap(Map.of(HaConfig.STORAGE_DIR, "file:///var/ha")).storageDir())
                .isEqualTo(Paths.get("/var/ha"));
        assertThat(HaConfig.fromMap(Map.of(HaConfig.STORAGE_DIR, "/var/ha")).storageDir())
                .isEqualTo(Paths.get("/var/ha"));
    }

    @Test
    void aLocalStorageDirSetLaterReplacesTheUri() {
        HaConfig c = HaConfig.builder().options(Map.of(HaConfig.STORAGE_DIR, "s3://bucket/x"))
                .storageDir(Paths.get("/var/ha")).build();
        assertThat(c.storageDir()).isEqualTo(Paths.get("/var/ha"));
    }
}
