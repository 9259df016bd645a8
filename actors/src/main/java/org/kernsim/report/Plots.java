package org.kernsim.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.kernsim.scenario.Durations;

/**
 * Inline SVG plots for the HTML reports (no script, no external resource): step plots of time
 * series over virtual time, with the idle stretches of a run (minutes with nothing happening, as
 * before the burst of {@code workqueue-kick-cull}) folded into a marked break so that the busy
 * stretches get the width; and latency distributions as CDFs over a logarithmic axis with a tick
 * per decade, so labels never collide.
 */
final class Plots {
  private static final int W = 980;
  private static final int H = 200;
  private static final int L = 70; // left margin (y labels)
  private static final int B = 34; // bottom margin (x labels)
  private static final int T = 10;
  private static final int R = 250; // right margin (legend)
  private static final String[] COLORS = {"#1f5fa8", "#c0392b", "#27ae60", "#8e44ad", "#d68910"};

  private Plots() {}

  /** The x axis of a step plot: busy stretches of virtual time laid side by side. */
  private static final class Axis {
    final List<long[]> pieces = new ArrayList<>(); // {from, to}
    final double perPiece;
    static final int BREAK = 14;

    Axis(List<RunSeries.Series> series) {
      List<Long> times = new ArrayList<>();
      for (RunSeries.Series s : series) for (int i = 0; i < s.size(); i++) times.add(s.time(i));
      times.sort(null);
      long lo = times.get(0);
      long hi = times.get(times.size() - 1);
      long span = Math.max(1, hi - lo);
      long gap = Math.max(1, span / 10); // a quiet stretch longer than this is folded
      long from = lo;
      long prev = lo;
      for (long t : times) {
        if (t - prev > gap) {
          pieces.add(new long[] {from, prev});
          from = t;
        }
        prev = t;
      }
      pieces.add(new long[] {from, prev});
      // every piece gets width by its share of the busy time, at least a tenth
      long busy = 0;
      for (long[] p : pieces) busy += Math.max(1, p[1] - p[0]);
      perPiece = busy;
    }

    int width() {
      return W - L - R;
    }

    double x(long t) {
      double usable = width() - BREAK * (pieces.size() - 1);
      double x = L;
      for (int i = 0; i < pieces.size(); i++) {
        long[] p = pieces.get(i);
        double w = usable * Math.max(1, p[1] - p[0]) / perPiece;
        if (pieces.size() > 1) w = Math.max(w, usable * 0.1 / pieces.size());
        if (t <= p[1] || i == pieces.size() - 1) {
          double f =
              p[1] == p[0]
                  ? 0.5
                  : (double) (Math.max(p[0], Math.min(p[1], t)) - p[0]) / (p[1] - p[0]);
          return x + f * w;
        }
        x += w + BREAK;
      }
      return x;
    }
  }

