package dev.snapstore.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.LongConsumer;

/** Positional reads and writes that finish what they start, hashing, and tree removal. Stateless, thread-safe. */
public final class FileIo {
    private FileIo() {
    }

    /** Reads until {@code dst} is full. @throws java.io.EOFException at the end of the file first */
    public static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new java.io.EOFException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    /** Writes all of {@code src} at {@code position}. */
    public static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }

    /** A new SHA-256 digest (every JDK has one). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** SHA-256 of a file, in hex; {@code progress} hears of every block read. */
    public static String sha256(Path file, LongConsumer progress) throws IOException {
        MessageDigest md = sha256();
        byte[] bytes = new byte[1 << 20];
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        try (FileChannel ch = FileChannel.open(file)) {
            int r;
            while ((r = ch.read(buf)) >= 0) {
                md.update(bytes, 0, buf.position());
                buf.clear();
                progress.accept(r);
            }
        }
        return hex(md.digest());
    }

    /** Lower-case hex of {@code b}. */
    public static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return sb.toString();
    }

    /** Deletes {@code root} and everything under it, as far as it can; a missing root is fine. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort; the directory's name says what it is
        }
    }
}
