package org.kernsim.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.kernsim.actors.phold.PholdModel;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.scenario.Settings;

/**
 * {@code kernsim bench phold}: PHOLD on the actor engine, against raw Pekko typed {@code tell} with
 * the same traffic in the same ActorSystem (so the same dispatcher and threads), in pairs,
 * reporting the pair-by-pair ratio (min, median, max) and the sequential driver's rate, paired with
 * a plain Java loop doing the same traffic ({@link PlainPhold}) on the same thread, by CPU time.
 * Traces off; the trace hash is computed as in every run.
 */
public final class PholdBench {
  private PholdBench() {}

  public record Config(
      int entities, long events, int population, int threads, int repeats, int warmups, long seed) {
    int ttl() {
      long perEvent = Math.max(1, events / ((long) entities * population));
      return (int) Math.max(0, Math.min(Integer.MAX_VALUE, perEvent - 1));
    }
  }

  /**
   * Runs the engine and the raw-{@code tell} baseline in turn in one ActorSystem (who goes first
   * alternates pair by pair), then the sequential driver and the plain loop (alternating too); each
   * pair gives one ratio, so a drift in the machine's speed moves both sides of a ratio alike.
   * Reports the ratios' min, median and max.
   */
  public static Map<String, Object> run(Config c) {
    return run(c, () -> {});
  }

