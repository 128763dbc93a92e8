package io.hakit.sync.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class DigestsTest {

    @TempDir
    Path tmp;

    @Test
    void blockSizeGrowsSoThatNoFileHasMoreThanTheMaximumOfBlocks() {
        assertThat(Digests.blockSize(0)).isEqualTo(128 * 1024);
        assertThat(Digests.blockSize(8L << 30)).isEqualTo(128 * 1024);
        assertThat(Digests.blockSize((8L << 30) + 1)).isEqualTo(256 * 1024);
        assertThat(Digests.blockCount(1L << 40)).isLessThanOrEqualTo(Digests.MAX_BLOCKS);
        assertThat(Digests.blockCount(300 * 1024)).isEqualTo(3);
    }

    @Test
    void streamingInAnyPiecesAndReusingBlocksGiveTheSameDigestAsReadingTheFile() throws Exception {
        byte[] data = new byte[(3 << 17) + 12345];
        new Random(3).nextBytes(data);
        Path f = tmp.resolve("f");
        Files.write(f, data);
        Digests.Result whole = Digests.of(f, data.length);
        assertThat(whole.blocks()).hasSize(4);

        Digests.Builder pieces = new Digests.Builder(data.length);
        Random r = new Random(4);
        for (int pos = 0; pos < data.length; ) {
            int n = Math.min(data.length - pos, 1 + r.nextInt(70_000));
            pieces.update(ByteBuffer.wrap(data, pos, n));
            pos += n;
        }
        assertThat(pieces.finish().digest()).isEqualTo(whole.digest());

        Digests.Builder reused = new Digests.Builder(data.length);
        reused.reuse(whole.blocks().get(0));
        reused.update(ByteBuffer.wrap(data, 1 << 17, 2 << 17));
        reused.reuse(whole.blocks().get(3));
        assertThat(reused.finish().digest()).isEqualTo(whole.digest());

        data[200_000] ^= 1;
        Files.write(f, data);
        assertThat(Digests.of(f, data.length).digest()).isNotEqualTo(whole.digest());
    }
}
