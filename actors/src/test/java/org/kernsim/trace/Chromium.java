package org.kernsim.trace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Headless Chromium (Debian's {@code chromium}; CI installs it, see .ci/run) for the tests of the
 * HTML views: loads a page offline, runs its scripts, and returns the DOM and the console lines.
 */
public final class Chromium {
  private Chromium() {}

  /** The page after its scripts ran, and what it printed on the console (errors included). */
  public record Page(String dom, List<String> console) {}

  public static Path binary() {
    for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(p))) return Path.of(p);
    }
    if (System.getenv("CI") != null) throw new AssertionError("chromium is not installed");
    Assumptions.abort("chromium is not installed (apt-get install chromium)");
    return null;
  }

  /** Loads {@code file} (with {@code query}, may be empty) in a window of the given size. */
  public static Page load(Path file, String query, int width, int height)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("kernsim-chromium-");
    try {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  binary().toString(),
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-quic",
                  "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--user-data-dir=" + profile,
                  "--enable-logging=stderr",
                  "--v=0",
                  "--window-size=" + width + "," + height,
                  "--dump-dom",
                  file.toUri() + query));
      Process p = new ProcessBuilder(cmd).start();
      // read stderr concurrently so that neither pipe fills up
      StringBuilder err = new StringBuilder();
      Thread t =
          new Thread(
              () -> {
                try {
                  err.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                  // the process died: the exit code says so
                }
              });
      t.start();
      String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("chromium did not finish in 120 s");
      }
      t.join();
      List<String> console = err.toString().lines().filter(l -> l.contains(":CONSOLE")).toList();
      return new Page(dom, console);
    } finally {
      try (Stream<Path> s = Files.walk(profile)) {
        s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
      }
    }
  }
}
