package io.hakit.testkit.embedded;

import io.hakit.api.BlobStore;
import io.hakit.api.DirectoryBlobStore;
import io.hakit.testkit.contract.BlobStoreContractTest;

import java.nio.file.Path;

/** The default blob store runs the BlobStore contract suite. */
class DirectoryBlobStoreTest extends BlobStoreContractTest {
    @Override
    protected BlobStore createStore(Path root) {
        return new DirectoryBlobStore(root);
    }
}
