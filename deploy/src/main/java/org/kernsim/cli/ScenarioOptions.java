package org.kernsim.cli;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.run.RunSpec;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Durations;
import picocli.CommandLine.Option;

/** The options every command that runs a scenario shares: overrides and the time limit. */
final class ScenarioOptions {

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Override a setting (repeatable); the same keys as the scenario file.")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--until",
      paramLabel = "DURATION",
      description =
          "Virtual-time limit of a run (e.g. 400s, 20ms); default: the scenario's scenario.until.")
  String until;

  /** The limit in ns, or -1 for the scenario's own. */
  long untilNanos() {
    if (until == null) return -1;
    try {
      long n = Durations.parse(until);
      if (n < 1) throw new IllegalArgumentException();
      return n;
    } catch (IllegalArgumentException e) {
      throw new BadInputException(
          "--until " + until + ": expected a duration such as 400s, 20ms or 5us");
    }
  }

  /** A {@code --threads} value, checked; the machine's cores when absent. */
  static int threads(Integer threads) {
    if (threads == null) return RunSpec.defaultThreads();
    if (threads < 1) throw new BadInputException("--threads " + threads + ": must be >= 1");
    return threads;
  }
}
