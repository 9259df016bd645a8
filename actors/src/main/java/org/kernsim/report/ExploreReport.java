package org.kernsim.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kernsim.run.Explorer;
import org.kernsim.trace.OutputFiles;

/**
 * The HTML report of an exploration ({@code explore --report FILE}): what was explored and how
 * fast, what fired, the first violation with its timeline and replay, and — with {@code --coverage}
 * — how the distinct abstract states and transitions grew with the schedules, as an inline SVG plot
 * (no script, no external resource).
 */
public final class ExploreReport {
  private ExploreReport() {}

  public static void write(Path target, Explorer.Report r, String timeline) {
    try {
      Path temp = OutputFiles.temporaryFor(target);
      try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
        body(w, r, timeline);
      }
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  private static void body(Writer w, Explorer.Report r, String timeline) throws IOException {
    String title = "kernsim explore: " + r.scenario();
    w.write(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            + esc(title)
            + "</title><style>body{font:13px sans-serif;margin:16px;max-width:1200px}"
            + " td,th{padding:2px 8px;text-align:left;vertical-align:top}"
            + " .kv td:first-child{color:#555} pre{font:11px monospace;background:#f6f6f6;"
            + "padding:8px;overflow:auto} svg text{font:10px sans-serif}"
            + " .line{fill:none;stroke-width:1.5}"
            + Plots.CSS
            + "</style></head><body><h1>"
            + esc(title)
            + "</h1>\n<table class=\"kv\">");
    Map<String, Object> j = r.json();
    for (String k :
        List.of(
            "seeds",
            "schedulesRun",
            "violatingSeeds",
            "violationsByChecker",
            "schedulesToFirstViolation",
            "millisToFirstViolation",
            "schedulesPerSecond",
            "wallMillis",
            "events")) {
      if (j.containsKey(k)) row(w, k, String.valueOf(j.get(k)));
    }
    if (j.get("fork") != null) row(w, "fork", String.valueOf(j.get("fork")));
    w.write("</table>\n");
    if (r.first() != null) {
      w.write("<h2>First violation</h2><table class=\"kv\">");
      row(w, "checker", r.first().first().checker());
      row(w, "message", r.first().first().message());
      row(w, "replay", r.replay());
      w.write("</table>");
      if (timeline != null) w.write("<pre>" + esc(timeline) + "</pre>");
    }
    if (r.coverage() != null) {
      w.write("<h2>Coverage</h2><p>" + esc(String.valueOf(r.coverage().get("what"))) + "</p>");
      @SuppressWarnings("unchecked")
      List<List<Long>> g = (List<List<Long>>) r.coverage().get("growth");
      w.write(growth(g));
    }
    w.write("</body></html>\n");
  }

  private static final int W = 760;
  private static final int H = 240;
  private static final int L = 60;
  private static final int B = 40;
  private static final int T = 14;
  private static final int R = 150;

  /** Abstract states and transitions (one line each) against schedules run. */
  static String growth(List<List<Long>> g) {
    long maxX = 1;
    long maxY = 1;
    for (List<Long> p : g) {
      maxX = Math.max(maxX, p.get(0));
      maxY = Math.max(maxY, Math.max(p.get(1), p.get(2)));
    }
    StringBuilder sb = new StringBuilder();
    sb.append("<figure class=\"plot\"><figcaption>distinct abstract states and transitions")
        .append(" reached, by schedules run</figcaption>");
    sb.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\">", W, H + B + T));
    int pw = W - L - R;
    for (int k = 0; k <= 4; k++) {
      double y = T + H - H * k / 4.0;
      sb.append(
          String.format(
              Locale.ROOT,
              "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%,d</text>",
              L,
              y,
              L + pw,
              y,
              L - 6,
              y + 4,
              Math.round(maxY * k / 4.0)));
      double x = L + pw * k / 4.0;
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%,d</text>",
              x,
              T + H + 16,
              Math.round(maxX * k / 4.0)));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">schedules run</text>",
            L + pw / 2,
            T + H + 34));
    String[] names = {"abstract states", "transitions"};
    String[] colors = {"#1f5fa8", "#c0392b"};
    for (int s = 0; s < 2; s++) {
      StringBuilder pts = new StringBuilder();
      for (List<Long> p : g) {
        double x = L + pw * (double) p.get(0) / maxX;
        double y = T + H - H * (double) p.get(1 + s) / maxY;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "<polyline class=\"line\" stroke=\"%s\" points=\"%s\"/>"
                  + "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s: %,d</text>",
              colors[s],
              pts.toString().trim(),
              L + pw + 10,
              T + 14 + 16 * s,
              colors[s],
              names[s],
              g.isEmpty() ? 0 : g.get(g.size() - 1).get(1 + s)));
    }
    sb.append("</svg></figure>\n");
    return sb.toString();
  }

  private static void row(Writer w, String k, String v) throws IOException {
    w.write("<tr><td>" + esc(k) + "</td><td>" + esc(v) + "</td></tr>");
  }

  private static String esc(String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
