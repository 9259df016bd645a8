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
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on a cluster run: SIGINT reaches the whole process group (the CLI and its child nodes).
 * The children ignore it, the CLI stops the run after its current window, stops the children, and
 * exits 130 — it does not blame a lost node, publish a truncated trace, or leave a temporary file,
 * a log directory or a child process behind.
 */
class ClusterSignalsTest {

  @Test
  void ctrlCOnAClusterRunStopsItCleanly(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        new File("/usr/bin/setsid").canExecute() && new File("/usr/bin/env").canExecute(),
        "needs setsid and env (util-linux, coreutils)");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "/usr/bin/setsid", // its own process group, as a terminal's foreground job
                "/usr/bin/env",
                "--default-signal=INT", // a background shell would have SIGINT ignored
                ProcessHandle.current()
                    .info()
                    .command()
                    .orElse(System.getProperty("java.home") + "/bin/java"),
                "-XX:+UseParallelGC",
                "-Djava.io.tmpdir=" + dir, // the children's log directory goes here
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "run",
                "machine-stop",
                "--set",
                "scenario.until=100s",
                "--set",
                "machine.numa-nodes=2",
                "--cluster-nodes",
                "2",
                "--trace",
                "t.jsonl"));
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("stdout.txt").toFile())
            .redirectError(dir.resolve("stderr.txt").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
      while (partBytes(dir) < 50_000) {
        assertTrue(p.isAlive(), () -> "the run ended early: " + read(dir.resolve("stderr.txt")));
        assertTrue(System.nanoTime() < deadline, "no trace written within 150 s");
        Thread.sleep(100);
      }
      List<ProcessHandle> children = p.toHandle().descendants().toList();
      assertFalse(children.isEmpty(), "the child node");
      // Ctrl-C: SIGINT to the whole process group
      Process kill = new ProcessBuilder("kill", "-INT", "--", "-" + p.pid()).start();
      assertEquals(0, kill.waitFor());
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the run did not end within 120 s of Ctrl-C");
      String err = read(dir.resolve("stderr.txt"));
      assertEquals(ExitCodes.INTERRUPTED, p.exitValue(), err);
      assertTrue(err.contains("interrupted by SIGINT"), err);
      assertFalse(
          err.contains("left the cluster") || err.contains("unreachable") || err.contains("\tat "),
          err);
      assertTrue(read(dir.resolve("stdout.txt")).contains("ended: interrupted"));
      for (ProcessHandle c : children) {
        c.onExit().get(30, TimeUnit.SECONDS);
        assertFalse(c.isAlive(), "child node " + c.pid() + " is still running");
      }
      try (Stream<Path> s = Files.list(dir)) {
        List<String> left =
            s.map(f -> f.getFileName().toString())
                .filter(n -> !n.equals("stdout.txt") && !n.equals("stderr.txt"))
                .toList();
        assertEquals(List.of(), left, "trace, temporary file or log directory left behind");
      }
    } finally {
      p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
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

  static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
