package org.kernsim.trace;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Quote;

/**
 * Output files (traces, reports, exports) are written under a temporary name next to their target
 * and moved into place when complete, so a reader never sees half a file; this gives them the usual
 * permissions first (a temporary file is private to its owner).
 *
 * <p>Only regular files are written: a target that is a directory, a symbolic link, a device, a
 * FIFO or a socket is refused ({@link #check} before any work, and again just before the move), so
 * that {@code --trace /dev/null} run as root can never replace {@code /dev/null}. Every temporary
 * file is remembered until it is published or discarded, so that the CLI can remove what is left
 * when it exits early ({@link #deleteTemporaries}: a signal, an out-of-memory error).
 */
public final class OutputFiles {
  private OutputFiles() {}

  /** Temporary files not yet published or discarded, by target. */
  private static final Map<Path, Path> LIVE = new ConcurrentHashMap<>();

  /** An output file could not be written (a bad path, a full disk, a removed directory): exit 2. */
  public static final class OutputFailed extends RuntimeException {
    public OutputFailed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Checks, before any work starts, that {@code target} can be written: its directory exists and
   * takes a new file, and the target is absent or a regular file (not a directory, a link, a
   * device, a FIFO or a socket).
   *
   * @param flag the option that named it ({@code --trace}), for the message
   * @throws BadInputException one line naming the flag, the path and the reason
   */
  public static void check(String flag, Path target) {
    if (target == null) return;
    String what = flag + " " + Quote.path(target);
    Path abs = target.toAbsolutePath();
    if (abs.getFileName() == null) throw new BadInputException(what + ": not a file name");
    String kind = kind(abs);
    if (kind != null) {
      throw new BadInputException(
          what
              + ": is "
              + kind
              + "; kernsim writes only regular files (give a new file name, or a regular file"
              + " to replace)");
    }
    Path dir = abs.getParent();
    if (!Files.isDirectory(dir))
      throw new BadInputException(what + ": directory " + Quote.path(dir) + " does not exist");
    try {
      Path probe = Files.createTempFile(dir, ".kernsim-", ".probe");
      Files.delete(probe);
    } catch (IOException e) {
      throw new BadInputException(
          what + ": cannot create a file in " + Quote.path(dir) + " (" + reason(e) + ")");
    }
  }

  /**
   * What {@code target} is when it is something kernsim must not replace ("a directory", "a
   * symbolic link", "a device, FIFO or socket"), or null when it is absent or a regular file.
   */
  static String kind(Path target) {
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) return null;
    if (Files.isSymbolicLink(target)) return "a symbolic link";
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) return "a directory";
    if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS))
      return "not a regular file (a device, a FIFO or a socket)";
    return null;
  }

  /** A new temporary file next to {@code target}. */
  public static Path temporaryFor(Path target) throws IOException {
    Path abs = target.toAbsolutePath();
    Path temp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".part");
    LIVE.put(temp, abs);
    return temp;
  }

  /**
   * Moves the complete {@code temp} onto {@code target}, unless {@code target} has meanwhile become
   * something other than a regular file; the temporary file is gone afterwards either way.
   *
   * @throws OutputFailed naming the target and the reason
   */
  public static void publish(Path temp, Path target) throws IOException {
    try {
      String kind = kind(target.toAbsolutePath());
      if (kind != null) {
        throw new OutputFailed(
            "cannot write "
                + Quote.path(target)
                + ": it is now "
                + kind
                + "; kernsim writes only regular files");
      }
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      LIVE.remove(temp);
    } catch (IOException | RuntimeException e) {
      discard(temp);
      if (e instanceof OutputFailed f) throw f;
      throw failed(target, e instanceof IOException io ? io : new IOException(e));
    }
  }

  /** Removes a temporary file that will not be published. */
  public static void discard(Path temp) {
    if (temp == null) return;
    LIVE.remove(temp);
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // best effort: nothing more to do
    }
  }

  /**
   * The failure to report when writing {@code target} failed: one line with the reason; any
   * temporary file of that target is removed.
   */
  public static OutputFailed failed(Path target, IOException e) {
    Path abs = target.toAbsolutePath();
    for (Map.Entry<Path, Path> t : new ArrayList<>(LIVE.entrySet()))
      if (t.getValue().equals(abs)) discard(t.getKey());
    String why = reason(e);
    Path dir = abs.getParent();
    if (dir != null && !Files.isDirectory(dir))
      why = "directory " + Quote.path(dir) + " no longer exists";
    return new OutputFailed("cannot write " + Quote.path(target) + ": " + why);
  }

  /** Removes every temporary file not yet published (the CLI's exit paths). */
  public static List<Path> deleteTemporaries() {
    List<Path> removed = new ArrayList<>(LIVE.keySet());
    for (Path p : removed) discard(p);
    return removed;
  }

  /** An I/O error as a short reason ("permission denied", "no space left on device"). */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) return "no such file or directory";
    if (e instanceof AccessDeniedException) return "permission denied";
    String m;
    if (e instanceof FileSystemException fs && fs.getReason() != null) m = fs.getReason();
    else m = e.getMessage();
    if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
    return Quote.text(m.strip());
  }
}
