package io.hakit.testkit;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for one test, for faults a temp directory cannot have: a full disk, a read-only file system.
 * Mounting needs root (and CAP_SYS_ADMIN): without it, {@link #mount} skips the test (a JUnit assumption). Close
 * unmounts it, always; use it in try-with-resources or an {@code @AfterEach}.
 */
public final class Tmpfs implements AutoCloseable {

    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /**
     * Whether this JVM runs as root.
     *
     * @return true for the user root
     */
    public static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Mounts a tmpfs of {@code size} on {@code dir} (created if missing), or skips the test.
     *
     * @param dir  the mount point
     * @param size mount's syntax, e.g. "8m"
     * @return the mounted file system; close it to unmount
     * @throws IOException          if the mount point cannot be created
     * @throws InterruptedException if interrupted while mount runs
     */
    public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Assumptions.assumeTrue(root(), "mounting a tmpfs needs root");
        Files.createDirectories(dir);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs",
                dir.toString()) == 0, "mount -t tmpfs failed (no CAP_SYS_ADMIN?)");
        return new Tmpfs(dir);
    }

    /**
     * The mount point.
     *
     * @return the directory the tmpfs is mounted on
     */
    public Path dir() {
        return dir;
    }

    /**
     * Remounts with other options ({@code ro}, {@code rw}, {@code size=...}).
     *
     * @param options mount's {@code -o} syntax, without {@code remount}
     * @throws IOException          if mount fails
     * @throws InterruptedException if interrupted while mount runs
     */
    public void remount(String options) throws IOException, InterruptedException {
        int rc = run("mount", "-o", "remount," + options, dir.toString());
        if (rc != 0) {
            throw new IOException("mount -o remount," + options + " " + dir + " exited with " + rc);
        }
    }

    /**
     * Unmounts (lazily if it is busy).
     *
     * @throws IOException          if it cannot be unmounted
     * @throws InterruptedException if interrupted while umount runs
     */
    @Override
    public void close() throws IOException, InterruptedException {
        if (run("umount", dir.toString()) != 0 && run("umount", "-l", dir.toString()) != 0) {
            throw new IOException("cannot unmount " + dir);
        }
    }

    /**
     * Runs a command (bounded: 10 s); its output goes to the test's output.
     *
     * @param command the command and its arguments
     * @return its exit code, or -1 when it did not end within 10 s (it is killed then)
     * @throws IOException          if it cannot be started
     * @throws InterruptedException if interrupted while waiting
     */
    public static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
