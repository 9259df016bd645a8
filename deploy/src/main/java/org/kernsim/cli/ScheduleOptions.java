package org.kernsim.cli;

import org.kernsim.engine.schedule.Strategy;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Quote;
import picocli.CommandLine.Option;

/**
 * How a schedule is forked and perturbed ({@code explore} and the replay of one schedule by {@code
 * run}): the fork time and the strategy with its parameters.
 */
final class ScheduleOptions {

  @Option(
      names = "--fork-at",
      paramLabel = "DURATION",
      description =
          "Simulate each seed once up to this virtual time (a window boundary at or after it), then"
              + " fork its schedules from that snapshot (0: from the start).")
  String forkAt;

  @Option(
      names = "--strategy",
      paramLabel = "NAME",
      defaultValue = "random",
      description =
          "How forked schedules differ: random (fresh draws from the model's distributions),"
              + " pct (priorities and change points, Burckhardt et al. 2010) or delay-bound (the"
              + " seed's own continuation with at most --delay-bound delays); default"
              + " ${DEFAULT-VALUE}. explore --strategy guided (no --fork-at): coverage-guided,"
              + " fresh seeds and random forks from the points where new abstract states were"
              + " first reached.")
  String strategy;

  @Option(
      names = "--pct-depth",
      paramLabel = "D",
      defaultValue = "3",
      description = "PCT's depth d: d-1 priority change points (default ${DEFAULT-VALUE}).")
  int pctDepth;

  @Option(
      names = "--delay-bound",
      paramLabel = "K",
      defaultValue = "2",
      description = "delay-bound's most deviations per schedule (default ${DEFAULT-VALUE}).")
  int delayBound;

  /** The fork time in ns, or -1 if none was given. */
  long forkAtNanos() {
    return forkAt == null ? -1 : ScenarioOptions.duration("--fork-at", forkAt, 0);
  }

  /** {@code --strategy guided}: a coverage-guided exploration (explore only). */
  boolean guided() {
    return "guided".equals(strategy);
  }

  /** The forks after the first of a guided schedule's chain: {@code AT/P,AT/P...}. */
  static java.util.List<org.kernsim.engine.schedule.guided.Step> thenFork(
      String value, long firstAt) {
    if (value == null) return java.util.List.of();
    java.util.List<org.kernsim.engine.schedule.guided.Step> out = new java.util.ArrayList<>();
    long last = firstAt;
    for (String part : value.split(",", -1)) {
      int slash = part.indexOf('/');
      if (slash < 0)
        throw new BadInputException(
            "--then-fork "
                + Quote.value(value)
                + ": expected AT/P[,AT/P...], got "
                + Quote.value(part));
      long at = ScenarioOptions.duration("--then-fork", part.substring(0, slash).trim(), 0);
      long p;
      try {
        p = Long.parseLong(part.substring(slash + 1).trim());
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (p < 0)
        throw new BadInputException(
            "--then-fork " + Quote.value(part) + ": the perturbation must be a number >= 0");
      if (at <= last)
        throw new BadInputException(
            "--then-fork " + Quote.value(part) + ": fork times must increase after --fork-at");
      last = at;
      out.add(new org.kernsim.engine.schedule.guided.Step(at, p));
    }
    return out;
  }

  Strategy strategy() {
    if (pctDepth < 1 || pctDepth > 1000)
      throw new BadInputException("--pct-depth " + pctDepth + ": expected 1..1000");
    if (delayBound < 0 || delayBound > 1_000_000)
      throw new BadInputException("--delay-bound " + delayBound + ": expected 0..1000000");
    return switch (strategy) {
      case "random", "guided" -> Strategy.random(); // guided: its forks are random ones
      case "pct" -> new Strategy(Strategy.Kind.PCT, pctDepth, 0);
      case "delay-bound" -> new Strategy(Strategy.Kind.DELAY_BOUND, 1, delayBound);
      default ->
          throw new BadInputException(
              "--strategy "
                  + Quote.value(strategy)
                  + ": expected random, pct, delay-bound or guided (explore)");
    };
  }
}
