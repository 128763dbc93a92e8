package io.hakit.sync.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Applier#peek}: the read-only check through held parent directories, and what empties it. */
class ApplierPeekTest {

    @TempDir
    Path tmp;

    private Path root;
    private Applier fs;
    private SyncRecord record;

    @BeforeEach
    void open() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        record = SyncRecord.load(tmp.resolve("record"));
        fs = new Applier(Map.of("r", root), new Scanner(List.of(), List.of(), 1000), new HashCache(0), record, "node-b", Long.MAX_VALUE, new Applier.Report() {
                    @Override
                    public void deleted() {
                    }

                    @Override
                    public void conflict(String r, String path, String copy) {
                    }
                });
    }

    @AfterEach
    void close() {
        fs.close();
    }

    private static long inode(Path p) throws Exception {
        return (Long) Files.getAttribute(p, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void seesFilesAndNothingElse() throws Exception {
        Files.createDirectories(root.resolve("d/e"));
        Files.writeString(root.resolve("d/f"), "12345");
        Files.writeString(root.resolve("top"), "1");
        Files.createSymbolicLink(root.resolve("d/link"), Path.of("f"));
        FileEntry f = fs.peek("r", "d/f");
        assertThat(f.isFile()).isTrue();
        assertThat(f.size()).isEqualTo(5);
        assertThat(f.inode()).isEqualTo(inode(root.resolve("d/f")));
        assertThat(fs.peek("r", "top").size()).isEqualTo(1);
        assertThat(fs.peek("r", "d/e").isDirectory()).isTrue();
        assertThat(fs.peek("r", "d/link")).isNull(); // a link is left to the walking path
        assertThat(fs.peek("r", "d/missing")).isNull();
        assertThat(fs.peek("r", "nodir/f")).isNull();
        assertThat(fs.peek("r", "top/f")).isNull(); // through a file: does not exist
    }

    @Test
    void aParentThatIsALinkIsRefusedNotFollowed() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("f"), "secret");
        Files.createSymbolicLink(root.resolve("d"), Path.of("../outside"));
        assertThatThrownBy(() -> fs.peek("r", "d/f")).isInstanceOf(PathGuard.BadPathException.class)
                .hasMessageContaining("symbolic link");
    }

    @Test
    void aDirectoryReplacedByThisApplierIsWalkedAgain() throws Exception {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/f"), "old");
        FileEntry old = fs.peek("r", "d/f");
        assertThat(old.inode()).isEqualTo(inode(root.resolve("d/f")));
        record.put("r", "d/f", old, new byte[32]); // as agreed with the peer: may go without a conflict copy
        // the round removes the directory and makes it again (a type change at the source and back)
        try (SafeDir r = SafeDir.openRoot(root)) {
            assertThat(fs.removeTree("r", r, "d", "d")).isTrue();
        }
        fs.mkdirs("r", "d");
        Files.writeString(root.resolve("d/f"), "new!");
        FileEntry now = fs.peek("r", "d/f");
        assertThat(now).as("read from the new directory, not the removed one still held").isNotNull();
        assertThat(now.inode()).isEqualTo(inode(root.resolve("d/f")));
        assertThat(now.size()).isEqualTo(4);
    }

    @Test
    void aDirectoryMadeAgainByThisApplierIsWalkedAgain() throws Exception {
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/f"), "old");
        assertThat(fs.peek("r", "d/f")).isNotNull();
        Files.delete(root.resolve("d/f")); // gone meanwhile, then made again by the round
        Files.delete(root.resolve("d"));
        fs.mkdirs("r", "d");
        Files.writeString(root.resolve("d/f"), "new!");
        FileEntry now = fs.peek("r", "d/f");
        assertThat(now).as("read from the new directory, not the removed one still held").isNotNull();
        assertThat(now.inode()).isEqualTo(inode(root.resolve("d/f")));
    }

    @Test
    void aHeldDirectorySwappedForALinkIsReadWhereItWentUntilForgotten() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("f"), "secret");
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/f"), "ours");
        long ours = inode(root.resolve("d/f"));
        assertThat(fs.peek("r", "d/f").inode()).isEqualTo(ours);
        Files.move(root.resolve("d"), tmp.resolve("moved"));
        Files.createSymbolicLink(root.resolve("d"), Path.of("../outside"));
        FileEntry held = fs.peek("r", "d/f");
        assertThat(held.inode()).as("the held directory, never the link's target").isEqualTo(ours);
        fs.forgetPeeks();
        assertThatThrownBy(() -> fs.peek("r", "d/f")).isInstanceOf(PathGuard.BadPathException.class);
    }
}
