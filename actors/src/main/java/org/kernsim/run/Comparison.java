package org.kernsim.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.DoubleHistogram;
import org.HdrHistogram.Histogram;
import org.kernsim.engine.Await;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Violation;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * Runs the same scenario and seeds under several values of one setting (the variants of a
 * mechanism: {@code kprobes.unoptimize=immediate,delayed}, {@code workqueue.kick=original,claim})
 * and reports every numeric metric per variant, the ratio of each variant to the last one, and
 * which checkers fired where.
 *
 * <p>Over several seeds a counter is summed, but a figure of one run (a percentile, a maximum, a
 * duration) is never summed: it is shown as its median over the seeds (the JSON says which is
 * which, and gives every figure's per-seed min, median and max), and each latency histogram is
 * merged over the seeds, so its percentiles are those of all the events of all the seeds.
 */
public final class Comparison {
  private Comparison() {}

  /** What a figure of {@link Variant#metrics()} is. */
  public static final String TOTAL = "total over the seeds (a counter)";

  public static final String MEDIAN =
      "median over the seeds (a figure of one run: a percentile, a maximum, a time)";

  /**
   * One variant.
   *
   * @param metrics each metric's figure: a counter's total, another figure's median over the seeds
   * @param metricKinds what each figure is ({@link #TOTAL} or {@link #MEDIAN})
   * @param perSeed each metric's min, median and max over the seeds
   * @param latencies each latency histogram merged over the seeds: count and percentiles (ns)
   */
  public record Variant(
      String value,
      long seeds,
      Map<String, Double> metrics,
      long violatingSeeds,
      Map<String, Long> violationsByChecker,
      List<String> traceSha256,
      Map<String, String> metricKinds,
      Map<String, Map<String, Double>> perSeed,
      Map<String, Object> latencies) {}

  public record Report(
      String scenario,
      String key,
      List<Variant> variants,
      Map<String, Map<String, Double>> ratios,
      long wallMillis) {

    public Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", scenario);
      m.put("vary", key);
      Map<String, Object> vs = new LinkedHashMap<>();
      for (Variant v : variants) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("seeds", v.seeds());
        one.put("metrics", v.metrics());
        one.put("metricKinds", v.metricKinds());
        if (v.seeds() > 1) one.put("metricsPerSeed", v.perSeed());
        one.put("latencies", v.latencies());
        one.put("violatingSeeds", v.violatingSeeds());
        one.put("violationsByChecker", v.violationsByChecker());
        if (v.traceSha256().size() == 1) one.put("traceSha256", v.traceSha256().get(0));
        vs.put(v.value(), one);
      }
      m.put("variants", vs);
      m.put("ratios", ratios);
      m.put("ratiosOf", "each variant's figure over the last variant's (metricKinds says what)");
      m.put("wallMillis", wallMillis);
      return m;
    }
  }

  /** Results folded in seed by seed (nothing of a run is kept but what the report needs). */
  private static final class Fold {
    final Map<String, double[]> totals = new TreeMap<>();
    final Map<String, DoubleHistogram> perSeed = new TreeMap<>();
    final Map<String, Boolean> counter = new TreeMap<>();
    final Map<String, Histogram> latencies = new TreeMap<>();
    final Map<String, Long> byChecker = new TreeMap<>();
    final List<String> hashes = new ArrayList<>();
    long violating;
    long seeds;

    void add(RunResult r) {
      seeds++;
      if (hashes.size() < 2) hashes.add(r.traceSha256());
      Map<String, Double> flat = new TreeMap<>();
      flatten("", r.metrics(), flat);
      flat.forEach(
          (k, x) -> {
            boolean isCounter = r.counters().containsKey(k);
            counter.merge(k, isCounter, Boolean::logicalAnd);
            totals.computeIfAbsent(k, z -> new double[1])[0] += x;
            DoubleHistogram h = perSeed.computeIfAbsent(k, z -> new DoubleHistogram(3));
            h.recordValue(Math.max(0, x));
          });
      r.histograms().forEach((k, h) -> latencies.computeIfAbsent(k, z -> new Histogram(3)).add(h));
      if (!r.violations().isEmpty()) {
        violating++;
        r.violations().stream()
            .map(Violation::checker)
            .distinct()
            .forEach(c -> byChecker.merge(c, 1L, Long::sum));
      }
    }

    Variant variant(String value) {
      Map<String, Double> shown = new TreeMap<>();
      Map<String, String> kinds = new TreeMap<>();
      Map<String, Map<String, Double>> dist = new TreeMap<>();
      perSeed.forEach(
          (k, h) -> {
            boolean isCounter = counter.get(k);
            kinds.put(k, isCounter ? TOTAL : MEDIAN);
            shown.put(k, isCounter ? totals.get(k)[0] : round(h.getValueAtPercentile(50)));
            Map<String, Double> d = new LinkedHashMap<>();
            d.put("min", round(h.getMinValue()));
            d.put("median", round(h.getValueAtPercentile(50)));
            d.put("max", round(h.getMaxValue()));
            dist.put(k, d);
          });
      Map<String, Object> lat = new LinkedHashMap<>();
      latencies.forEach(
          (k, h) -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("count", h.getTotalCount());
            x.put("p50", h.getValueAtPercentile(50));
            x.put("p99", h.getValueAtPercentile(99));
            x.put("max", h.getMaxValue());
            lat.put(k, x);
          });
      return new Variant(
          value,
          seeds,
          shown,
          violating,
          byChecker,
          seeds == 1 ? hashes : List.of(),
          kinds,
          dist,
          lat);
    }
  }

  private static double round(double x) {
    return x == Math.rint(x) ? x : Math.round(x * 1000) / 1000.0;
  }

  public static Report compare(
      String scenarioName,
      List<String> overrides,
      String key,
      List<String> values,
      long first,
      long last,
      long untilOverride,
      int threads) {
    return compare(scenarioName, overrides, key, values, first, last, untilOverride, threads, null);
  }

  /**
   * As above; {@code progress} (null: none) is told how many runs are done, as they complete in
   * order (variants times seeds in all).
   */
  public static Report compare(
      String scenarioName,
      List<String> overrides,
      String key,
      List<String> values,
      long first,
      long last,
      long untilOverride,
      int threads,
      java.util.function.LongConsumer progress) {
    long done = 0;
    if (values.size() < 2)
      throw new BadInputException(
          "--vary " + key + ": give at least two values, e.g. " + key + "=a,b");
    if (first < 0 || last < first || last - first == Long.MAX_VALUE)
      throw new BadInputException("--seeds " + first + ".." + last + ": not a usable seed range");
    List<Scenario> scenarios = new ArrayList<>();
    for (String v : values) {
      List<String> o = new ArrayList<>(overrides);
      o.add(key + "=" + v);
      scenarios.add(Models.load(scenarioName, o));
    }
    long wallStart = System.nanoTime();
    int n = Math.max(1, threads);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            n,
            r -> {
              Thread t = new Thread(r, "compare");
              t.setDaemon(true);
              return t;
            });
    List<Fold> folds = new ArrayList<>();
    for (int i = 0; i < scenarios.size(); i++) folds.add(new Fold());
    try {
      // seed by seed, every variant, a bounded number in flight: results are folded and dropped
      long count = last - first + 1;
      List<Future<RunResult>> inFlight = new ArrayList<>();
      List<Integer> variantOf = new ArrayList<>();
      for (long k = 0; k < count && !org.kernsim.engine.StopRequest.requested(); k++) {
        long seed = first + k;
        for (int i = 0; i < scenarios.size(); i++) {
          Scenario s = scenarios.get(i);
          long until = untilOverride >= 0 ? untilOverride : s.until();
          inFlight.add(pool.submit(() -> Explorer.runSeed(s, seed, until)));
          variantOf.add(i);
        }
        if (inFlight.size() >= 4 * n || k == count - 1) {
          for (int j = 0; j < inFlight.size(); j++) {
            folds.get(variantOf.get(j)).add(Await.result(inFlight.get(j)));
            if (progress != null) progress.accept(++done);
          }
          inFlight.clear();
          variantOf.clear();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    List<Variant> variants = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) variants.add(folds.get(i).variant(values.get(i)));
    Variant base = variants.get(variants.size() - 1);
    Map<String, Map<String, Double>> ratios = new TreeMap<>();
    for (String metric : base.metrics().keySet()) {
      Map<String, Double> r = new LinkedHashMap<>();
      double denominator = base.metrics().get(metric);
      for (Variant v : variants.subList(0, variants.size() - 1)) {
        Double numerator = v.metrics().get(metric);
        if (numerator == null || denominator == 0) continue;
        r.put(v.value() + "/" + base.value(), Math.round(numerator / denominator * 1000) / 1000.0);
      }
      if (!r.isEmpty()) ratios.put(metric, r);
    }
    return new Report(
        scenarios.get(0).name(),
        key,
        variants,
        ratios,
        (System.nanoTime() - wallStart) / 1_000_000);
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Map<String, Object> metrics, Map<String, Double> out) {
    for (Map.Entry<String, Object> e : metrics.entrySet()) {
      String k = prefix + e.getKey();
      if (e.getValue() instanceof Number n) out.merge(k, n.doubleValue(), Double::sum);
      else if (e.getValue() instanceof Map<?, ?> m) flatten(k + ".", (Map<String, Object>) m, out);
    }
  }
}