  /** As {@link #run(Config)}; {@code step} runs after each repetition (a progress bar). */
  public static Map<String, Object> run(Config c, Runnable step) {
    PholdModel.Phold sim =
        (PholdModel.Phold)
            new PholdModel()
                .build(
                    Settings.defaults(
                        new PholdModel(),
                        Map.of(
                            "phold.entities", "" + c.entities(),
                            "phold.population", "" + c.population(),
                            "phold.ttl", "" + c.ttl())));
    ActorSystem<Void> system =
        ActorDriver.newSystem("kernsim-bench", ActorDriver.config(c.threads()));
    List<Double> engine = new ArrayList<>();
    List<Double> tell = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    List<Double> sequential = new ArrayList<>();
    List<Double> sequentialCpu = new ArrayList<>();
    List<Double> plainCpu = new ArrayList<>();
    List<Double> plainRatios = new ArrayList<>();
    java.lang.management.ThreadMXBean cpu =
        java.lang.management.ManagementFactory.getThreadMXBean();
    RunResult last = null;
    RunResult seq = null;
    long expected = (long) c.entities() * c.population() * (c.ttl() + 1L);
    try {
      for (int i = 0; i < c.warmups() + c.repeats(); i++) {
        // engine and tell alternate who goes first, pair by pair, and so do the sequential driver
        // and the plain loop: a drift of the machine's speed within a pair does not favour a side
        boolean engineFirst = i % 2 == 0;
        double tps = engineFirst ? 0 : tellRate(system, c);
        settle();
        long t0 = System.nanoTime();
        RunResult r =
            ActorDriver.run(system, sim, RunOptions.of(c.seed(), Long.MAX_VALUE), c.threads());
        double eps = r.events() / ((System.nanoTime() - t0) / 1e9);
        if (engineFirst) tps = tellRate(system, c);
        double plain = engineFirst ? 0 : plainRate(sim, c, cpu, expected);
        settle();
        long c0 = cpu.getCurrentThreadCpuTime();
        long s0 = System.nanoTime();
        seq = SequentialDriver.run(sim, RunOptions.of(c.seed(), Long.MAX_VALUE));
        double seqEps = seq.events() / ((System.nanoTime() - s0) / 1e9);
        double seqCpu = seq.events() / ((cpu.getCurrentThreadCpuTime() - c0) / 1e9);
        if (engineFirst) plain = plainRate(sim, c, cpu, expected);
        if (i >= c.warmups()) {
          engine.add(eps);
          tell.add(tps);
          ratios.add(eps / tps);
          sequential.add(seqEps);
          sequentialCpu.add(seqCpu);
          plainCpu.add(plain);
          plainRatios.add(seqCpu / plain);
        }
        last = r;
        step.run();
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("benchmark", "phold");
    m.put("entities", c.entities());
    m.put("population", c.population());
    m.put("ttl", c.ttl());
    m.put("events", last.events());
    m.put("threads", c.threads());
    m.put("repeats", c.repeats());
    m.put("windows", last.windows());
    m.put("eventsPerSecond", Math.round(median(engine)));
    m.put("pekkoTellPerSecond", Math.round(median(tell)));
    m.put("ratio", round3(median(ratios)));
    m.put("ratioMin", round3(min(ratios)));
    m.put("ratioMax", round3(max(ratios)));
    m.put("sequentialEventsPerSecond", Math.round(median(sequential)));
    m.put("sequentialEventsPerCpuSecond", Math.round(median(sequentialCpu)));
    m.put("plainLoopEventsPerCpuSecond", Math.round(median(plainCpu)));
    m.put("sequentialToPlainLoop", round3(median(plainRatios)));
    m.put("sequentialToPlainLoopMin", round3(min(plainRatios)));
    m.put("sequentialToPlainLoopMax", round3(max(plainRatios)));
    m.put("traceSha256", last.traceSha256());
    m.put("sameHashSequential", last.traceSha256().equals(seq.traceSha256()));
    m.put("samplesEventsPerSecond", engine.stream().map(Math::round).toList());
    m.put("samplesTellPerSecond", tell.stream().map(Math::round).toList());
    m.put("samplesRatio", ratios.stream().map(PholdBench::round3).toList());
    m.put("samplesSequentialEventsPerSecond", sequential.stream().map(Math::round).toList());
    m.put("samplesSequentialEventsPerCpuSecond", sequentialCpu.stream().map(Math::round).toList());
    m.put("samplesPlainLoopEventsPerCpuSecond", plainCpu.stream().map(Math::round).toList());
    m.put("samplesSequentialToPlainLoop", plainRatios.stream().map(PholdBench::round3).toList());
    return m;
  }

  private static double tellRate(ActorSystem<?> system, Config c) {
    settle();
    return PekkoTellBaseline.run(system, c.entities(), c.population(), c.ttl(), c.seed());
  }

  /** How long every timed side waits after the full collection before it starts. */
  static final long SETTLE_MILLIS = 200;

  /**
   * Before every timed side (engine, {@code tell}, sequential driver, plain loop) alike: a full
   * collection of what the previous side left in the heap, then a pause in which the collector's
   * and Pekko's threads go quiet, so that a side does not pay for the garbage of the one before it
   * (with who goes first alternating, the first side of a pair was the slower one: 0.38-0.56 engine
   * first, 0.68-1.00 {@code tell} first, on 2026-12-07).
   */
  static void settle() {
    System.gc();
    System.gc();
    try {
      Thread.sleep(SETTLE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * {@link #settle()}, then until the machine's CPUs are mostly idle (under a quarter busy in a
   * 100-ms sample), at most {@link #QUIET_MAX_MILLIS}: a cluster node's JVM goes on after a run
   * (stopping its entities, compiling), and a run timed while it does would pay for it — the
   * single-node run after a cluster run measured 10-30 % slower than the one before it.
   */
  public static void settleMachine() {
    settle();
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (!(os instanceof com.sun.management.OperatingSystemMXBean sun)) return;
    long deadline = System.nanoTime() + QUIET_MAX_MILLIS * 1_000_000L;
    sun.getCpuLoad(); // the first reading starts the interval
    try {
      do Thread.sleep(100);
      while (sun.getCpuLoad() > 0.25 && System.nanoTime() < deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static final long QUIET_MAX_MILLIS = 3_000;

  /** CPU time this JVM has used so far (every thread: the engine's, the JIT's, the collector's). */
  public static long processCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
  }

  /** The plain loop's events per CPU second of this thread ({@link PlainPhold}). */
  private static double plainRate(
      PholdModel.Phold sim, Config c, java.lang.management.ThreadMXBean cpu, long expected) {
    settle();
    long c0 = cpu.getCurrentThreadCpuTime();
    long n =
        PlainPhold.run(
            c.entities(), c.population(), c.ttl(), sim.lookahead(), sim.meanExtra(), c.seed());
    if (n != expected)
      throw new IllegalStateException("plain PHOLD delivered " + n + " events, not " + expected);
    return n / ((cpu.getCurrentThreadCpuTime() - c0) / 1e9);
  }

  static double round3(double x) {
    return Math.round(x * 1000) / 1000.0;
  }

  static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  /**
   * PHOLD on the single-node actor engine and on the cluster {@code system} belongs to, in pairs:
   * each repetition runs both, the two taking turns to go first, and the 3-node ÷ 1-node ratio is
   * taken pair by pair (a drift of a shared machine's speed between the two phases of a run would
   * otherwise land on one side: the single-node runs used to come all first). {@code step} after
   * each run.
   *
   * <p>{@code settle} runs before each timed run ({@link #settleMachine} for the bench; a test's:
   * nothing). {@code clusterCpuNanos}: the CPU time all the cluster's nodes have used so far (this
   * JVM's included); the single-node runs are measured with this JVM's. Their CPU per event, pair
   * by pair, is the cost of distribution that does not depend on how many cores the machine has or
   * what else it runs (on one 2-core machine shared by three JVMs, the events/s ratio is that and
   * the sharing).
   */
  public static Map<String, Object> runPaired(
      Config c,
      ActorSystem<?> system,
      int nodes,
      int perNode,
      Runnable step,
      Runnable settle,
      java.util.function.LongSupplier clusterCpuNanos) {
    java.util.function.LongSupplier ownCpu = PholdBench::processCpuNanos;
    PholdModel.Phold sim = (PholdModel.Phold) scenario(c).build();
    org.kernsim.scenario.Scenario scenario = scenario(c);
    org.kernsim.engine.cluster.ClusterDriver.Target target =
        org.kernsim.engine.cluster.ClusterDriver.Target.of(
            nodes,
            perNode,
            org.kernsim.config.KernsimSettings.from(system.settings().config()).cluster());
    ActorSystem<Void> one = ActorDriver.newSystem("kernsim-bench", ActorDriver.config(c.threads()));
    List<Double> single = new ArrayList<>();
    List<Double> cluster = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    List<Double> singleCpu = new ArrayList<>(); // CPU nanoseconds per event
    List<Double> clusterCpu = new ArrayList<>();
    List<Double> cpuRatios = new ArrayList<>();
    RunResult lastSingle = null;
    org.kernsim.engine.cluster.ClusterDriver.Outcome lastCluster = null;
    try {
      for (int i = 0; i < c.warmups() + c.repeats(); i++) {
        double a = 0;
        double b = 0;
        double ca = 0;
        double cb = 0;
        for (int turn = 0; turn < 2; turn++) {
          boolean clusterTurn = (turn == 0) == (i % 2 == 1); // the single node first in even pairs
          settle.run();
          java.util.function.LongSupplier cpu = clusterTurn ? clusterCpuNanos : ownCpu;
          long cpu0 = cpu.getAsLong();
          long t0 = System.nanoTime();
          if (clusterTurn) {
            lastCluster =
                org.kernsim.engine.cluster.ClusterDriver.run(
                    system,
                    org.kernsim.models.Models::simulation,
                    org.kernsim.models.Models.clusterJob(scenario, scenario.build()),
                    RunOptions.of(c.seed(), Long.MAX_VALUE),
                    target);
            b = lastCluster.result().events() / ((System.nanoTime() - t0) / 1e9);
            cb = (double) (cpu.getAsLong() - cpu0) / lastCluster.result().events();
          } else {
            lastSingle =
                ActorDriver.run(one, sim, RunOptions.of(c.seed(), Long.MAX_VALUE), c.threads());
            a = lastSingle.events() / ((System.nanoTime() - t0) / 1e9);
            ca = (double) (cpu.getAsLong() - cpu0) / lastSingle.events();
          }
          step.run();
        }
        if (i >= c.warmups()) {
          single.add(a);
          cluster.add(b);
          ratios.add(b / a);
          singleCpu.add(ca);
          clusterCpu.add(cb);
          cpuRatios.add(cb / ca);
        }
      }
    } finally {
      one.terminate();
      one.getWhenTerminated().toCompletableFuture().join();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("singleNode", figures(single, lastSingle, Map.of("threads", c.threads())));
    m.put(
        "cluster",
        figures(
            cluster,
            lastCluster.result(),
            Map.of(
                "nodes",
                nodes,
                "partitionsPerNode",
                perNode,
                "crossNodeEvents",
                lastCluster.crossNodeEvents().values().stream().mapToLong(Long::longValue).sum(),
                "rounds",
                lastCluster.rounds(),
                "speculatedRounds",
                lastCluster.speculatedRounds(),
                "undoneRounds",
                lastCluster.undoneRounds())));
    m.put("speedup", round3(median(ratios)));
    m.put("speedupMin", round3(min(ratios)));
    m.put("speedupMax", round3(max(ratios)));
    m.put("samplesSpeedup", ratios.stream().map(PholdBench::round3).toList());
    m.put("sameHash", lastSingle.traceSha256().equals(lastCluster.result().traceSha256()));
    m.put("singleNodeCpuNanosPerEvent", round3(median(singleCpu)));
    m.put("clusterCpuNanosPerEvent", round3(median(clusterCpu)));
    m.put("cpuPerEventRatio", round3(median(cpuRatios)));
    m.put("cpuPerEventRatioMin", round3(min(cpuRatios)));
    m.put("cpuPerEventRatioMax", round3(max(cpuRatios)));
    m.put("samplesCpuPerEventRatio", cpuRatios.stream().map(PholdBench::round3).toList());
    return m;
  }

  private static org.kernsim.scenario.Scenario scenario(Config c) {
    return org.kernsim.scenario.Scenarios.fromMap(
        new PholdModel(),
        Map.of(
            "phold.entities", "" + c.entities(),
            "phold.population", "" + c.population(),
            "phold.ttl", "" + c.ttl()));
  }

  private static Map<String, Object> figures(
      List<Double> eps, RunResult last, Map<String, Object> extra) {
    Map<String, Object> m = new LinkedHashMap<>(new java.util.TreeMap<>(extra));
    m.put("events", last.events());
    m.put("windows", last.windows());
    m.put("eventsPerSecond", Math.round(median(eps)));
    m.put("samplesEventsPerSecond", eps.stream().map(Math::round).toList());
    m.put("traceSha256", last.traceSha256());
    return m;
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
