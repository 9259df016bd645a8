package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** {@code kernsim} as a real child process (its own JVM, signals, heap, exit code). */
final class Child {
  private Child() {}

  /**
   * {@code kernsim ARGS} as a child JVM on this test's class path, SIGINT not inherited-ignored.
   */
  static Process start(Path dir, String... args) throws IOException {
    return start(dir, List.of(), args);
  }

  /** As {@link #start(Path, String...)}, with JVM options (a small heap: -Xmx64m). */
  static Process start(Path dir, List<String> jvm, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    // a background shell makes its children ignore SIGINT; give the child the default action
    if (new File("/usr/bin/env").canExecute())
      cmd.addAll(List.of("/usr/bin/env", "--default-signal=INT"));
    cmd.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(System.getProperty("java.home") + "/bin/java"));
    cmd.addAll(jvm);
    cmd.addAll(
        List.of(
            "-XX:+UseParallelGC",
            "-Djava.io.tmpdir=" + dir,
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd)
        .directory(dir.toFile())
        .redirectOutput(dir.resolve("stdout.txt").toFile())
        .redirectError(dir.resolve("stderr.txt").toFile())
        .start();
  }

  static void await(Process p, Predicate<Void> condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!condition.test(null)) {
      assertTrue(p.isAlive(), "the process ended before " + what);
      assertTrue(System.nanoTime() < deadline, "no " + what + " within 90 s");
      Thread.sleep(50);
    }
  }

  static long partBytes(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().endsWith(".part"))
          .mapToLong(f -> f.toFile().length())
          .sum();
    } catch (IOException e) {
      return 0;
    }
  }

  static void signal(Process p, String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start();
    assertEquals(0, kill.waitFor(), "kill -" + name);
  }

  static int exit(Process p) throws Exception {
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the process did not end within 90 s of the signal");
    }
    return p.exitValue();
  }

  static String read(Path f) throws IOException {
    return Files.readString(f, StandardCharsets.UTF_8);
  }

  /** Only the captured stdout and stderr are left in {@code dir}. */
  static void onlyTheLogsAreLeft(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<String> left =
          s.map(f -> f.getFileName().toString())
              .filter(n -> !n.equals("stdout.txt") && !n.equals("stderr.txt"))
              .toList();
      assertEquals(List.of(), left, "files left behind");
    }
  }
}
