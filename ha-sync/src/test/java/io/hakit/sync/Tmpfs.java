package io.hakit.sync;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A small tmpfs mounted for one test (root only: the test is skipped otherwise). Close unmounts it, always. */
final class Tmpfs implements AutoCloseable {

    final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Mounts a tmpfs of {@code size} (mount's syntax, e.g. "8m") on {@code dir}, or skips the test. */
    static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Assumptions.assumeTrue(root(), "mounting a tmpfs needs root");
        Files.createDirectories(dir);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs",
                dir.toString()) == 0, "mount -t tmpfs failed (no CAP_SYS_ADMIN?)");
        return new Tmpfs(dir);
    }

    void remount(String options) throws IOException, InterruptedException {
        int rc = run("mount", "-o", "remount," + options, dir.toString());
        if (rc != 0) {
            throw new IOException("mount -o remount," + options + " " + dir + " exited with " + rc);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (run("umount", dir.toString()) != 0 && run("umount", "-l", dir.toString()) != 0) {
            throw new IOException("cannot unmount " + dir);
        }
    }

    /** Runs a command (bounded: 10 s), returns its exit code; its output goes to the test's output. */
    static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
