package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap exhausted at run time ends the process with one line and exit code 5, leaving no
 * temporary file — never Pekko's "Uncaught error ... shutting down JVM" with a stack trace, never a
 * JVM that hangs collecting garbage.
 */
class OutOfMemoryTest {

  @Test
  void aRunThatOutgrowsTheHeapEndsWithOneLineAndExit5(@TempDir Path dir) throws Exception {
    // 64 CPUs whose workload threads each script 100,000 burst items when they start: about
    // 500 MB, far beyond a 64 MiB heap, reached only while the run goes on (the memory estimate,
    // which reads the layout and not the workload's sizes, lets this run start: MemoryEstimate)
    Process p =
        Child.start(
            dir,
            List.of("-Xmx64m"),
            "run",
            "workqueue-kick-cull",
            "--set",
            "machine.cpus=64",
            "--set",
            "workload.burst-items=100000",
            "--trace",
            "t.jsonl");
    int code = Child.exit(p);
    String err = Child.read(dir.resolve("stderr.txt"));
    assertEquals(ExitCodes.OUT_OF_MEMORY, code, err);
    List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), err);
    assertTrue(
        lines.get(0).startsWith("kernsim: out of memory: ") && lines.get(0).contains("-Xmx"));
    Child.onlyTheLogsAreLeft(dir);
  }

  @Test
  void backToBackFullCollectionsThatReclaimNothingAreThrashing() {
    org.kernsim.cli.Fatal.Thrash t = new org.kernsim.cli.Fatal.Thrash();
    // full collections of a heap with room left never count, however close together
    for (int i = 0; i < 10; i++) assertTrue(!t.record(false, i * 100, i * 100 + 90));
    // three with the old generation full, then a fourth: 4 x 90 ms of 390 ms
    assertTrue(!t.record(true, 1000, 1090));
    assertTrue(!t.record(true, 1100, 1190));
    assertTrue(!t.record(true, 1200, 1290));
    assertTrue(t.record(true, 1300, 1390));
    // full ones far apart (the run makes progress between them) are not thrashing
    org.kernsim.cli.Fatal.Thrash slow = new org.kernsim.cli.Fatal.Thrash();
    for (int i = 0; i < 10; i++) assertTrue(!slow.record(true, i * 1000, i * 1000 + 100));
    // and a collection that frees the old generation starts the count again
    assertTrue(!t.record(false, 1400, 1490));
    assertTrue(!t.record(true, 1500, 1590));
  }

  record Fatal(String line, int code) {}

  static List<Fatal> feed(boolean verbose, String text, StringBuilder shown) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<Fatal> fatal = new ArrayList<>();
    try (PrintStream err =
        new PrintStream(
            new org.kernsim.cli.Fatal.Sentinel(
                out, verbose, (line, code) -> fatal.add(new Fatal(line, code))),
            true,
            StandardCharsets.UTF_8)) {
      err.print(text);
    }
    shown.append(out.toString(StandardCharsets.UTF_8));
    return fatal;
  }

  @Test
  void pekkosFatalErrorReportIsReplacedByOneLine() {
    String pekko =
        "Uncaught error from thread [kernsim-pekko.actor.default-dispatcher-6]: Java heap space,"
            + " shutting down ActorSystem[kernsim]\n"
            + "java.lang.OutOfMemoryError: Java heap space\n\tat org.apache.pekko.Foo.bar(Foo.java:1)\n";
    StringBuilder shown = new StringBuilder();
    List<Fatal> f = feed(false, "progress 12%\rUncaught e-mail\n" + pekko + "more\n", shown);
    assertEquals("progress 12%\rUncaught e-mail\n", shown.toString(), "the rest is dropped");
    assertEquals(1, f.size());
    assertEquals(ExitCodes.OUT_OF_MEMORY, f.get(0).code());
    assertTrue(f.get(0).line().startsWith("kernsim: out of memory"));

    StringBuilder verbose = new StringBuilder();
    String other =
        "Uncaught error from thread [x]: boom, shutting down JVM since 'pekko.jvm-exit-on-fatal-error'"
            + " is enabled for ActorSystem[kernsim]\njava.lang.LinkageError: boom\n";
    List<Fatal> g = feed(true, other, verbose);
    assertEquals(other, verbose.toString(), "--verbose shows Pekko's report");
    assertEquals(
        List.of(new Fatal("kernsim: internal error: a fatal error on thread [x]: boom", 1)), g);
  }
}
