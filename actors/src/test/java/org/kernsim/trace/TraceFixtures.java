package org.kernsim.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kernsim.run.RunSpec;
import org.kernsim.run.Runner;

/** Traces of small real runs, written once per test JVM and shared by the trace tests. */
public final class TraceFixtures {
  private static Path seed518;
  private static Path machineStop;
  private static Runner.Outcome seed518Outcome;

  private TraceFixtures() {}

  /**
   * The seed-518 run of {@code workqueue-kick-cull} (the kick/cull window of seed 001: kworker/u:3
   * is kicked, left on the idle list, culled, and its work runs on u:0 and u:2).
   */
  public static synchronized Path seed518() {
    if (seed518 == null) {
      try {
        Path dir = Files.createTempDirectory("kernsim-trace-test");
        dir.toFile().deleteOnExit();
        seed518 = dir.resolve("seed518.jsonl");
        seed518Outcome =
            Runner.run(
                new RunSpec(
                    "workqueue-kick-cull", List.of(), 518, -1, seed518, "sequential", 1, false));
        seed518.toFile().deleteOnExit();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return seed518;
  }

  public static synchronized Runner.Outcome seed518Outcome() {
    seed518();
    return seed518Outcome;
  }

  /** {@code machine-stop} seed 2: three stop_machine() calls on 8 CPUs. */
  public static synchronized Path machineStop() {
    if (machineStop == null) {
      try {
        Path dir = Files.createTempDirectory("kernsim-trace-test");
        dir.toFile().deleteOnExit();
        machineStop = dir.resolve("machine-stop.jsonl");
        Runner.run(
            new RunSpec("machine-stop", List.of(), 2, -1, machineStop, "sequential", 1, false));
        machineStop.toFile().deleteOnExit();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return machineStop;
  }
}
