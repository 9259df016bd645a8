package org.kernsim.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.kernsim.engine.Await;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.StopRequest;
import org.kernsim.engine.Violation;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * Runs one scenario over a range of seeds, in parallel on all cores, one seed per thread at a time
 * with the sequential driver (the same history, hash and verdicts as the actor driver, at a
 * fraction of the cost). Every seed runs to its end so that each checker's verdict is counted.
 */
public final class Explorer {

  /** What an exploration found. */
  public record Report(
      String scenario,
      long firstSeed,
      long lastSeed,
      long seedsRun,
      List<Long> violatingSeeds,
      Map<String, Long> violationsByChecker,
      Long firstViolationSeed,
      Violation firstViolation,
      String replay,
      double schedulesPerSecond,
      long wallMillis,
      long events,
      Map<String, Long> metricTotals) {

    public Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("scenario", scenario);
      m.put("seeds", firstSeed + ".." + lastSeed);
      m.put("seedsRun", seedsRun);
      m.put("violatingSeeds", violatingSeeds.size());
      m.put(
          "violatingSeedList",
          violatingSeeds.size() > 1000 ? violatingSeeds.subList(0, 1000) : violatingSeeds);
      m.put("violationsByChecker", violationsByChecker);
      if (firstViolation != null) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("seed", firstViolationSeed);
        f.put("checker", firstViolation.checker());
        f.put("atNanos", firstViolation.atNanos());
        f.put("entity", firstViolation.entity());
        f.put("message", firstViolation.message());
        f.put("replay", replay);
        m.put("firstViolation", f);
      } else {
        m.put("firstViolation", null);
      }
      m.put("schedulesPerSecond", Math.round(schedulesPerSecond * 10) / 10.0);
      m.put("wallMillis", wallMillis);
      m.put("events", events);
      m.put("metricTotals", metricTotals);
      return m;
    }
  }

  private Explorer() {}

  /**
   * Explores seeds {@code first..last} (inclusive). With {@code stopAtFirst}, stops launching seeds
   * once a violating seed is found (seeds already running finish).
   */
  public static Report explore(
      String scenarioName,
      List<String> overrides,
      long first,
      long last,
      long untilOverride,
      int threads,
      boolean stopAtFirst,
      LongConsumer progress) {
    Scenario scenario = Models.load(scenarioName, overrides);
    long until = untilOverride >= 0 ? untilOverride : scenario.until();
    long wallStart = System.nanoTime();
    int n = Math.max(1, threads);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            n,
            r -> {
              Thread t = new Thread(r, "explore");
              t.setDaemon(true);
              return t;
            });
    TreeMap<Long, RunResult> violating = new TreeMap<>();
    Map<String, Long> byChecker = new TreeMap<>();
    Map<String, Long> totals = new TreeMap<>();
    AtomicLong events = new AtomicLong();
    long seedsRun = 0;
    try {
      long next = first;
      int batch = n * 8;
      while (next <= last && !StopRequest.requested()) {
        List<Long> seeds = new ArrayList<>();
        List<Future<RunResult>> futures = new ArrayList<>();
        for (int i = 0; i < batch && next <= last; i++, next++) {
          long seed = next;
          seeds.add(seed);
          futures.add(pool.submit(() -> runSeed(scenario, seed, until)));
        }
        for (int i = 0; i < futures.size(); i++) {
          RunResult r = Await.result(futures.get(i));
          // a seed cut short by a signal is not a seed run, unless it violated before the cut
          if (r.endReason() == EndReason.INTERRUPTED && r.violations().isEmpty()) continue;
          seedsRun++;
          events.addAndGet(r.events());
          for (Map.Entry<String, Object> e : r.metrics().entrySet()) {
            if (e.getValue() instanceof Number num && !(e.getValue() instanceof Double)) {
              totals.merge(e.getKey(), num.longValue(), Long::sum);
            }
          }
          if (!r.violations().isEmpty()) {
            violating.put(seeds.get(i), r);
            r.violations().stream()
                .map(Violation::checker)
                .distinct()
                .forEach(c -> byChecker.merge(c, 1L, Long::sum));
          }
          if (progress != null) progress.accept(seedsRun);
        }
        if (stopAtFirst && !violating.isEmpty()) break;
      }
    } finally {
      pool.shutdownNow();
    }
    long wall = (System.nanoTime() - wallStart) / 1_000_000;
    Long firstSeed = violating.isEmpty() ? null : violating.firstKey();
    Violation firstV = firstSeed == null ? null : violating.get(firstSeed).violations().get(0);
    String replay =
        firstSeed == null ? null : replay(scenarioName, overrides, firstSeed, untilOverride);
    return new Report(
        scenario.name(),
        first,
        last,
        seedsRun,
        new ArrayList<>(violating.keySet()),
        byChecker,
        firstSeed,
        firstV,
        replay,
        seedsRun / Math.max(1e-9, wall / 1000.0),
        wall,
        events.get(),
        totals);
  }

  /** Runs one seed (the explorer's unit of work). */
  public static RunResult runSeed(Scenario scenario, long seed, long until) {
    Simulation sim = scenario.build();
    return SequentialDriver.run(sim, RunOptions.of(seed, until));
  }

  public static String replay(String scenario, List<String> overrides, long seed, long until) {
    return new RunSpec(scenario, overrides, seed, until, null, "actors", 1, false).replayCommand();
  }
}
