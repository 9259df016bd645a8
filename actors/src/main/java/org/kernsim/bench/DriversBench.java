package org.kernsim.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.engine.RunResult;
import org.kernsim.run.RunSpec;
import org.kernsim.run.Runner;

/**
 * {@code kernsim bench drivers}: a scenario on the actor driver (every entity a Pekko actor, {@code
 * partitions} partitions) against the same scenario on the sequential driver (one thread, no
 * actors), in pairs in this JVM — the baseline is the sequential driver, measured in the same run —
 * and the ratio actor ÷ sequential of their wall times taken pair by pair, who goes first
 * alternating, each run after a full collection and a pause ({@link PholdBench#settle}). A run's
 * time is {@link Runner#run(RunSpec)} as {@code kernsim run} calls it, the actor system's start and
 * stop included (what a user of {@code run} waits for, less the JVM's start). Every run must give
 * the same {@code traceSha256}: a driver that disagrees is a bug, reported as such.
 *
 * <p>Issue 14's goal for the two drivers is an actor driver within 1.5x of the sequential driver's
 * time on {@code machine-stop} and {@code workqueue-kick-cull}, the default scenarios.
 */
public final class DriversBench {
  private DriversBench() {}

  /** The scenarios the goal names. */
  public static final List<String> DEFAULT_SCENARIOS =
      List.of("machine-stop", "workqueue-kick-cull");

  /**
   * @param scenarios built-in names or scenario files, each measured in turn
   * @param overrides {@code KEY=VALUE} settings for every scenario ({@code scenario.until=1s})
   * @param partitions the actor driver's partitions
   */
  public record Config(
      List<String> scenarios,
      List<String> overrides,
      long seed,
      int partitions,
      int repeats,
      int warmups) {}

  /** Runs the pairs; {@code step} after each run. */
  public static Map<String, Object> run(Config c, Runnable step) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("benchmark", "drivers");
    r.put("baseline", "sequential driver, the same scenario and seed, paired in this JVM");
    r.put("partitions", c.partitions());
    r.put("repeats", c.repeats());
    r.put("warmups", c.warmups());
    List<Map<String, Object>> out = new ArrayList<>();
    for (String scenario : c.scenarios()) out.add(scenario(c, scenario, step));
    r.put("scenarios", out);
    r.put("loadAverage", Math.round(ExploreBench.loadAverage() * 100) / 100.0);
    return r;
  }

  private static Map<String, Object> scenario(Config c, String scenario, Runnable step) {
    RunSpec sequential =
        new RunSpec(scenario, c.overrides(), c.seed(), -1, null, "sequential", 1, false);
    RunSpec actors =
        new RunSpec(scenario, c.overrides(), c.seed(), -1, null, "actors", c.partitions(), false);
    List<Double> seqMillis = new ArrayList<>();
    List<Double> actorMillis = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    RunResult last = null;
    String hash = null;
    for (int i = 0; i < c.warmups() + c.repeats(); i++) {
      boolean actorsFirst = i % 2 == 1;
      Timed a = null;
      if (actorsFirst) a = time(actors, step);
      Timed s = time(sequential, step);
      if (!actorsFirst) a = time(actors, step);
      for (Timed t : List.of(s, a)) {
        String h = t.result().traceSha256();
        if (hash == null) hash = h;
        else if (!hash.equals(h))
          throw new IllegalStateException(
              scenario + ": the drivers disagree: traceSha256 " + hash + " and " + h);
      }
      last = s.result();
      if (i < c.warmups()) continue;
      seqMillis.add(s.millis());
      actorMillis.add(a.millis());
      ratios.add(a.millis() / Math.max(1e-6, s.millis()));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenario", scenario);
    m.put("events", last.events());
    m.put("windows", last.windows());
    m.put("traceSha256", hash);
    m.put("sequentialMillis", stats(seqMillis));
    m.put("actorMillis", stats(actorMillis));
    m.put("actorOverSequential", PholdBench.round3(ExploreBench.median(ratios)));
    m.put("actorOverSequentialMin", PholdBench.round3(PholdBench.min(ratios)));
    m.put("actorOverSequentialMax", PholdBench.round3(PholdBench.max(ratios)));
    m.put("samplesActorOverSequential", ratios.stream().map(PholdBench::round3).toList());
    return m;
  }

  private record Timed(RunResult result, double millis) {}

  private static Timed time(RunSpec spec, Runnable step) {
    PholdBench.settle();
    long t0 = System.nanoTime();
    RunResult r = Runner.run(spec).result();
    Timed t = new Timed(r, (System.nanoTime() - t0) / 1e6);
    step.run();
    return t;
  }

  /** Milliseconds to the microsecond: median, min, max and the samples. */
  private static Map<String, Object> stats(List<Double> xs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median", PholdBench.round3(ExploreBench.median(xs)));
    m.put("min", PholdBench.round3(PholdBench.min(xs)));
    m.put("max", PholdBench.round3(PholdBench.max(xs)));
    m.put("samples", xs.stream().map(PholdBench::round3).toList());
    return m;
  }
}
