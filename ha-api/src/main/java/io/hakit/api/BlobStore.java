package io.hakit.api;

import java.io.IOException;
import java.util.List;

/**
 * Where state-store values above the backend's inline limit live; the store keeps only a pointer (the ref) and the
 * value's SHA-256. The default is a directory ({@code high-availability.storageDir}), which must be shared storage
 * (NFS, HDFS fuse, ...) when processes run on different hosts, as with Flink's storageDir.
 *
 * <p>Implementations must be thread-safe, make a blob visible only once it is complete, and never overwrite one.
 */
public interface BlobStore {

    /**
     * Stores {@code data} under a new ref whose first part is {@code namespace} and returns the ref.
     *
     * @param namespace the state-store namespace the value belongs to
     * @param data the blob's content
     * @return the new blob's ref
     * @throws IOException if it could not be stored completely (nothing visible under the ref)
     */
    String put(String namespace, byte[] data) throws IOException;

    /**
     * Reads a blob.
     *
     * @param ref a ref returned by {@link #put(String, byte[])}
     * @return the blob's content
     * @throws java.io.FileNotFoundException or {@link java.nio.file.NoSuchFileException} if there is no such blob
     */
    byte[] get(String ref) throws IOException;

    /**
     * Deletes a blob; deleting a missing one is not an error.
     *
     * @param ref the blob's ref
     * @throws IOException if the blob exists and could not be deleted
     */
    void delete(String ref) throws IOException;

    /**
     * The refs of the complete blobs of {@code namespace}. No age is asked of the store: a file's modification time
     * is another host's clock, and the collector decides age on its own ticker
     * ({@link io.hakit.api.StateStore#collectGarbage(java.time.Duration)}).
     *
     * @param namespace the namespace
     * @return the refs, in no particular order; empty if the namespace has no blobs
     * @throws IOException if the store could not be listed
     */
    List<String> list(String namespace) throws IOException;

    /**
     * Deletes every blob of {@code namespace}, whatever its age, and whatever the store keeps for the namespace
     * (a directory). Called when a namespace is deleted; a blob written concurrently may survive. The default deletes
     * what {@link #list(String)} finds.
     *
     * @param namespace the namespace
     * @throws IOException if a blob or the namespace's storage could not be deleted
     */
    default void deleteNamespace(String namespace) throws IOException {
        for (String ref : list(namespace)) {
            delete(ref);
        }
    }
}
