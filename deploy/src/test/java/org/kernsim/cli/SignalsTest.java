package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGINT and SIGTERM sent to a real {@code kernsim} process: a run stops after its current window,
 * prints its summary so far, leaves no file (neither the trace nor its temporary) and exits 130 or
 * 143; {@code kernsim node} leaves its cluster and exits 0.
 */
class SignalsTest {

  /**
   * {@code kernsim ARGS} as a child JVM on this test's class path, SIGINT not inherited-ignored.
   */
  static Process start(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    // a background shell makes its children ignore SIGINT; give the child the default action
    if (new File("/usr/bin/env").canExecute())
      cmd.addAll(List.of("/usr/bin/env", "--default-signal=INT"));
    cmd.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(System.getProperty("java.home") + "/bin/java"));
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

  void aRunStopsAtTheNextWindowAndLeavesNothing(String signal, int code, Path dir)
      throws Exception {
    Process p =
        start(
            dir,
            "run",
            "phold",
            "--set",
            "phold.ttl=100000000",
            "--threads",
            "2",
            "--trace",
            "t.jsonl");
    await(p, x -> partBytes(dir) > 100_000, "trace being written");
    signal(p, signal);
    assertEquals(code, exit(p), read(dir.resolve("stderr.txt")));
    String out = read(dir.resolve("stdout.txt"));
    String err = read(dir.resolve("stderr.txt"));
    assertTrue(out.contains("ended: interrupted") && out.contains("traceSha256"), out);
    assertTrue(
        err.contains("interrupted by SIG" + signal + " after window")
            && err.contains("no --trace file was written"),
        err);
    assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    onlyTheLogsAreLeft(dir);
  }

  @Test
  void sigtermEndsARunWith143(@TempDir Path dir) throws Exception {
    aRunStopsAtTheNextWindowAndLeavesNothing("TERM", ExitCodes.TERMINATED, dir);
  }

  @Test
  void sigintEndsARunWith130(@TempDir Path dir) throws Exception {
    aRunStopsAtTheNextWindowAndLeavesNothing("INT", ExitCodes.INTERRUPTED, dir);
  }

  @Test
  void aNodeLeavesAndExits0OnSigterm(@TempDir Path dir) throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p = start(dir, "node", "--port", Integer.toString(port));
    await(
        p,
        x -> {
          try {
            return read(dir.resolve("stdout.txt")).contains("is up");
          } catch (IOException e) {
            return false;
          }
        },
        "'is up'");
    signal(p, "TERM");
    assertEquals(ExitCodes.OK, exit(p), read(dir.resolve("stderr.txt")));
    onlyTheLogsAreLeft(dir);
  }
}
