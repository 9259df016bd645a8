package org.kernsim.scenario;

import java.util.Locale;

/**
 * Parses and prints virtual-time durations: {@code 300s}, {@code 5ms}, {@code 2us}, {@code 800ns},
 * {@code 20m}.
 */
public final class Durations {
  private Durations() {}

  public static long parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
    int i = 0;
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
    if (i == 0) throw new IllegalArgumentException("not a duration: " + text);
    double n = Double.parseDouble(s.substring(0, i));
    String unit = s.substring(i).trim();
    double scale =
        switch (unit) {
          case "ns", "nanos", "nanosecond", "nanoseconds" -> 1;
          case "us", "µs", "micros", "microsecond", "microseconds" -> 1e3;
          case "ms", "millis", "millisecond", "milliseconds" -> 1e6;
          case "s", "sec", "second", "seconds" -> 1e9;
          case "m", "min", "minute", "minutes" -> 60e9;
          case "h", "hour", "hours" -> 3600e9;
          case "" ->
              throw new IllegalArgumentException(
                  "duration needs a unit (ns, us, ms, s, m, h): " + text);
          default ->
              throw new IllegalArgumentException("unknown duration unit '" + unit + "': " + text);
        };
    double nanos = n * scale;
    if (nanos > Long.MAX_VALUE) throw new IllegalArgumentException("duration too large: " + text);
    return Math.round(nanos);
  }

  /** The shortest exact form: 300s, 5ms, 1500us, 800ns. */
  public static String format(long nanos) {
    if (nanos == 0) return "0s";
    if (nanos == Long.MAX_VALUE) return "inf";
    long[] scales = {3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
    String[] units = {"h", "m", "s", "ms", "us", "ns"};
    for (int i = 0; i < scales.length; i++) {
      if (nanos % scales[i] == 0) return (nanos / scales[i]) + units[i];
    }
    return nanos + "ns";
  }

  /** A human reading of a virtual time, for timelines: 300.000012345s. */
  public static String pretty(long nanos) {
    if (nanos < 1_000) return nanos + "ns";
    if (nanos < 1_000_000) return String.format(Locale.ROOT, "%.3fus", nanos / 1e3);
    if (nanos < 1_000_000_000) return String.format(Locale.ROOT, "%.6fms", nanos / 1e6);
    return String.format(Locale.ROOT, "%.9fs", nanos / 1e9);
  }
}
