package org.kernsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layout that cannot fit the heap is refused before the run starts: one line (what was asked, the
 * estimate, the heap), exit code 2, no output file — not an OutOfMemoryError minutes later.
 */
class MemoryEstimateCliTest {

  @Test
  void anImpossibleLayoutIsRefusedWithOneLineAndExit2(@TempDir Path dir) throws Exception {
    // 65,536 CPUs of the workqueue model (about 1.4 million entities) in a 64 MiB heap
    Process p =
        Child.start(
            dir,
            List.of("-Xmx64m"),
            "run",
            "workqueue-kick-cull",
            "--set",
            "machine.cpus=65536",
            "--trace",
            "t.jsonl");
    int code = Child.exit(p);
    String err = Child.read(dir.resolve("stderr.txt"));
    assertEquals(ExitCodes.BAD_INPUT, code, err);
    List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), err);
    String line = lines.get(0);
    assertTrue(line.startsWith("kernsim: workqueue-kick-cull with machine.cpus=65536 ("), line);
    assertTrue(line.contains("entities, actor driver) needs an estimated "), line);
    assertTrue(line.contains(" MiB (Runtime.maxMemory)"), line);
    assertTrue(line.contains("-Xmx"), line);
    assertEquals("", Child.read(dir.resolve("stdout.txt")), "nothing ran");
    Child.onlyTheLogsAreLeft(dir);
  }

  @Test
  void theSameScenarioAtItsOwnSizeRuns(@TempDir Path dir) throws Exception {
    // the estimate does not refuse what fits: the built-in size in the same 64 MiB heap
    Process p =
        Child.start(
            dir,
            List.of("-Xmx64m"),
            "run",
            "workqueue-kick-cull",
            "--driver",
            "sequential",
            "--until",
            "2ms");
    assertEquals(ExitCodes.OK, Child.exit(p), Child.read(dir.resolve("stderr.txt")));
    assertTrue(Child.read(dir.resolve("stdout.txt")).contains("traceSha256 "));
  }
}
