package org.kernsim.report;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Violation;
import org.kernsim.run.Comparison;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Scenario;
import org.kernsim.trace.OutputFiles;

/**
 * Self-contained HTML reports (inline SVG, no script, no external resource: they open offline): a
 * run's summary, violations and timeline, time series (stop_machine calls and stall, CPUs held,
 * pool sizes, queue lengths; {@link RunSeries}), metrics and latency distributions as CDFs; or a
 * comparison of variants with a bar per variant and metric and their ratios as numbers.
 */
public final class HtmlReport {
  private HtmlReport() {}

  /** The report of one run; {@code timeline} may be null. */
  public static void run(
      Path target, Scenario scenario, long seed, String replay, RunResult r, String timeline) {
    run(target, scenario, seed, replay, r, timeline, null);
  }

  /** The report of one run, with the time series {@code series} observed during it (or null). */
  public static void run(
      Path target,
      Scenario scenario,
      long seed,
      String replay,
      RunResult r,
      String timeline,
      RunSeries series) {
    write(
        target,
        w -> {
          head(w, "kernsim: " + scenario.name() + ", seed " + Long.toUnsignedString(seed));
          w.write("<table class=\"kv\">");
          row(w, "scenario", scenario.name() + " (model " + scenario.model().name() + ")");
          row(w, "seed", Long.toUnsignedString(seed));
          row(w, "events", String.format(Locale.ROOT, "%,d", r.events()));
          row(
              w,
              "simulated",
              Durations.pretty(r.simulatedNanos()) + " (" + r.endReason().json() + ")");
          row(w, "windows", String.format(Locale.ROOT, "%,d", r.windows()));
          row(w, "wall", r.wallMillis() + " ms");
          row(w, "traceSha256", r.traceSha256());
          row(w, "replay", replay);
          w.write("</table>\n");
          w.write("<details><summary>settings</summary><table class=\"kv\">");
          for (Map.Entry<String, Object> e : scenario.settings().effective().entrySet())
            row(w, e.getKey(), String.valueOf(e.getValue()));
          w.write("</table></details>\n");
          w.write("<h2>Violations</h2>");
          if (r.violations().isEmpty()) w.write("<p>none</p>");
          else {
            w.write(
                "<table class=\"grid\"><tr><th>checker</th><th>at</th><th>entity</th><th>message</th></tr>");
            for (Violation v : r.violations()) {
              w.write(
                  "<tr class=\"bad\"><td>"
                      + esc(v.checker())
                      + "</td><td>"
                      + esc(Durations.pretty(v.atNanos()))
                      + "</td><td>"
                      + esc(v.entity())
                      + "</td><td>"
                      + esc(v.message())
                      + "</td></tr>");
            }
            w.write("</table>");
            if (timeline != null)
              w.write("<h3>Timeline of the first violation</h3><pre>" + esc(timeline) + "</pre>");
          }
          if (series != null) {
            w.write("<h2>Over time</h2>");
            var plots = series.plots();
            if (plots.isEmpty())
              w.write("<p>nothing to plot (no stop_machine, pool or optimizer activity)</p>");
            for (var e : plots.entrySet()) w.write(Plots.steps(e.getKey(), e.getValue()));
          }
          w.write("<h2>Metrics</h2><table class=\"grid\">");
          metrics(w, "", r.metrics());
          w.write("</table>\n<h2>Latencies</h2>");
          if (r.histograms().isEmpty()) w.write("<p>none recorded</p>");
          for (Map.Entry<String, Histogram> e : r.histograms().entrySet())
            histogram(w, e.getKey(), e.getValue());
          w.write("</body></html>\n");
        });
  }

