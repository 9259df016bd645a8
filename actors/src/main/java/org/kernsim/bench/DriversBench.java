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
 * stop included (what a user of {@code run} waits for, less the JVM's start) — or, with another
 * {@link Timer} (the CLI's {@code --processes}), a whole {@code kernsim run} process. Every run
 * must give the same {@code traceSha256}: a driver that disagrees is a bug, reported as such.
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
      int warmups,
      Timer timer) {
    /** Every run in this JVM ({@link #IN_THIS_JVM}). */
    public Config(
        List<String> scenarios,
        List<String> overrides,
        long seed,
        int partitions,
        int repeats,
        int warmups) {
      this(scenarios, overrides, seed, partitions, repeats, warmups, IN_THIS_JVM);
    }
  }

  /** How one run is made and timed: in this JVM, or (the CLI's) as a fresh {@code kernsim run}. */
  public interface Timer {
    /** What the JSON says about the runs ("in this JVM", ...). */
    String runs();

    /** Runs {@code spec} once, after letting the machine settle, and times it. */
    Measured time(RunSpec spec);
  }

  /** One timed run: its identity (hash, events, windows) and its wall time. */
  public record Measured(String traceSha256, long events, long windows, double millis) {}

  /**
   * {@link Runner#run(RunSpec)} in this JVM, after a full collection and a pause ({@link
   * PholdBench#settle}).
   */
  public static final Timer IN_THIS_JVM =
      new Timer() {
        @Override
        public String runs() {
          return "in this JVM: Runner.run, as kernsim run calls it (the actor system's start and"
              + " stop included, the JVM's start not)";
        }

        @Override
        public Measured time(RunSpec spec) {
          PholdBench.settle();
          long t0 = System.nanoTime();
          RunResult r = Runner.run(spec).result();
          return new Measured(
              r.traceSha256(), r.events(), r.windows(), (System.nanoTime() - t0) / 1e6);
        }
      };

  /** Runs the pairs; {@code step} after each run. */
  public static Map<String, Object> run(Config c, Runnable step) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("benchmark", "drivers");
    r.put("baseline", "sequential driver, the same scenario and seed, paired");
    r.put("runs", c.timer().runs());
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
    Measured last = null;
    String hash = null;
    for (int i = 0; i < c.warmups() + c.repeats(); i++) {
      boolean actorsFirst = i % 2 == 1;
      Measured a = null;
      if (actorsFirst) a = time(c, actors, step);
      Measured s = time(c, sequential, step);
      if (!actorsFirst) a = time(c, actors, step);
      for (Measured t : List.of(s, a)) {
        String h = t.traceSha256();
        if (hash == null) hash = h;
        else if (!hash.equals(h))
          throw new IllegalStateException(
              scenario + ": the drivers disagree: traceSha256 " + hash + " and " + h);
      }
      last = s;
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

  private static Measured time(Config c, RunSpec spec, Runnable step) {
    Measured m = c.timer().time(spec);
    step.run();
    return m;
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
