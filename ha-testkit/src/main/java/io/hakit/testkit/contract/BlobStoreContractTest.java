package io.hakit.testkit.contract;

import io.hakit.api.BlobStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link BlobStore} contract every implementation runs (the default directory store, and stores an adapter
 * supplies, such as ha-flink's on Flink's file systems): complete blobs under fresh refs, namespaces kept apart,
 * idempotent deletes, listing by age and deleting a namespace.
 */
public abstract class BlobStoreContractTest {

    /**
     * For a store's test class, which extends this suite and implements {@link #createStore(Path)}; JUnit makes one
     * instance per test, and the store is made before each test, not here.
     */
    public BlobStoreContractTest() {
    }

    /** A fresh directory per test (JUnit's {@code @TempDir}); the store is rooted under it. */
    @TempDir
    protected Path dir;

    /** The store of the running test, from {@link #createStore(Path)}. */
    protected BlobStore store;

    /**
     * A store rooted at {@code root} (which may not exist yet). Called before each test.
     *
     * @param root the store's directory, in a fresh temporary directory
     * @return the store under test
     * @throws Exception if the store cannot be made; the test fails
     */
    protected abstract BlobStore createStore(Path root) throws Exception;

    @BeforeEach
    void setUpStore() throws Exception {
        store = createStore(dir.resolve("blobs"));
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void putThenGetReturnsTheSameBytesUnderAFreshRefOfTheNamespace() throws IOException {
        byte[] data = bytes(3 << 20, 7);
        String r1 = store.put("job-1", data);
        String r2 = store.put("job-1", data);
        assertThat(r1).startsWith("job-1/").isNotEqualTo(r2);
        assertThat(Arrays.equals(store.get(r1), data)).isTrue();
        assertThat(store.get(r2)).hasSize(data.length);
        assertThat(store.get(store.put("job-1", new byte[0]))).isEmpty();
    }

    @Test
    void deleteIsIdempotentAndAMissingBlobIsNotFound() throws IOException {
        String ref = store.put("job-1", bytes(10, 1));
        store.delete(ref);
        store.delete(ref);
        assertThatThrownBy(() -> store.get(ref))
                .isInstanceOfAny(FileNotFoundException.class, NoSuchFileException.class);
    }

    @Test
    void listFindsTheBlobsOfOneNamespaceOlderThanTheAge() throws IOException {
        String a = store.put("job-1", bytes(10, 1));
        String b = store.put("job-1", bytes(10, 2));
        String other = store.put("job-2", bytes(10, 3));
        assertThat(store.list("job-1")).containsExactlyInAnyOrder(a, b);
        assertThat(store.list("job-2")).containsExactly(other);
        assertThat(store.list("job-3")).isEmpty();
    }

    @Test
    void deleteNamespaceRemovesItsBlobsOnly() throws IOException {
        store.put("job-1", bytes(10, 1));
        store.put("job-1", bytes(10, 2));
        String other = store.put("job-2", bytes(10, 3));
        store.deleteNamespace("job-1");
        store.deleteNamespace("job-1");
        store.deleteNamespace("never-used");
        assertThat(store.list("job-1")).isEmpty();
        assertThat(store.get(other)).hasSize(10);
        assertThat(dir.resolve("blobs").resolve("job-1")).doesNotExist();
    }

    @Test
    void aRefThatIsNotTheStoresIsRefusedBeforeAnyFileIsTouched() {
        assertThatThrownBy(() -> store.get("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.delete("job-1/../../x")).isInstanceOf(IllegalArgumentException.class);
    }
}
