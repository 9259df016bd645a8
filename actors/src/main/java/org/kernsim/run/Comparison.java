package org.kernsim.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.kernsim.engine.Await;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Violation;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

/**
 * Runs the same scenario and seeds under several values of one setting (the variants of a
 * mechanism: {@code kprobes.unoptimize=immediate,delayed}, {@code workqueue.kick=original,claim})
 * and reports every numeric metric per variant (summed over seeds), the ratio of each variant to
 * the last one, and which checkers fired where.
 */
public final class Comparison {
  private Comparison() {}

  public record Variant(
      String value,
      long seeds,
      Map<String, Double> metrics,
      long violatingSeeds,
      Map<String, Long> violationsByChecker,
      List<String> traceSha256) {}

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
        one.put("violatingSeeds", v.violatingSeeds());
        one.put("violationsByChecker", v.violationsByChecker());
        if (v.traceSha256().size() == 1) one.put("traceSha256", v.traceSha256().get(0));
        vs.put(v.value(), one);
      }
      m.put("variants", vs);
      m.put("ratios", ratios);
      m.put("wallMillis", wallMillis);
      return m;
    }
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
    List<Scenario> scenarios = new ArrayList<>();
    for (String v : values) {
      List<String> o = new ArrayList<>(overrides);
      o.add(key + "=" + v);
      scenarios.add(Models.load(scenarioName, o));
    }
    long wallStart = System.nanoTime();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, threads),
            r -> {
              Thread t = new Thread(r, "compare");
              t.setDaemon(true);
              return t;
            });
    List<Variant> variants = new ArrayList<>();
    try {
      List<List<Future<RunResult>>> futures = new ArrayList<>();
      for (Scenario s : scenarios) {
        long until = untilOverride >= 0 ? untilOverride : s.until();
        List<Future<RunResult>> fs = new ArrayList<>();
        for (long seed = first; seed <= last; seed++) {
          long sd = seed;
          fs.add(pool.submit(() -> Explorer.runSeed(s, sd, until)));
        }
        futures.add(fs);
      }
      for (int i = 0; i < values.size(); i++) {
        Map<String, Double> sums = new TreeMap<>();
        Map<String, Long> byChecker = new TreeMap<>();
        List<String> hashes = new ArrayList<>();
        long violating = 0;
        for (Future<RunResult> f : futures.get(i)) {
          RunResult r = Await.result(f);
          if (progress != null) progress.accept(++done);
          hashes.add(r.traceSha256());
          flatten("", r.metrics(), sums);
          if (!r.violations().isEmpty()) {
            violating++;
            r.violations().stream()
                .map(Violation::checker)
                .distinct()
                .forEach(c -> byChecker.merge(c, 1L, Long::sum));
          }
        }
        variants.add(
            new Variant(values.get(i), last - first + 1, sums, violating, byChecker, hashes));
      }
    } finally {
      pool.shutdownNow();
    }
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
