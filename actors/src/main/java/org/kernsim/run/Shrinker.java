package org.kernsim.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.kernsim.engine.Await;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Violation;
import org.kernsim.models.Models;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Scenario;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/**
 * Shrinks a violating run to a smaller one that still violates the same checker: it tries lower
 * values of the model's shrinkable settings (and of the fault plan's rates, down to zero) — the
 * minimum, half, one less — keeping a change when the same checker still fires on the seed or one
 * of the next few seeds. The result is a scenario, a seed and the command that replays it.
 */
public final class Shrinker {

  public record Step(String key, String from, String to, long seed) {}

  public record Result(
      List<String> overrides,
      long seed,
      Violation violation,
      String replay,
      int runs,
      List<Step> steps) {}

  static final List<String> FAULT_KEYS =
      List.of("faults.delay.probability", "faults.drop.probability", "faults.preempt.rate");

  private Shrinker() {}

  public static Result shrink(
      String scenarioName,
      List<String> overrides,
      long seed,
      String checker,
      long untilOverride,
      int threads,
      int budget) {
    Map<String, String> current = new LinkedHashMap<>();
    for (String o : overrides) {
      int eq = o.indexOf('=');
      current.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
    }
    int seedsPerTry = Math.max(4, threads * 2);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, threads),
            r -> {
              Thread t = new Thread(r, "shrink");
              t.setDaemon(true);
              return t;
            });
    List<Step> steps = new ArrayList<>();
    int runs = 0;
    long bestSeed = seed;
    Violation bestViolation = null;
    try {
      boolean progress = true;
      while (progress && runs < budget && !org.kernsim.engine.StopRequest.requested()) {
        progress = false;
        Scenario base = Models.load(scenarioName, asList(current));
        List<String> keys = new ArrayList<>(base.model().shrinkable());
        for (String k : FAULT_KEYS) if (base.settings().has(k)) keys.add(k);
        outer:
        for (String key : keys) {
          for (String candidate : candidates(base.settings(), key)) {
            if (runs >= budget) break outer;
            Map<String, String> trial = new LinkedHashMap<>(current);
            trial.put(key, candidate);
            Scenario s;
            try {
              s = Models.load(scenarioName, asList(trial));
              s.build();
            } catch (RuntimeException invalid) {
              continue; // the smaller value is not a valid scenario (e.g. fewer CPUs than NUMA
              // nodes)
            }
            long until = untilOverride >= 0 ? untilOverride : s.until();
            List<Future<RunResult>> futures = new ArrayList<>();
            for (int i = 0; i < seedsPerTry; i++) {
              long sd = bestSeed + i;
              futures.add(pool.submit(() -> Explorer.runSeed(s, sd, until)));
            }
            runs += seedsPerTry;
            for (int i = 0; i < futures.size(); i++) {
              RunResult r = Await.result(futures.get(i));
              Violation v =
                  r.violations().stream()
                      .filter(x -> x.checker().equals(checker))
                      .findFirst()
                      .orElse(null);
              if (v != null) {
                steps.add(new Step(key, base.settings().asText(key), candidate, bestSeed + i));
                current = trial;
                bestSeed = bestSeed + i;
                bestViolation = v;
                for (Future<RunResult> f : futures) f.cancel(true);
                progress = true;
                break outer;
              }
            }
          }
        }
      }
    } finally {
      pool.shutdownNow();
    }
    if (bestViolation == null) {
      Scenario s = Models.load(scenarioName, asList(current));
      RunResult r = Explorer.runSeed(s, bestSeed, untilOverride >= 0 ? untilOverride : s.until());
      bestViolation =
          r.violations().stream().filter(x -> x.checker().equals(checker)).findFirst().orElse(null);
      runs++;
    }
    List<String> out = asList(current);
    return new Result(
        out,
        bestSeed,
        bestViolation,
        Explorer.replay(scenarioName, out, bestSeed, untilOverride),
        runs,
        steps);
  }

  /** Smaller values of {@code key}, most aggressive first. */
  static List<String> candidates(Settings s, String key) {
    Setting st = s.setting(key);
    Object v = s.value(key);
    List<String> out = new ArrayList<>();
    if (st instanceof Setting.IntSetting i) {
      long cur = (Long) v;
      for (long c : new long[] {i.min(), cur / 2, cur - 1}) {
        if (c >= i.min() && c < cur && !out.contains(Long.toString(c))) out.add(Long.toString(c));
      }
    } else if (st instanceof Setting.DoubleSetting d) {
      double cur = (Double) v;
      for (double c : new double[] {d.min(), cur / 2}) {
        if (c >= d.min() && c < cur && !out.contains(Double.toString(c)))
          out.add(Double.toString(c));
      }
    } else if (st instanceof Setting.BoolSetting) {
      if (Boolean.TRUE.equals(v)) out.add("false"); // a feature of the workload switched off
    } else if (st instanceof Setting.DurationSetting d) {
      long cur = (Long) v;
      for (long c : new long[] {d.minNanos(), cur / 2}) {
        if (c >= d.minNanos() && c < cur && !out.contains(Durations.format(c)))
          out.add(Durations.format(c));
      }
    }
    return out;
  }

  private static List<String> asList(Map<String, String> m) {
    List<String> out = new ArrayList<>();
    m.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }
}
