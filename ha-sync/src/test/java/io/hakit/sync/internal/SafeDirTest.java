package io.hakit.sync.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafeDirTest {

    @TempDir
    Path tmp;

    @Test
    void statMatchesWhatTheJdkSees() throws Exception {
        Path f = Files.writeString(tmp.resolve("f"), "hello");
        Files.setLastModifiedTime(f, FileTime.from(1_600_000_000_123_456_789L, TimeUnit.NANOSECONDS));
        Map<String, Object> a = Files.readAttributes(f, "unix:ino,uid,gid,mode,ctime,size", LinkOption.NOFOLLOW_LINKS);
        try (SafeDir d = SafeDir.openRoot(tmp)) {
            Posix.Stat s = d.stat("f");
            assertThat(s.isFile()).isTrue();
            assertThat(s.size()).isEqualTo(5);
            assertThat(s.inode()).isEqualTo(a.get("ino"));
            assertThat(s.uid()).isEqualTo(a.get("uid"));
            assertThat(s.gid()).isEqualTo(a.get("gid"));
            assertThat(s.mode()).isEqualTo(a.get("mode"));
            assertThat(s.mtimeNanos()).isEqualTo(1_600_000_000_123_456_789L);
            assertThat(s.ctimeNanos()).isEqualTo(((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
            assertThat(s.allocated()).isPositive();
            assertThat(d.stat("").isDirectory()).isTrue();
            assertThatThrownBy(() -> d.stat("missing")).isInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void aLinkIsNeverFollowed() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "secret");
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createSymbolicLink(root.resolve("sub"), Path.of("../outside"));
        Files.createSymbolicLink(root.resolve("file-link"), Path.of("../outside/secret"));
        Files.writeString(root.resolve("plain"), "x");
        try (SafeDir d = SafeDir.openRoot(root)) {
            assertThatThrownBy(() -> d.openDir("sub")).isInstanceOf(SafeDir.LinkException.class)
                    .hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> d.openDir("plain")).isInstanceOf(NotDirectoryException.class);
            assertThatThrownBy(() -> d.chmod("file-link", 0777)).isInstanceOf(FileSystemException.class)
                    .hasMessageContaining("symbolic link");
            assertThatThrownBy(() -> d.create("file-link")).isInstanceOf(FileAlreadyExistsException.class);
            assertThatThrownBy(() -> d.openRead("file-link")).isInstanceOf(FileSystemException.class);
            d.chown("file-link", 4242, 4242); // the link's own owner
            d.mtime("file-link", 1_000_000_000L);
            assertThat(d.readlink("sub")).isEqualTo("../outside");
            assertThat(d.stat("sub").isSymlink()).isTrue();
        }
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("secret");
        assertThat(Files.getAttribute(outside.resolve("secret"), "unix:uid")).isNotEqualTo(4242);
        assertThat(Files.getLastModifiedTime(outside.resolve("secret")).toMillis()).isNotEqualTo(1000L);
    }

    @Test
    void aFileIsWrittenAndRenamedThroughDescriptors() throws Exception {
        try (SafeDir root = SafeDir.openRoot(tmp)) {
            root.mkdir("d", 0755);
            try (SafeDir d = root.openDir("d")) {
                try (SafeDir.TempFile t = d.create(".tmp")) {
                    t.channel.write(ByteBuffer.wrap("content".getBytes(StandardCharsets.US_ASCII)));
                    t.metadata(0640, -1, -1, 1_500_000_000_000_000_000L);
                    t.fsync();
                    assertThat(t.inode()).isEqualTo(d.stat(".tmp").inode());
                }
                d.rename(".tmp", d, "file");
                d.renameNoReplace("file", "copy");
                Files.writeString(tmp.resolve("d/file"), "other");
                assertThatThrownBy(() -> d.renameNoReplace("file", "copy"))
                        .isInstanceOf(FileAlreadyExistsException.class);
                d.symlink("link", "copy");
                d.fsync();
                try (var in = d.openRead("copy")) {
                    ByteBuffer b = ByteBuffer.allocate(100);
                    in.read(b);
                    assertThat(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII)).isEqualTo("content");
                }
                d.chmod("copy", 0600);
                assertThat(d.list()).containsExactlyInAnyOrder("file", "copy", "link");
                d.unlink("link");
                d.unlink("file");
                d.unlink("copy");
            }
            root.rmdir("d");
        }
        assertThat(tmp.resolve("d")).doesNotExist();
    }

    @Test
    void namesThatAreNotUtf8TravelAsTheirBytes() throws Exception {
        byte[] raw = {'b', 'a', 'd', (byte) 0xff, 'n', (byte) 0xc3, 'x'};
        String name = Names.decode(raw);
        assertThat(Names.encode(name)).isEqualTo(raw);
        assertThat(Names.hasEscapes(name)).isTrue();
        assertThat(PathGuard.display(name)).isEqualTo("bad\\xffn\\xc3x");
        // a character outside the BMP whose low surrogate lies in the escape range, then an invalid byte
        byte[] pairThenBad = {(byte) 0xf0, (byte) 0x90, (byte) 0x82, (byte) 0x80, (byte) 0x80};
        assertThat(Names.decode(pairThenBad)).isEqualTo("\uD800\uDC80\uDC80");
        assertThat(Names.encode(Names.decode(pairThenBad))).isEqualTo(pairThenBad);
        String ok = "naïve 名前 \uD83D\uDE00";
        assertThat(Names.decode(ok.getBytes(StandardCharsets.UTF_8))).isEqualTo(ok);
        assertThat(Names.hasEscapes(ok)).isFalse();
        try (SafeDir d = SafeDir.openRoot(tmp)) {
            d.create(name).close();
            assertThat(d.list()).containsExactly(name);
            Path p = Names.resolve(tmp, name);
            assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isTrue();
            try (var s = Files.newDirectoryStream(tmp)) {
                assertThat(Names.name(s.iterator().next())).isEqualTo(name);
            }
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Names.resolve(tmp, name))))
                .isEqualTo("rw-------");
    }
}
