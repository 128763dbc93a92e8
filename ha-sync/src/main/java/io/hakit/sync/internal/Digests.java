package io.hakit.sync.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * Content digests. A file is cut into fixed blocks of {@link #blockSize(long)} bytes; each block has a SHA-256 digest
 * and the file's digest is the SHA-256 of its block digests in order (so a file assembled from reused blocks and new
 * ones is verified without reading the reused blocks again). An empty file has no blocks. Not thread-safe: one
 * {@link Builder} per file.
 */
public final class Digests {

    /** Smallest block: 128 KiB. */
    public static final int MIN_BLOCK = 128 * 1024;
    /** Most blocks a file is cut into; larger files get larger blocks. */
    public static final int MAX_BLOCKS = 65_536;
    public static final int LENGTH = 32;

    private Digests() {
    }

    /** The block size for a file of {@code size} bytes: a power of two, at least {@link #MIN_BLOCK}. */
    public static int blockSize(long size) {
        long b = MIN_BLOCK;
        while (b * MAX_BLOCKS < size) {
            b <<= 1;
        }
        return (int) Math.min(b, 1 << 30);
    }

    public static int blockCount(long size) {
        int b = blockSize(size);
        return (int) ((size + b - 1) / b);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static String hex(byte[] digest) {
        return digest == null ? "-" : HexFormat.of().formatHex(digest);
    }

    /** A file's digest and its block digests. */
    public static final class Result {
        private final byte[] digest;
        private final List<byte[]> blocks;

        Result(byte[] digest, List<byte[]> blocks) {
            this.digest = digest;
            this.blocks = Collections.unmodifiableList(blocks);
        }

        public byte[] digest() {
            return digest.clone();
        }

        byte[] digestNoCopy() {
            return digest;
        }

        public List<byte[]> blocks() {
            return blocks;
        }
    }

    /** Digests a file of a known size as its bytes stream by, in order. */
    public static final class Builder {
        private final long size;
        private final int blockSize;
        private final MessageDigest block = sha256();
        private final List<byte[]> blocks = new ArrayList<>();
        private long position;
        private long inBlock;

        public Builder(long size) {
            this(size, Digests.blockSize(size));
        }

        /** A builder cutting blocks of {@code blockSize} (the old file's blocks digested for a new size). */
        public Builder(long size, int blockSize) {
            this.size = size;
            this.blockSize = blockSize;
        }

        public long position() {
            return position;
        }

        public int blockSize() {
            return blockSize;
        }

        /** Feeds the next bytes of the file (all of {@code buf}'s remaining bytes; its position moves to its limit). */
        public void update(ByteBuffer buf) {
            while (buf.hasRemaining()) {
                int n = (int) Math.min(buf.remaining(), blockSize - inBlock);
                int limit = buf.limit();
                buf.limit(buf.position() + n);
                block.update(buf);
                buf.limit(limit);
                inBlock += n;
                position += n;
                if (inBlock == blockSize) {
                    blocks.add(block.digest());
                    inBlock = 0;
                }
            }
        }

        /**
         * Feeds {@code n} zero bytes (a hole): whole blocks of zeros take a digest computed once per length, so a
         * large hole costs no hashing.
         */
        public void zeros(long n) {
            while (n > 0) {
                long whole = Math.min(blockSize, size - position);
                if (inBlock == 0 && whole > 0 && n >= whole) {
                    blocks.add(zeroBlock(whole));
                    position += whole;
                    n -= whole;
                    continue;
                }
                int k = (int) Math.min(n, Math.min(ZERO.capacity(), blockSize - inBlock));
                update(ZERO.duplicate().limit(k));
                n -= k;
            }
        }

        /** The next whole block was taken from elsewhere, with this digest (the caller vouches for it). */
        public void reuse(byte[] blockDigest) {
            if (inBlock != 0) {
                throw new IllegalStateException("reuse in the middle of a block at " + position);
            }
            long n = Math.min(blockSize, size - position);
            if (n <= 0) {
                throw new IllegalStateException("reuse past the end of the file at " + position);
            }
            blocks.add(blockDigest.clone());
            position += n;
        }

        /** Ends the file. */
        public Result finish() {
            if (inBlock > 0) {
                blocks.add(block.digest());
                inBlock = 0;
            }
            MessageDigest whole = sha256();
            for (byte[] b : blocks) {
                whole.update(b);
            }
            return new Result(whole.digest(), blocks);
        }
    }

    private static final ByteBuffer ZERO = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();
    private static final java.util.concurrent.ConcurrentHashMap<Long, byte[]> ZERO_BLOCKS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The digest of a block of {@code length} zero bytes. */
    static byte[] zeroBlock(long length) {
        return ZERO_BLOCKS.computeIfAbsent(length, n -> {
            MessageDigest d = sha256();
            for (long left = n; left > 0; ) {
                int k = (int) Math.min(left, ZERO.capacity());
                d.update(ZERO.duplicate().limit(k));
                left -= k;
            }
            return d.digest();
        }).clone();
    }

    /** The result whose block digests are {@code blocks}: the file digest is computed from them. */
    public static Result ofBlocks(List<byte[]> blocks) {
        MessageDigest whole = sha256();
        for (byte[] b : blocks) {
            whole.update(b);
        }
        return new Result(whole.digest(), new ArrayList<>(blocks));
    }

    /** The digest of exactly the remaining bytes of {@code content}, as a file of that content has it. */
    public static Result of(ByteBuffer content) {
        Builder b = new Builder(content.remaining());
        b.update(content);
        return b.finish();
    }

    /** Reads and digests a file; the caller checks that it did not change meanwhile. */
    public static Result of(Path file, long size) throws IOException {
        return of(file, size, blockSize(size));
    }

    /** {@link #of(Path, long)} with blocks of {@code blockSize}. */
    public static Result of(Path file, long size, int blockSize) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return of(ch, size, blockSize);
        }
    }

    /** Reads {@code ch} from its start and digests it in blocks of {@code blockSize}. */
    public static Result of(FileChannel ch, long size, int blockSize) throws IOException {
        Builder b = new Builder(size, blockSize);
        ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
        long pos = 0;
        int n;
        while ((n = ch.read(buf, pos)) >= 0) {
            pos += n;
            buf.flip();
            b.update(buf);
            buf.clear();
        }
        return b.finish();
    }
}
