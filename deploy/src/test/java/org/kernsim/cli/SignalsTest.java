package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGINT and SIGTERM sent to a real {@code kernsim} process: a run stops after its current window,
 * prints its summary so far, leaves no file (neither the trace nor its temporary) and exits 130 or
 * 143; {@code kernsim node} leaves its cluster and exits 0.
 */
class SignalsTest {

  void aRunStopsAtTheNextWindowAndLeavesNothing(String signal, int code, Path dir)
      throws Exception {
    Process p =
        Child.start(
            dir,
            "run",
            "phold",
            "--set",
            "phold.ttl=100000000",
            "--threads",
            "2",
            "--trace",
            "t.jsonl");
    Child.await(p, x -> Child.partBytes(dir) > 100_000, "trace being written");
    Child.signal(p, signal);
    assertEquals(code, Child.exit(p), Child.read(dir.resolve("stderr.txt")));
    String out = Child.read(dir.resolve("stdout.txt"));
    String err = Child.read(dir.resolve("stderr.txt"));
    assertTrue(out.contains("ended: interrupted") && out.contains("traceSha256"), out);
    assertTrue(
        err.contains("interrupted by SIG" + signal + " after window")
            && err.contains("no --trace file was written"),
        err);
    assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    Child.onlyTheLogsAreLeft(dir);
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
    Process p =
        Child.start(
            dir,
            "node",
            "--port",
            Integer.toString(port),
            "--token",
            "signals-test-token-0123456789");
    Child.await(
        p,
        x -> {
          try {
            return Child.read(dir.resolve("stdout.txt")).contains("is up");
          } catch (IOException e) {
            return false;
          }
        },
        "'is up'");
    Child.signal(p, "TERM");
    assertEquals(ExitCodes.OK, Child.exit(p), Child.read(dir.resolve("stderr.txt")));
    Child.onlyTheLogsAreLeft(dir);
  }
}
