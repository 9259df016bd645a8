package org.kernsim.scenario;

import java.util.Locale;
import org.kernsim.engine.Latency;

/** Parses and prints latency distributions as written in scenarios. */
public final class Latencies {
  private Latencies() {}

  public static Latency parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    int open = t.indexOf('(');
    if (open < 0 || !t.endsWith(")"))
      throw new IllegalArgumentException("expected fixed(..), uniform(..) or lognormal(..)");
    String kind = t.substring(0, open).trim();
    String[] args = t.substring(open + 1, t.length() - 1).split(",");
    for (int i = 0; i < args.length; i++) args[i] = args[i].trim();
    try {
      return switch (kind) {
        case "fixed" -> {
          need(args, 1, "fixed(D)");
          yield Latency.fixed(Durations.parse(args[0]));
        }
        case "uniform" -> {
          need(args, 2, "uniform(MIN, MAX)");
          yield Latency.uniform(Durations.parse(args[0]), Durations.parse(args[1]));
        }
        case "lognormal" -> {
          need(args, 4, "lognormal(MEDIAN, SIGMA, MIN, MAX)");
          yield Latency.logNormal(
              Durations.parse(args[0]),
              Double.parseDouble(args[1]),
              Durations.parse(args[2]),
              Durations.parse(args[3]));
        }
        default -> throw new IllegalArgumentException("unknown distribution '" + kind + "'");
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad number in " + text);
    }
  }

  private static void need(String[] args, int n, String form) {
    if (args.length != n) throw new IllegalArgumentException("expected " + form);
  }

  public static String format(Latency l) {
    if (l instanceof Latency.Fixed f) return "fixed(" + Durations.format(f.nanos()) + ")";
    if (l instanceof Latency.Uniform u)
      return "uniform(" + Durations.format(u.lo()) + ", " + Durations.format(u.hi()) + ")";
    Latency.LogNormal g = (Latency.LogNormal) l;
    return "lognormal("
        + Durations.format(g.median())
        + ", "
        + g.sigma()
        + ", "
        + Durations.format(g.lo())
        + ", "
        + Durations.format(g.hi())
        + ")";
  }
}
