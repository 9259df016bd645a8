package org.kernsim.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.TimelineSpec;
import org.kernsim.engine.TraceObserver;
import org.kernsim.engine.Violation;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.scenario.Durations;

/**
 * Renders a violation as a text table: one column per CPU or actor, one row per step, time on the
 * left. {@link Collector} gathers the records of a (re)run for it.
 */
public final class Timeline {
  private Timeline() {}

  /** Keeps a run's records in memory, up to a bound (the newest are kept). */
  public static final class Collector implements TraceObserver {
    private final int max;
    private final java.util.ArrayDeque<TraceRecord> records = new java.util.ArrayDeque<>();

    public Collector(int max) {
      this.max = max;
    }

    @Override
    public void observe(TraceRecord record) {
      records.addLast(record);
      if (records.size() > max) records.removeFirst();
    }

    @Override
    public void finish(long endNanos, EndReason reason) {}

    public List<TraceRecord> records() {
      return new ArrayList<>(records);
    }
  }

  public static String render(
      List<TraceRecord> all, TimelineSpec spec, Violation violation, int width) {
    List<TraceRecord> rows = spec.select(all, violation);
    Map<String, Integer> columns = new LinkedHashMap<>();
    for (TraceRecord r : rows) columns.putIfAbsent(spec.column(r), columns.size());
    List<String> names = new ArrayList<>(columns.keySet());
    int timeWidth = 16;
    StringBuilder sb = new StringBuilder();
    sb.append(pad("time", timeWidth));
    for (String n : names) sb.append(" | ").append(pad(n, width));
    sb.append('\n');
    sb.append("-".repeat(timeWidth));
    for (int i = 0; i < names.size(); i++) sb.append("-+-").append("-".repeat(width));
    sb.append('\n');
    for (TraceRecord r : rows) {
      int col = columns.get(spec.column(r));
      List<String> lines = wrap(spec.cell(r), width);
      for (int li = 0; li < lines.size(); li++) {
        sb.append(pad(li == 0 ? Durations.pretty(r.time()) : "", timeWidth));
        for (int c = 0; c < names.size(); c++)
          sb.append(" | ").append(pad(c == col ? lines.get(li) : "", width));
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String pad(String s, int w) {
    return s.length() >= w ? s.substring(0, w) : s + " ".repeat(w - s.length());
  }

  private static List<String> wrap(String s, int w) {
    List<String> out = new ArrayList<>();
    String rest = s;
    while (rest.length() > w) {
      int cut = rest.lastIndexOf(' ', w);
      if (cut <= w / 3) cut = w;
      out.add(rest.substring(0, cut));
      rest = rest.substring(cut).stripLeading();
    }
    out.add(rest);
    return out;
  }
}
