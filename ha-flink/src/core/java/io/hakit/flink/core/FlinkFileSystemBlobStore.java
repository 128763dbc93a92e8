package io.hakit.flink.core;

import io.hakit.api.BlobStore;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A {@link BlobStore} on one of Flink's file systems, so that {@code high-availability.storageDir} can be
 * {@code s3://}, {@code hdfs://}, {@code oss://} or a local path, whatever Flink's plugins serve. One file per blob under
 * {@code root/<namespace>/}, written under a temporary name and renamed once complete; refs are validated before a path
 * is built from them.
 *
 * <p>Hazard: on object stores a rename is a copy, and listing may lag behind writes; HAKit's values are small pointers
 * here (Flink's state lives in its own files), so blobs are rare.
 *
 * <p>Thread-safe.
 */
public final class FlinkFileSystemBlobStore implements BlobStore {

    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern NAME = Pattern.compile("b-[0-9a-f]{32}");
    private static final String TMP_PREFIX = ".tmp-";

    private final Path root;

    /**
     * A store under {@code root}, created on first write. Nothing is read or checked here: a file system that Flink
     * cannot load, or a root it cannot write, fails the first operation with an {@link IOException}.
     *
     * @param root the directory the namespaces' directories go under, on any of Flink's file systems; shared storage
     *     when the processes of the cluster run on different hosts
     * @throws NullPointerException if {@code root} is null
     */
    public FlinkFileSystemBlobStore(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    private FileSystem fs() throws IOException {
        return root.getFileSystem();
    }

    @Override
    public String put(String namespace, byte[] data) throws IOException {
        checkNamespace(namespace);
        Objects.requireNonNull(data, "data");
        String name = "b-" + UUID.randomUUID().toString().replace("-", "");
        Path dir = new Path(root, namespace);
        Path tmp = new Path(dir, TMP_PREFIX + name);
        Path target = new Path(dir, name);
        FileSystem fs = fs();
        fs.mkdirs(dir);
        try {
            try (FSDataOutputStream out = fs.create(tmp, FileSystem.WriteMode.NO_OVERWRITE)) {
                out.write(data);
                out.sync();
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not rename blob " + tmp + " to " + target);
            }
        } finally {
            try {
                fs.delete(tmp, false);
            } catch (IOException e) {
                // the rename moved it, or it stays as junk that deleteNamespace removes
            }
        }
        return namespace + "/" + name;
    }

    @Override
    public byte[] get(String ref) throws IOException {
        Path p = resolve(ref);
        FileSystem fs = fs();
        if (!fs.exists(p)) {
            throw new FileNotFoundException("no blob " + p);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (FSDataInputStream in = fs.open(p)) {
            byte[] buf = new byte[64 << 10];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    @Override
    public void delete(String ref) throws IOException {
        Path p = resolve(ref);
        fs().delete(p, false);
    }

    @Override
    public List<String> list(String namespace) throws IOException {
        checkNamespace(namespace);
        Path dir = new Path(root, namespace);
        FileSystem fs = fs();
        List<String> refs = new ArrayList<>();
        if (!fs.exists(dir)) {
            return refs;
        }
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return refs;
        }
        for (FileStatus st : children) {
            String name = st.getPath().getName();
            if (!st.isDir() && NAME.matcher(name).matches()) {
                refs.add(namespace + "/" + name);
            }
        }
        return refs;
    }

    /** Deletes the namespace's directory with every blob and left-over temporary file in it. */
    @Override
    public void deleteNamespace(String namespace) throws IOException {
        checkNamespace(namespace);
        fs().delete(new Path(root, namespace), true);
    }

    private Path resolve(String ref) {
        int slash = ref == null ? -1 : ref.indexOf('/');
        if (slash < 0 || !NAMESPACE.matcher(ref.substring(0, slash)).matches()
                || !NAME.matcher(ref.substring(slash + 1)).matches()) {
            throw new IllegalArgumentException("not a blob ref of this store: '" + ref + "'");
        }
        return new Path(new Path(root, ref.substring(0, slash)), ref.substring(slash + 1));
    }

    private static void checkNamespace(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace must be 1-128 characters of [A-Za-z0-9._-], was '"
                    + namespace + "'");
        }
    }

    @Override
    public String toString() {
        return "FlinkFileSystemBlobStore{" + root + "}";
    }
}
