package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output that stops being writable during the run: the run ends (it does not hang on a
 * coordinator that died on the write error) with exit code 2 and one line, and leaves nothing.
 */
class OutputsTest {

  @Test
  void aTraceWhoseDirectoryIsRemovedMidRunEndsWithExit2(@TempDir Path dir) throws Exception {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    CompletableFuture<CliTest.Out> run =
        CompletableFuture.supplyAsync(
            () ->
                CliTest.cli(
                    "run",
                    "phold",
                    "--set",
                    "phold.entities=16",
                    "--set",
                    "phold.population=1",
                    "--set",
                    "phold.ttl=1000000000",
                    "--until",
                    "80ms",
                    "--threads",
                    "2",
                    "--trace",
                    sub.resolve("t.jsonl").toString()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (partBytes(sub) < 1_000_000) {
      assertFalse(run.isDone(), () -> "the run ended first: " + run.join());
      assertTrue(System.nanoTime() < deadline, "no trace being written");
      Thread.sleep(10);
    }
    try (Stream<Path> s = Files.walk(sub)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    CliTest.Out o = run.get(120, TimeUnit.SECONDS); // the run must end
    assertEquals(ExitCodes.BAD_INPUT, o.code(), o.err());
    assertTrue(o.err().contains("no longer exists") && o.err().contains("t.jsonl"), o.err());
    assertEquals(1, o.err().lines().filter(l -> !l.isBlank()).count(), o.err());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(0, s.count(), "nothing is left");
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
}
