package org.kernsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kernsim.bench.DriversBench;
import org.kernsim.bench.PholdBench;
import org.kernsim.engine.StopRequest;
import org.kernsim.run.RunSpec;

/**
 * {@code bench drivers --processes}: each run a fresh JVM, {@code kernsim run SCENARIO --json
 * --no-timeline} as a user runs it, timed from the process's start to its exit — the JVM's start,
 * its class-data archive, logging, the actor system's start and stop all included. The child gets
 * this JVM's {@code java}, class path and memory, stack, collector and archive options ({@code
 * -XX:...}, {@code -Xmx}, {@code -Xms}, {@code -Xss}: what the {@code kernsim} launcher gives);
 * before each run the machine settles ({@link PholdBench#settleMachine}).
 */
final class FreshJvmRuns implements DriversBench.Timer {

  @Override
  public String runs() {
    return "each a fresh JVM: kernsim run SCENARIO --json --no-timeline, timed from its start to"
        + " its exit";
  }

  @Override
  public DriversBench.Measured time(RunSpec spec) {
    PholdBench.settleMachine();
    Path out = null;
    Path err = null;
    Process p = null;
    try {
      out = Files.createTempFile("kernsim-bench-", ".out");
      err = Files.createTempFile("kernsim-bench-", ".err");
      long t0 = System.nanoTime();
      p =
          new ProcessBuilder(command(spec))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      int code = p.waitFor();
      double millis = (System.nanoTime() - t0) / 1e6;
      if (code != ExitCodes.OK && code != ExitCodes.VIOLATION)
        throw new IllegalStateException(
            "a fresh kernsim run ("
                + spec.scenario()
                + ", --driver "
                + spec.driver()
                + ") exited "
                + code
                + ": "
                + lastLine(err));
      JsonNode json = new ObjectMapper().readTree(out.toFile());
      return new DriversBench.Measured(
          json.path("traceSha256").asText(),
          json.path("events").asLong(),
          json.path("windows").asLong(),
          millis);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StopRequest.Stopped(
          StopRequest.requested() ? StopRequest.signal() : "an interrupt");
    } finally {
      if (p != null) p.destroyForcibly();
      delete(out);
      delete(err);
    }
  }

  /** The child's command line. */
  static List<String> command(RunSpec spec) {
    List<String> cmd = new ArrayList<>();
    cmd.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(
                System.getProperty("java.home")
                    + File.separator
                    + "bin"
                    + File.separator
                    + "java"));
    cmd.addAll(
        jvmOptions(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
    // the CLI's logging, as a user's run has it, even where a test's logback-test.xml is on the
    // class path (Logback would print its status about it on the run's stdout, before the JSON)
    cmd.add("-Dkernsim.logging=cli");
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of("run", spec.scenario(), "--seed", Long.toString(spec.seed())));
    for (String o : spec.overrides()) cmd.addAll(List.of("--set", o));
    cmd.addAll(List.of("--driver", spec.driver()));
    if (!spec.driver().equals("sequential"))
      cmd.addAll(List.of("--threads", Integer.toString(spec.threads())));
    cmd.addAll(List.of("--json", "--no-timeline"));
    return cmd;
  }

  /** Of this JVM's options, those a child run is given too. */
  static List<String> jvmOptions(List<String> inputArguments) {
    return inputArguments.stream()
        .filter(
            a ->
                a.startsWith("-XX:")
                    || a.startsWith("-Xmx")
                    || a.startsWith("-Xms")
                    || a.startsWith("-Xss")
                    || a.startsWith("-D" + org.kernsim.config.ConfigCache.PROPERTY + "="))
        .toList();
  }

  private static String lastLine(Path err) throws IOException {
    List<String> lines = Files.readAllLines(err);
    for (int i = lines.size() - 1; i >= 0; i--) if (!lines.get(i).isBlank()) return lines.get(i);
    return "(nothing on stderr)";
  }

  private static void delete(Path f) {
    if (f == null) return;
    try {
      Files.deleteIfExists(f);
    } catch (IOException e) {
      // a temporary file left behind: nothing to report
    }
  }
}
