package org.kernsim.cli;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.run.RunSpec;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Quote;
import picocli.CommandLine;
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
          "--until "
              + Quote.value(until)
              + ": expected a duration from 1ns to 292 years, such as 400s, 20ms or 5us");
    }
  }

  /**
   * Most threads (and partitions) of one JVM: a dispatcher's fork-join pool takes at most 32767,
   * and far fewer than that already only add coordination.
   */
  static final int MAX_THREADS = 1024;

  /** A duration option ({@code 299s}, {@code 20ms}) of at least {@code min} ns, checked. */
  static long duration(String flag, String value, long min) {
    try {
      long n = Durations.parse(value);
      if (n < min) throw new IllegalArgumentException();
      return n;
    } catch (IllegalArgumentException e) {
      throw new BadInputException(
          flag
              + " "
              + org.kernsim.scenario.Quote.value(value)
              + ": expected a duration such as 299s, 20ms or 5us");
    }
  }

  /** A {@code --threads} value, checked; the machine's cores when absent. */
  static int threads(Integer threads) {
    if (threads == null) return RunSpec.defaultThreads();
    if (threads < 1 || threads > MAX_THREADS)
      throw new BadInputException(
          "--threads "
              + threads
              + ": expected 1.."
              + MAX_THREADS
              + " (this machine has "
              + RunSpec.defaultThreads()
              + " cores)");
    return threads;
  }

  /**
   * A run seed: any 64-bit value, written unsigned (0..18446744073709551615, as every replay
   * command prints it) or signed (a negative seed is the same 64 bits).
   */
  static final class Seed implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      String t = text.trim().replace("_", "");
      try {
        return t.startsWith("-") ? Long.parseLong(t) : Long.parseUnsignedLong(t);
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException(
            "'"
                + Quote.value(text)
                + "' is not a seed: expected an integer in 0..18446744073709551615");
      }
    }
  }
}
