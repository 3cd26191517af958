package io.dplora.samples.run;

import io.dplora.samples.results.AtomicFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The output folder of one {@code train} run, handled so that no file this program did not create is ever deleted
 * or overwritten, and no finished run is lost:
 * <ul>
 *   <li><b>Ownership.</b> Every folder this program writes holds the marker file {@value #MARKER}. An existing
 *       {@code --out} is replaced only if it holds that marker (or is empty); anything else (a folder of user files,
 *       the working directory, a repository, the data cache, a plain file) is refused by {@link #open} before
 *       training starts, with nothing touched.</li>
 *   <li><b>Checked before the budget is spent.</b> {@link #open} creates the parent folders and a staging folder
 *       beside the target, so an unwritable location fails before training.</li>
 *   <li><b>One writer.</b> {@link #open} takes an exclusive file lock ({@code .<name>.dplora-lock} beside the
 *       target) held until {@link #close}; a second run to the same folder is refused while the first one runs.</li>
 *   <li><b>Never without a complete run.</b> {@link #commit} renames the previous run aside
 *       ({@code .<name>.dplora-previous.*}), the staging folder into place, and only then deletes the previous run. A
 *       run killed between the renames is repaired by the next {@link #open} of the same target: the previous run
 *       is moved back if the target is missing, and stale staging folders are removed (they carry this program's
 *       names and are only touched under the lock).</li>
 *   <li><b>Recovery.</b> If saving fails after training, {@link #recoveryFolder} names a fresh folder in the
 *       system's temporary directory where the finished run can still be written.</li>
 * </ul>
 */
public final class RunFolder implements AutoCloseable {

    /** Marker file inside every folder this program creates. */
    public static final String MARKER = ".dplora-run";
    private static final String STAGING = ".dplora-staging.";
    private static final String PREVIOUS = ".dplora-previous.";
    private static final String LOCK = ".dplora-lock";

    private final Path target;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Path staging;
    private final List<String> repairs;

    private RunFolder(Path target, FileChannel lockChannel, FileLock lock, Path staging, List<String> repairs) {
        this.target = target;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.staging = staging;
        this.repairs = repairs;
    }

    /**
     * Checks, locks and prepares an output folder. Nothing at {@code out} is changed.
     *
     * @param out the requested output folder
     * @return the prepared folder (close it when the run ends)
     * @throws OutputFolderException if the folder is not this program's, is in use, or cannot be written
     */
    public static RunFolder open(Path out) {
        Path target = out.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) {
            throw new OutputFolderException("--out " + out + " is the root of the file system");
        }
        requireOwnOrAbsent(out, target);
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new OutputFolderException("cannot create the folder " + parent + " for --out " + out + " ("
                    + describe(e) + "); choose a writable --out. Nothing was trained", e);
        }
        String name = target.getFileName().toString();
        FileChannel channel = null;
        FileLock lock = null;
        try {
            channel = FileChannel.open(parent.resolve("." + name + LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new OutputFolderException("another dplora run is writing to " + target + " right now; wait "
                        + "for it or choose another --out. Nothing was trained");
            }
            List<String> repairs = repairInterrupted(parent, name, target);
            requireOwnOrAbsent(out, target);
            Path staging = Files.createTempDirectory(parent, "." + name + STAGING);
            Files.writeString(staging.resolve(MARKER), "written by dplora train\n", StandardCharsets.UTF_8);
            return new RunFolder(target, channel, lock, staging, repairs);
        } catch (IOException e) {
            closeQuietly(lock, channel);
            throw new OutputFolderException("cannot write beside --out " + target + " (" + describe(e) + "); choose a "
                    + "writable --out. Nothing was trained", e);
        } catch (RuntimeException e) {
            closeQuietly(lock, channel);
            throw e;
        }
    }

    /** @return the folder the run's files are written to before {@link #commit} */
    public Path staging() {
        return staging;
    }

    /** @return the output folder */
    public Path target() {
        return target;
    }

    /** @return what {@link #open} repaired after an interrupted earlier run (empty normally) */
    public List<String> repairs() {
        return List.copyOf(repairs);
    }

    /**
     * Moves the complete staging folder into place. The previous run at the target (this program's, checked again)
     * is deleted only after the new one is in place.
     */
    public void commit() throws IOException {
        requireOwnOrAbsent(target, target);
        Path parent = target.getParent();
        Path previous = null;
        if (Files.exists(target)) {
            previous = Files.createTempDirectory(parent, "." + target.getFileName() + PREVIOUS);
            Files.delete(previous);
            Files.move(target, previous);
        }
        try {
            Files.move(staging, target);
        } catch (IOException e) {
            if (previous != null && !Files.exists(target)) {
                Files.move(previous, target);
            }
            throw e;
        }
        if (previous != null) {
            AtomicFiles.deleteTree(previous);
        }
    }

    /**
     * @param runName the run's name
     * @return a new, empty folder (with the marker) in the system's temporary directory, for a finished run that
     * could not be saved at its target
     */
    public static Path recoveryFolder(String runName) throws IOException {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")),
                "dplora-recovered-" + runName + "-" + stamp + "-");
        Files.writeString(dir.resolve(MARKER), "written by dplora train (recovered run)\n", StandardCharsets.UTF_8);
        AtomicFiles.readableByAll(dir, true);
        return dir;
    }

    /** Removes a staging folder left unused and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            if (Files.exists(staging)) {
                AtomicFiles.deleteTree(staging);
            }
        } finally {
            closeQuietly(lock, lockChannel);
        }
    }

    /**
     * @throws OutputFolderException if {@code target} exists and is not a folder this program created (or empty)
     */
    static void requireOwnOrAbsent(Path out, Path target) {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new OutputFolderException("--out " + out + " is an existing file, not a run folder; nothing was "
                    + "changed. Choose another --out");
        }
        if (Files.exists(target.resolve(MARKER))) {
            return;
        }
        List<String> entries = new ArrayList<>();
        try (Stream<Path> s = Files.list(target)) {
            s.limit(4).forEach(p -> entries.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new OutputFolderException("--out " + out + " exists and cannot be read (" + describe(e) + "); "
                    + "nothing was changed. Choose another --out", e);
        }
        if (!entries.isEmpty()) {
            throw new OutputFolderException("--out " + out + " exists and was not created by dplora (no " + MARKER
                    + " marker; it holds " + String.join(", ", entries.subList(0, Math.min(3, entries.size())))
                    + (entries.size() > 3 ? ", ..." : "") + "). dplora replaces only its own run folders; "
                    + "nothing was changed. Choose another --out (a new or empty folder)");
        }
    }

    private static List<String> repairInterrupted(Path parent, String name, Path target) throws IOException {
        List<String> done = new ArrayList<>();
        List<Path> previous = new ArrayList<>();
        List<Path> staged = new ArrayList<>();
        try (Stream<Path> s = Files.list(parent)) {
            s.forEach(p -> {
                String f = p.getFileName().toString();
                if (f.startsWith("." + name + PREVIOUS) && Files.exists(p.resolve(MARKER))) {
                    previous.add(p);
                } else if (f.startsWith("." + name + STAGING) && Files.isDirectory(p)) {
                    staged.add(p);
                }
            });
        }
        for (Path p : previous) {
            if (!Files.exists(target)) {
                Files.move(p, target);
                done.add("restored the previous run from " + p.getFileName() + " (an earlier save was interrupted)");
            } else {
                AtomicFiles.deleteTree(p);
                done.add("removed " + p.getFileName() + ", left by an interrupted save");
            }
        }
        for (Path p : staged) {
            AtomicFiles.deleteTree(p);
            done.add("removed " + p.getFileName() + ", left by an interrupted run");
        }
        return done;
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static void closeQuietly(FileLock lock, FileChannel channel) {
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } catch (IOException ignored) {
            // the channel's close below releases it too
        }
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    /** An output folder that cannot be used; nothing was changed and nothing was trained. */
    public static final class OutputFolderException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        OutputFolderException(String message) {
            super(message);
        }

        OutputFolderException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