  /** The report of a comparison of variants. */
  public static void comparison(Path target, Comparison.Report r, String seeds) {
    write(
        target,
        w -> {
          head(w, "kernsim compare: " + r.scenario() + ", " + r.key() + " over seeds " + seeds);
          List<Comparison.Variant> vs = r.variants();
          w.write(
              "<p>Sums over the seeds. Bars are scaled per metric; the last column is each variant over the last one.</p>");
          w.write("<table class=\"grid\"><tr><th>metric</th>");
          for (Comparison.Variant v : vs) w.write("<th>" + esc(v.value()) + "</th>");
          w.write("<th>ratios</th></tr>");
          for (String metric : vs.get(0).metrics().keySet()) {
            double max = 0;
            for (Comparison.Variant v : vs)
              max = Math.max(max, Math.abs(v.metrics().getOrDefault(metric, 0.0)));
            w.write("<tr><td>" + esc(metric) + "</td>");
            for (Comparison.Variant v : vs) {
              Double x = v.metrics().get(metric);
              int len = x == null || max == 0 ? 0 : (int) Math.round(120 * Math.abs(x) / max);
              w.write(
                  "<td><svg width=\"124\" height=\"12\"><rect x=\"0\" y=\"1\" width=\""
                      + len
                      + "\" height=\"10\" fill=\"#4a7ab7\"/></svg> "
                      + (x == null ? "-" : esc(fmt(x)))
                      + "</td>");
            }
            Map<String, Double> ratio = r.ratios().get(metric);
            StringBuilder rs = new StringBuilder();
            if (ratio != null) {
              for (Map.Entry<String, Double> e : ratio.entrySet()) {
                if (rs.length() > 0) rs.append("<br>");
                rs.append("<span class=\"ratio\">")
                    .append(esc(e.getKey()))
                    .append(" = <b>")
                    .append(esc(ratioText(e.getValue())))
                    .append("</b></span>");
              }
            }
            w.write("<td>" + rs + "</td></tr>");
          }
          w.write(
              "</table><h2>Violations</h2><table class=\"grid\"><tr><th>variant</th><th>violating seeds</th><th>by checker</th></tr>");
          for (Comparison.Variant v : vs) {
            w.write(
                "<tr"
                    + (v.violatingSeeds() > 0 ? " class=\"bad\"" : "")
                    + "><td>"
                    + esc(v.value())
                    + "</td><td>"
                    + v.violatingSeeds()
                    + " of "
                    + v.seeds()
                    + "</td><td>"
                    + esc(v.violationsByChecker().toString())
                    + "</td></tr>");
          }
          w.write("</table></body></html>\n");
        });
  }

  private interface Body {
    void write(Writer w) throws IOException;
  }

  private static void write(Path target, Body body) {
    try {
      Path temp = OutputFiles.temporaryFor(target);
      try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
        body.write(w);
      }
      OutputFiles.publish(temp, target);
    } catch (IOException e) {
      throw OutputFiles.failed(target, e);
    }
  }

  private static void head(Writer w, String title) throws IOException {
    w.write(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            + esc(title)
            + "</title><style>"
            + "body{font:13px sans-serif;margin:16px;max-width:1200px} td,th{padding:2px 8px;text-align:left;vertical-align:top}"
            + " .grid{border-collapse:collapse} .grid td,.grid th{border-bottom:1px solid #ddd} .kv td:first-child{color:#555}"
            + " .bad{background:#fdd} pre{font:11px monospace;background:#f6f6f6;padding:8px;overflow:auto}"
            + " svg text{font:10px sans-serif} .ratio{white-space:nowrap}"
            + Plots.CSS
            + "</style></head><body><h1>"
            + esc(title)
            + "</h1>\n");
  }

  private static void row(Writer w, String k, String v) throws IOException {
    w.write("<tr><td>" + esc(k) + "</td><td>" + esc(v) + "</td></tr>");
  }

  @SuppressWarnings("unchecked")
  private static void metrics(Writer w, String prefix, Map<String, Object> m) throws IOException {
    for (Map.Entry<String, Object> e : m.entrySet()) {
      if (e.getValue() instanceof Map<?, ?> sub)
        metrics(w, prefix + e.getKey() + ".", (Map<String, Object>) sub);
      else
        w.write(
            "<tr><td>"
                + esc(prefix + e.getKey())
                + "</td><td>"
                + esc(
                    e.getValue() instanceof Number n
                        ? fmt(n.doubleValue())
                        : String.valueOf(e.getValue()))
                + "</td></tr>");
    }
  }

  /** Percentiles and the CDF of one latency histogram (values in ns). */
  private static void histogram(Writer w, String name, Histogram h) throws IOException {
    w.write(
        "<h3>"
            + esc(name)
            + "</h3><p>"
            + String.format(Locale.ROOT, "%,d", h.getTotalCount())
            + " values: min "
            + Durations.pretty(h.getMinValue())
            + ", p50 "
            + Durations.pretty(h.getValueAtPercentile(50))
            + ", p90 "
            + Durations.pretty(h.getValueAtPercentile(90))
            + ", p99 "
            + Durations.pretty(h.getValueAtPercentile(99))
            + ", max "
            + Durations.pretty(h.getMaxValue())
            + "</p>");
    if (h.getTotalCount() > 0) w.write(Plots.cdf(name, h));
  }

  /** A ratio as a number: {@code 125.5x}, {@code 0.017x}; no ratio (a zero) as a dash. */
  static String ratioText(Double x) {
    if (x == null || x.isNaN() || x.isInfinite()) return "-";
    double a = Math.abs(x);
    String f = a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.3g";
    return String.format(Locale.ROOT, f, x) + "x";
  }

  private static String fmt(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15
        ? String.format(Locale.ROOT, "%,d", (long) x)
        : String.format(Locale.ROOT, "%.3f", x);
  }

  private static String esc(String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
