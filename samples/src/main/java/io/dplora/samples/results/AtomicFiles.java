package io.dplora.samples.results;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes files and folders so that a crash or an error never leaves a half-written result at the target path:
 * everything is written to a temporary sibling first and moved into place in one rename.
 */
public final class AtomicFiles {

    /** Writes the content of a temporary path. */
    @FunctionalInterface
    public interface Writer {
        void write(Path temporary) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes a file atomically: {@code writer} fills a temporary file in the target's folder, which then replaces
     * the target. On failure the temporary file is deleted and the target is left as it was.
     */
    public static void writeFile(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            writer.write(tmp);
            readableByAll(tmp, false);
            move(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Creates a folder atomically: {@code writer} fills a temporary folder beside the target, which is then renamed
     * to the target. If the target appeared meanwhile (another process), the temporary folder is discarded and the
     * existing target kept.
     *
     * @return true when this call created the target
     */
    public static boolean writeFolder(Path target, Writer writer) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".");
        try {
            writer.write(tmp);
            readableByAll(tmp, true);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (IOException e) {
                if (Files.isDirectory(target)) {
                    return false;
                }
                throw e;
            }
        } finally {
            deleteTree(tmp);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Gives a temporary file (rw-r--r--) or folder (rwxr-xr-x) the permissions of an ordinary one: temporary files
     * are created owner-only. No-op on file systems without POSIX permissions.
     */
    public static void readableByAll(Path p, boolean folder) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(folder ? "rwxr-xr-x" : "rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its defaults
        }
    }

    /** Deletes a file or folder tree if it exists. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
