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
 *
 * <p>The JIT compiler is a large part of an exploration's CPU for its first tens of thousands of
 * schedules (C2 compiles the models' event paths, the restores and Kryo's for a long time), so the
 * warm-up goes on until the compiler's threads take at most {@link #JIT_SETTLED} of a repeat's
 * process CPU, and each rate per CPU second is also given without the compiler's CPU.
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
    List<Double> plainNoJit = new ArrayList<>();
    List<Double> forkedNoJit = new ArrayList<>();
    List<Double> jitShare = new ArrayList<>();
    int warmups = 0;
    boolean settled = compilerNanos() < 0; // nothing to wait for where the compiler is not seen
    int measuredSoFar = 0;
    for (int i = 0; measuredSoFar < c.repeat(); i++) {
      // warm-up: the repeats asked for, then on (at most MAX_WARMUP in all) while the JIT
      // compiler's threads still take more than JIT_SETTLED of the process's CPU in a repeat
      boolean measured = i >= c.warmup() && (settled || i >= MAX_WARMUP);
      if (!measured) warmups++;
      long base = 1 + (long) i * c.schedules(); // fresh seeds every time
      long jit0 = compilerNanos();
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
      long jit2 = compilerNanos();
      double share = jit0 < 0 ? 0 : (jit2 - jit0) / Math.max(1.0, cpu2 - cpu0);
      if (!measured) {
        settled = share <= JIT_SETTLED;
      }
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
        measuredSoFar++;
        if (jit0 >= 0) {
          jitShare.add(share);
          // the rates without the compiler's CPU: what a schedule costs once the code is compiled
          double noJit = (cpu2 - cpu0) - (jit2 - jit0);
          double plainPart = (cpu1 - cpu0) / Math.max(1.0, cpu2 - cpu0);
          plainNoJit.add(p.schedulesRun() / Math.max(1e-9, noJit * plainPart / 1e9));
          forkedNoJit.add(f.schedulesRun() / Math.max(1e-9, noJit * (1 - plainPart) / 1e9));
        }
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
    if (!jitShare.isEmpty()) {
      r.put("plainSchedulesPerCpuSecondWithoutJit", stats(plainNoJit));
      r.put("forkedSchedulesPerCpuSecondWithoutJit", stats(forkedNoJit));
      Map<String, Object> js = new LinkedHashMap<>();
      js.put("median", Math.round(median(jitShare) * 1000) / 1000.0);
      js.put("samples", jitShare.stream().map(x -> Math.round(x * 1000) / 1000.0).toList());
      r.put("jitCompilerShareOfProcessCpu", js);
      r.put(
          "withoutJitWhat",
          "the per-CPU-second rates less the CPU of the JIT compiler's threads (C1, C2) in the same"
              + " repeat, split between the plain and the forked exploration in proportion to their"
              + " process CPU: the cost of a schedule once its code is compiled. The warm-up goes on"
              + " past --warmup (at most "
              + MAX_WARMUP
              + " repeats in all) until the compiler takes at most "
              + Math.round(JIT_SETTLED * 100)
              + " % of a repeat's process CPU");
    }
    r.put("warmupRepeats", warmups);
    r.put("jitSettledBeforeMeasuring", settled);
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

  /** The most warm-up repeats (see {@link #JIT_SETTLED}). */
  static final int MAX_WARMUP = 20;

  /**
   * The JIT compiler's share of a repeat's process CPU below which the code counts as compiled:
   * {@code workqueue-kick-cull}'s C2 compiler takes about as much CPU as the schedules for the
   * first ~10,000 of them and still a third after 15,000 (a forked exploration compiles more code).
   */
  static final double JIT_SETTLED = 0.10;

  /**
   * CPU time (ns) of the JIT compiler's threads alive now ({@code /proc/self/task}, threads named
   * {@code C1 CompilerThre...}/{@code C2 CompilerThre...}), or -1 where there is no such file.
   */
  static long compilerNanos() {
    java.nio.file.Path tasks = java.nio.file.Paths.get("/proc/self/task");
    if (!java.nio.file.Files.isDirectory(tasks)) return -1;
    long ticks = 0;
    try (java.nio.file.DirectoryStream<java.nio.file.Path> d =
        java.nio.file.Files.newDirectoryStream(tasks)) {
      for (java.nio.file.Path t : d) {
        try {
          String comm = java.nio.file.Files.readString(t.resolve("comm")).trim();
          if (!comm.startsWith("C1 Compiler") && !comm.startsWith("C2 Compiler")) continue;
          String st = java.nio.file.Files.readString(t.resolve("stat"));
          String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        } catch (java.io.IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (java.io.IOException e) {
      return -1;
    }
    return ticks * 10_000_000L; // USER_HZ = 100 on Linux
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
