package org.kernsim.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.schedule.Strategy;
import org.kernsim.models.Models;
import org.kernsim.run.Explorer;
import org.kernsim.scenario.Scenario;

/**
 * {@code kernsim bench explore}: how many schedules per second {@code explore} runs on a scenario,
 * without forking (every schedule a seed from time 0) and forking (each seed simulated once to the
 * fork time, then {@code forks} schedules from its snapshot), beside the events per second of one
 * run of the same scenario on one thread ({@value #SINGLE_RUNS} runs one after the other, as {@code
 * run} makes them: hashed). Repeats are interleaved (plain, forked, single run, ...) so that the
 * machine's drift touches every figure alike; medians, mins and maxes are reported.
 *
 * <p>Beside each rate per wall second, the same rate per CPU second of the whole process (its
 * threads, the collector's and the compiler's included): on a shared machine the wall-clock rates
 * move with the other processes' load, the CPU cost of a schedule much less. The system's load
 * average is reported before and after.
 */
public final class ExploreBench {
  private ExploreBench() {}

  /** Runs of the single-run figure per repeat (one after the other on one thread). */
  static final int SINGLE_RUNS = 20;

  /**
   * @param schedules schedules per measured exploration
   * @param forkAt the fork time (ns)
   * @param forks schedules forked from each seed
   */
  public record Config(
      String scenario,
      List<String> overrides,
      long schedules,
      long forkAt,
      long forks,
      int threads,
      int repeat,
      int warmup,
      Strategy strategy) {}

  public static Map<String, Object> run(Config c) {
    Scenario s = Models.load(c.scenario(), c.overrides());
    List<Double> plain = new ArrayList<>();
    List<Double> forked = new ArrayList<>();
    List<Double> single = new ArrayList<>();
    List<Double> plainCpu = new ArrayList<>();
    List<Double> forkedCpu = new ArrayList<>();
    List<Double> singleCpu = new ArrayList<>();
    double loadBefore = loadAverage();
    long singleEvents = 0;
    long plainViolating = 0;
    long forkedViolating = 0;
    long forkedEvents = 0;
    long plainEvents = 0;
    long prefixMillis = 0;
    for (int i = 0; i < c.warmup() + c.repeat(); i++) {
      boolean measured = i >= c.warmup();
      long base = 1 + (long) i * c.schedules(); // fresh seeds every time
      long cpu0 = cpuNanos();
      Explorer.Report p =
          Explorer.explore(
              Explorer.Plan.seeds(
                  c.scenario(), c.overrides(), base, base + c.schedules() - 1, -1, c.threads()),
              new Explorer.Listener() {});
      long cpu1 = cpuNanos();
      long seeds = Math.max(1, c.schedules() / c.forks());
      Explorer.Report f =
          Explorer.explore(
              Explorer.Plan.builder(c.scenario())
                  .overrides(c.overrides())
                  .seeds(base, base + seeds - 1)
                  .threads(c.threads())
                  .fork(c.forkAt(), c.forks())
                  .strategy(c.strategy())
                  .build(),
              new Explorer.Listener() {});
      long cpu2 = cpuNanos();
      java.lang.management.ThreadMXBean threads =
          java.lang.management.ManagementFactory.getThreadMXBean();
      long tcpu0 =
          threads.getCurrentThreadCpuTime(); // a run is shorter than the process clock's tick
      long t0 = System.nanoTime();
      // SINGLE_RUNS whole runs one after the other (as `run` makes them: hashed), so that the
      // first, which meets code the exploration left compiled for unhashed runs, does not make
      // the figure
      RunResult one = null;
      long oneEvents = 0;
      for (int k = 0; k < SINGLE_RUNS; k++) {
        one = SequentialDriver.run(s.build(), RunOptions.of(base + k, s.until()));
        oneEvents += one.events();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      long tcpu = threads.getCurrentThreadCpuTime() - tcpu0;
      if (measured) {
        plain.add(p.schedulesPerSecond());
        forked.add(f.schedulesPerSecond());
        single.add(oneEvents / Math.max(1e-9, secs));
        plainCpu.add(p.schedulesRun() / Math.max(1e-9, (cpu1 - cpu0) / 1e9));
        forkedCpu.add(f.schedulesRun() / Math.max(1e-9, (cpu2 - cpu1) / 1e9));
        if (tcpu0 >= 0) singleCpu.add(oneEvents / Math.max(1e-9, tcpu / 1e9));
        singleEvents = one.events();
        plainViolating += p.violating();
        forkedViolating += f.violating();
        plainEvents += p.events() / Math.max(1, p.schedulesRun());
        forkedEvents += f.events() / Math.max(1, f.schedulesRun());
        prefixMillis += f.prefixMillis();
      }
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("benchmark", "explore");
    r.put("scenario", c.scenario());
    r.put("overrides", c.overrides());
    r.put("threads", c.threads());
    r.put("schedulesPerRepeat", c.schedules());
    r.put("repeats", c.repeat());
    r.put("plainSchedulesPerSecond", stats(plain));
    Map<String, Object> fk = stats(forked);
    fk.put("forkAtNanos", c.forkAt());
    fk.put("forksPerSeed", c.forks());
    fk.put("strategy", c.strategy().kind().flag());
    fk.put("prefixMillisPerRepeat", prefixMillis / Math.max(1, c.repeat()));
    r.put("forkedSchedulesPerSecond", fk);
    r.put(
        "forkedOverPlain",
        Math.round(median(forked) / Math.max(1e-9, median(plain)) * 100) / 100.0);
    r.put("singleRunEventsPerSecond", stats(single));
    if (cpuNanos() >= 0) {
      r.put("plainSchedulesPerCpuSecond", stats(plainCpu));
      r.put("forkedSchedulesPerCpuSecond", stats(forkedCpu));
      r.put("singleRunEventsPerCpuSecond", stats(singleCpu));
      r.put(
          "perCpuSecondWhat",
          "the same rates per CPU second of the whole process (every thread: explore's, the"
              + " collector's, the compiler's; for the single run, its thread's), which the other"
              + " processes' load moves much less");
    }
    r.put("loadAverageBefore", Math.round(loadBefore * 100) / 100.0);
    r.put("loadAverageAfter", Math.round(loadAverage() * 100) / 100.0);
    r.put("singleRunEvents", singleEvents);
    r.put("singleRunsPerRepeat", SINGLE_RUNS);
    r.put("eventsPerPlainSchedule", plainEvents / Math.max(1, c.repeat()));
    r.put("eventsPerForkedSchedule", forkedEvents / Math.max(1, c.repeat()));
    r.put("violatingPlain", plainViolating);
    r.put("violatingForked", forkedViolating);
    return r;
  }

  /** CPU time of the whole process so far (ns), or -1 where the JVM does not say. */
  static long cpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean o ? o.getProcessCpuTime() : -1;
  }

  static double loadAverage() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static Map<String, Object> stats(List<Double> xs) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median", Math.round(median(xs)));
    m.put("min", Math.round(xs.stream().mapToDouble(Double::doubleValue).min().orElse(0)));
    m.put("max", Math.round(xs.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
    m.put("samples", xs.stream().map(Math::round).toList());
    return m;
  }

  static double median(List<Double> xs) {
    if (xs.isEmpty()) return 0;
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
