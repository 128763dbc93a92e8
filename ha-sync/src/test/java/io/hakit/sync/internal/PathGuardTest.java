package io.hakit.sync.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathGuardTest {

    @TempDir
    Path tmp;

    @Test
    void acceptsPlainRelativePaths() throws Exception {
        assertThat(PathGuard.check("a")).isEqualTo("a");
        assertThat(PathGuard.check("a/b.c/d")).isEqualTo("a/b.c/d");
        assertThat(PathGuard.check("...")).isEqualTo("...");
        assertThat(PathGuard.check("a/..b")).isEqualTo("a/..b");
    }

    @Test
    void refusesEveryEscapeWithAMessageNamingThePath() throws Exception {
        assertThatThrownBy(() -> PathGuard.check("")).hasMessageContaining("empty path");
        assertThatThrownBy(() -> PathGuard.check("/etc/passwd")).hasMessageContaining("absolute path: '/etc/passwd'");
        assertThatThrownBy(() -> PathGuard.check("../x")).hasMessageContaining("'..' segment");
        assertThatThrownBy(() -> PathGuard.check("a/../../x")).hasMessageContaining("'..' segment");
        assertThatThrownBy(() -> PathGuard.check("a/./b")).hasMessageContaining("'.' segment");
        assertThatThrownBy(() -> PathGuard.check("a//b")).hasMessageContaining("empty segment");
        assertThatThrownBy(() -> PathGuard.check("a/")).hasMessageContaining("empty segment");
        assertThatThrownBy(() -> PathGuard.check("a\0b")).hasMessageContaining("NUL").hasMessageContaining("a\\x00b");
        assertThat(PathGuard.check("a\\..\\b")).isEqualTo("a\\..\\b"); // one name on Linux, not a path
        assertThatThrownBy(() -> PathGuard.check("x".repeat(256))).hasMessageContaining("segment longer than 255");
        assertThatThrownBy(() -> PathGuard.check("a/".repeat(2100) + "a")).hasMessageContaining("longer than 4096");
        assertThatThrownBy(() -> PathGuard.check("a/".repeat(200) + "a")).hasMessageContaining("more than 128");
    }

    @Test
    void refusesAPathThroughASymbolicLinkOrAFile() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("link"), Path.of("../outside"));
        Files.writeString(root.resolve("file"), "x");
        Files.createDirectories(root.resolve("dir"));
        assertThatThrownBy(() -> PathGuard.resolve(root, "link/x")).hasMessageContaining("symbolic link link");
        assertThatThrownBy(() -> PathGuard.resolve(root, "file/x")).hasMessageContaining("not a directory");
        assertThat(PathGuard.resolve(root, "dir/new/deeper/x")).isEqualTo(root.resolve("dir/new/deeper/x"));
        assertThat(PathGuard.resolve(root, "link")).isEqualTo(root.resolve("link")); // the last segment may be a link
    }

    @Test
    void linksStayInsideOnlyLexically() {
        assertThat(PathGuard.linkStaysInside("a/b", "c")).isTrue();
        assertThat(PathGuard.linkStaysInside("a/b", "../c")).isTrue();
        assertThat(PathGuard.linkStaysInside("a/b", "../../c")).isFalse();
        assertThat(PathGuard.linkStaysInside("b", "../c")).isFalse();
        assertThat(PathGuard.linkStaysInside("a/b", "/etc/passwd")).isFalse();
        // a ".." after a name is refused: the name could itself be a link (the kernel resolves it, not lexically)
        assertThat(PathGuard.linkStaysInside("a/b", "x/../../y")).isFalse();
        assertThat(PathGuard.linkStaysInside("a/b", "x/../../../y")).isFalse();
        assertThat(PathGuard.linkStaysInside("a/b", "")).isFalse();
    }
}