  /** A step plot of {@code series} (same unit) over virtual time. */
  static String steps(String title, List<RunSeries.Series> series) {
    Axis ax = new Axis(series);
    double max = 0;
    for (RunSeries.Series s : series)
      for (int i = 0; i < s.size(); i++) max = Math.max(max, s.value(i));
    if (max <= 0) max = 1;
    boolean ns = series.get(0).unit().equals("ns");
    double top = 4 * niceStep(max / 4, !ns);
    StringBuilder sb = new StringBuilder();
    sb.append("<figure class=\"plot\"><figcaption>").append(esc(title)).append("</figcaption>");
    sb.append("<svg class=\"series\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H + B + T)
        .append("\">");
    int plotH = H;
    // y grid and labels
    for (int k = 0; k <= 4; k++) {
      double v = top * k / 4;
      double y = T + plotH - plotH * k / 4.0;
      sb.append(
          String.format(
              Locale.ROOT,
              "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
              L,
              y,
              W - R,
              y));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
              L - 6,
              y + 4,
              esc(ns ? Durations.pretty((long) v) : count(v))));
    }
    // x labels: the start and end of each busy piece; breaks marked
    double lastLabel = -1e9;
    for (int i = 0; i < ax.pieces.size(); i++) {
      long[] p = ax.pieces.get(i);
      for (long t : p[0] == p[1] ? new long[] {p[0]} : new long[] {p[0], p[1]}) {
        double x = ax.x(t);
        if (x - lastLabel < 90) continue;
        lastLabel = x;
        sb.append(
            String.format(
                Locale.ROOT,
                "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
                x,
                T + plotH,
                x,
                T + plotH + 4));
        sb.append(
            String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                x,
                T + plotH + 16,
                esc(Durations.pretty(t))));
      }
      if (i > 0) {
        double x = ax.x(p[0]) - Axis.BREAK / 2.0;
        sb.append(
            String.format(
                Locale.ROOT,
                "<text class=\"break\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">\u2248</text>",
                x,
                T + plotH + 4));
        sb.append(
            String.format(
                Locale.ROOT,
                "<line class=\"breakline\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
                x,
                T,
                x,
                T + plotH));
      }
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">virtual time (quiet stretches folded: \u2248)</text>",
            L + ax.width() / 2,
            T + plotH + 30));
    sb.append(
        String.format(
            Locale.ROOT,
            "<line class=\"axisline\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
            L,
            T + plotH,
            W - R,
            T + plotH));
    // the series
    for (int s = 0; s < series.size(); s++) {
      RunSeries.Series ser = series.get(s);
      StringBuilder d = new StringBuilder();
      double prevY = 0;
      for (int i = 0; i < ser.size(); i++) {
        double x = ax.x(ser.time(i));
        double y = T + plotH - plotH * ser.value(i) / top;
        if (i == 0) d.append(String.format(Locale.ROOT, "M%.1f,%.1f", x, y));
        else d.append(String.format(Locale.ROOT, " H%.1f V%.1f", x, y));
        prevY = y;
      }
      d.append(String.format(Locale.ROOT, " H%d", W - R));
      String c = COLORS[s % COLORS.length];
      sb.append("<path class=\"line\" fill=\"none\" stroke=\"")
          .append(c)
          .append("\" d=\"")
          .append(d)
          .append("\"/>");
      sb.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>",
              W - R + 10,
              T + 6 + s * 18,
              c,
              W - R + 24,
              T + 15 + s * 18,
              esc(ser.name())));
    }
    sb.append("</svg></figure>\n");
    return sb.toString();
  }

  /** The CDF of a latency histogram (values in ns) over a logarithmic axis, ticks per decade. */
  static String cdf(String title, Histogram h) {
    long min = Math.max(1, h.getMinValue());
    long max = Math.max(min + 1, h.getMaxValue());
    double lo = Math.floor(Math.log10(min));
    double hi = Math.ceil(Math.log10(max));
    if (hi <= lo) hi = lo + 1;
    int plotW = W - L - R;
    StringBuilder sb = new StringBuilder();
    sb.append("<figure class=\"plot\"><figcaption>")
        .append(esc(title))
        .append(" (CDF)</figcaption>");
    sb.append("<svg class=\"cdf\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(H + B + T)
        .append("\">");
    for (int k = 0; k <= 4; k++) {
      double y = T + H - H * k / 4.0;
      sb.append(
          String.format(
              Locale.ROOT,
              "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>",
              L,
              y,
              W - R,
              y));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>",
              L - 6,
              y + 4,
              k * 25));
    }
    for (double d = lo; d <= hi; d++) {
      double x = L + plotW * (d - lo) / (hi - lo);
      sb.append(
          String.format(
              Locale.ROOT,
              "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
              x,
              T,
              x,
              T + H));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
              x,
              T + H + 16,
              esc(Durations.pretty((long) Math.pow(10, d)))));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">latency (log scale); y: share of values at or below</text>",
            L + plotW / 2,
            T + H + 30));
    StringBuilder d = new StringBuilder();
    long total = h.getTotalCount();
    long seen = 0;
    boolean first = true;
    for (HistogramIterationValue v : h.recordedValues()) {
      seen += v.getCountAtValueIteratedTo();
      double x = L + plotW * (Math.log10(Math.max(1, v.getValueIteratedTo())) - lo) / (hi - lo);
      double y = T + H - H * (double) seen / total;
      d.append(
          first
              ? String.format(Locale.ROOT, "M%.1f,%d V%.1f", x, T + H, y)
              : String.format(Locale.ROOT, " H%.1f V%.1f", x, y));
      first = false;
    }
    sb.append("<path class=\"line\" fill=\"none\" stroke=\"#1f5fa8\" d=\"")
        .append(d)
        .append("\"/>");
    // percentiles as marks
    int row = 0;
    for (double p : new double[] {50, 90, 99}) {
      long v = h.getValueAtPercentile(p);
      double x = L + plotW * (Math.log10(Math.max(1, v)) - lo) / (hi - lo);
      sb.append(
          String.format(
              Locale.ROOT,
              "<line class=\"pct\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
              x,
              T,
              x,
              T + H));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\">p%s %s</text>",
              W - R + 10,
              T + 15 + row++ * 18,
              (int) p,
              esc(Durations.pretty(v))));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\">max %s</text>",
            W - R + 10,
            T + 15 + row * 18,
            esc(Durations.pretty(h.getMaxValue()))));
    sb.append("</svg></figure>\n");
    return sb.toString();
  }

  static final String CSS =
      " figure.plot{margin:8px 0 16px 0} figure.plot figcaption{font-weight:bold;margin-bottom:2px}"
          + " svg .grid{stroke:#e4e4e4} svg .tick,svg .axisline{stroke:#888} svg .breakline{stroke:#bbb;stroke-dasharray:3 3}"
          + " svg .line{stroke-width:1.6} svg .pct{stroke:#c0392b;stroke-dasharray:4 3} svg .axis{fill:#555}"
          + " svg text{font:10px sans-serif} svg .break{font:14px sans-serif;fill:#888}";

  /** A round grid step at least {@code v}: 1, 2 or 5 times a power of ten (whole for counts). */
  private static double niceStep(double v, boolean whole) {
    if (whole && v <= 1) return 1;
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) if (m * p >= v) return m * p;
    return 10 * p;
  }

  private static String count(double v) {
    return v == Math.rint(v)
        ? String.format(Locale.ROOT, "%,d", (long) v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
