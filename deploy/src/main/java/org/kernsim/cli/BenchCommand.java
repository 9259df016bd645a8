package org.kernsim.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.kernsim.bench.PholdBench;
import org.kernsim.run.RunSpec;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Quote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark the engine: 'bench phold' runs PHOLD on the actor engine against raw Pekko typed"
          + " tell with the same traffic in the same process, and prints both rates and their ratio.",
      "With --cluster-nodes N: PHOLD on a local cluster of N JVMs against the single-node engine.",
      "'bench explore': explore's schedules/s on a scenario (default workqueue-kick-cull with",
      "workqueue.kick=claim, so nothing stops early), without and with forking, beside one run's",
      "events/s; its warm-up goes on past --warmup (at most 20 repeats) until the JIT compiler",
      "takes at most 10 %% of a repeat's CPU, and it also reports the rates without the compiler's",
      "CPU.",
      "'bench drivers': each scenario (default machine-stop and workqueue-kick-cull; --scenario,",
      "--set) on the actor driver against the sequential driver, in pairs in this process, and",
      "their ratio of wall times pair by pair (the same traceSha256 required of every run);",
      "with --processes each run is a fresh JVM ('kernsim run ... --json'), timed whole.",
      "Exit codes: 0 ok, 1 internal error, 2 bad input, 4 the cluster failed, 5 out of memory,",
      "130/143 interrupted by SIGINT/SIGTERM."
    })
final class BenchCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "BENCHMARK", description = "phold, explore or drivers")
  String benchmark;

  @Option(
      names = "--scenario",
      paramLabel = "SCENARIO",
      defaultValue = "workqueue-kick-cull",
      description =
          "explore: the scenario (default: ${DEFAULT-VALUE}); drivers: the scenarios, comma"
              + " separated (default: machine-stop,workqueue-kick-cull).")
  String scenario;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "explore, drivers: settings (explore's default: workqueue.kick=claim for the default"
              + " scenario).")
  java.util.List<String> sets;

  @Option(
      names = "--schedules",
      paramLabel = "N",
      defaultValue = "3000",
      description = "explore: schedules per measured exploration (default: ${DEFAULT-VALUE}).")
  long schedules;

  @picocli.CommandLine.Mixin ScheduleOptions schedule = new ScheduleOptions();

  @Option(
      names = "--forks",
      paramLabel = "M",
      defaultValue = "100",
      description = "explore: schedules forked from each seed (default: ${DEFAULT-VALUE}).")
  long forks;

  @Option(
      names = "--entities",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Entities (default: ${DEFAULT-VALUE}).")
  int entities;

  @Option(
      names = "--events",
      paramLabel = "M",
      defaultValue = "4000000",
      description = "Events per run, approximately (default: ${DEFAULT-VALUE}).")
  long events;

  @Option(
      names = "--population",
      paramLabel = "J",
      defaultValue = "16",
      description = "Events in flight per entity (default: ${DEFAULT-VALUE}).")
  int population;

  @Option(
      names = "--threads",
      paramLabel = "T",
      description =
          "Dispatcher threads (default: cores); drivers: the actor driver's partitions (default:"
              + " 1, as run).")
  Integer threads;

  @Option(
      names = "--repeat",
      paramLabel = "R",
      defaultValue = "3",
      description = "Measured repetitions; medians are reported (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(
      names = "--warmup",
      paramLabel = "W",
      defaultValue = "1",
      description = "Unmeasured warm-up repetitions (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Option(
      names = "--cluster-nodes",
      paramLabel = "N",
      description = "Also run on a local cluster of N JVM processes on 127.0.0.1 and compare.")
  Integer clusterNodes;

  @Option(
      names = "--partitions-per-node",
      paramLabel = "K",
      description = "Partitions per cluster node (default: kernsim.cluster.partitions-per-node).")
  Integer partitionsPerNode;

  @Option(
      names = "--processes",
      description =
          "drivers: each run a fresh JVM, 'kernsim run SCENARIO --json' as a user runs it, timed"
              + " from its start to its exit (the JVM's start, the actor system's start and stop"
              + " included); this JVM's -XX, -Xmx, -Xms and -Xss options are passed on.")
  boolean processes;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (benchmark.equals("drivers")) return drivers();
    if (processes)
      throw new BadInputException(
          "--processes: only for 'bench drivers', not " + Quote.value(benchmark));
    if (benchmark.equals("explore")) return explore();
    if (!benchmark.equals("phold"))
      throw new BadInputException(
          "unknown benchmark '"
              + Quote.value(benchmark)
              + "' (available: phold, explore, drivers)");
    if (entities < 1) throw new BadInputException("--entities " + entities + ": must be >= 1");
    if (population < 1)
      throw new BadInputException("--population " + population + ": must be >= 1");
    if (events < (long) entities * population) {
      throw new BadInputException(
          "--events "
              + events
              + ": must be at least entities x population ("
              + (long) entities * population
              + ")");
    }
    if (repeat < 1) throw new BadInputException("--repeat " + repeat + ": must be >= 1");
    if (warmup < 0) throw new BadInputException("--warmup " + warmup + ": must be >= 0");
    int t = ScenarioOptions.threads(threads);
    // before the single-node part runs: a bad cluster option must not cost its minutes
    if (clusterNodes != null) Nodes.checkLocalCount("--cluster-nodes", clusterNodes);
    if (partitionsPerNode != null
        && (partitionsPerNode < 1 || partitionsPerNode > ScenarioOptions.MAX_THREADS))
      throw new BadInputException(
          "--partitions-per-node "
              + partitionsPerNode
              + ": expected 1.."
              + ScenarioOptions.MAX_THREADS);
    if (clusterNodes != null) return clusterBench(t);
    Map<String, Object> r;
    try (ProgressBar bar = json ? null : Progress.counter("repetitions", (long) warmup + repeat)) {
      r =
          PholdBench.run(
              new PholdBench.Config(entities, events, population, t, repeat, warmup, seed),
              bar == null ? () -> {} : bar::step);
    }
    if (json) {
      System.out.println(Json.write(r));
    } else {
      System.out.printf(
          "PHOLD: %s entities, population %s, %s events, %s threads%n",
          r.get("entities"), r.get("population"), r.get("events"), r.get("threads"));
      System.out.printf("  engine (actors)   %,d events/s%n", (Long) r.get("eventsPerSecond"));
      System.out.printf("  raw Pekko tell    %,d messages/s%n", (Long) r.get("pekkoTellPerSecond"));
      System.out.printf(
          "  ratio             %s (engine / tell, pair by pair)%n", spread(r, "ratio"));
      System.out.printf(
          "  sequential driver %,d events/s (%,d per CPU second)%n",
          (Long) r.get("sequentialEventsPerSecond"), (Long) r.get("sequentialEventsPerCpuSecond"));
      System.out.printf(
          "  plain Java loop   %,d events per CPU second (same traffic, primitive arrays)%n",
          (Long) r.get("plainLoopEventsPerCpuSecond"));
      System.out.printf(
          "  ratio             %s (sequential / plain loop, pair by pair)%n",
          spread(r, "sequentialToPlainLoop"));
    }
    return ExitCodes.OK;
  }

  private Integer explore() {
    if (schedules < 1) throw new BadInputException("--schedules " + schedules + ": must be >= 1");
    if (forks < 1) throw new BadInputException("--forks " + forks + ": must be >= 1");
    if (repeat < 1 || warmup < 0)
      throw new BadInputException("--repeat must be >= 1 and --warmup >= 0");
    long forkAt = schedule.forkAtNanos();
    if (forkAt < 0) forkAt = 299_000_000_000L;
    java.util.List<String> o =
        sets != null
            ? sets
            : scenario.equals("workqueue-kick-cull")
                ? java.util.List.of("workqueue.kick=claim")
                : java.util.List.of();
    org.kernsim.models.Models.load(scenario, o); // bad input fails before any work
    int t = ScenarioOptions.threads(threads);
    Map<String, Object> r =
        org.kernsim.bench.ExploreBench.run(
            new org.kernsim.bench.ExploreBench.Config(
                scenario, o, schedules, forkAt, forks, t, repeat, warmup, schedule.strategy()));
    if (json) {
      System.out.println(Json.write(r));
      return ExitCodes.OK;
    }
    System.out.printf(
        "explore %s %s: %d schedules per repeat, %d threads, %d repeats (median [min, max])%n",
        scenario, o, schedules, t, repeat);
    System.out.printf(
        "  without forking  %s schedules/s%n", range(r.get("plainSchedulesPerSecond")));
    System.out.printf(
        "  forking at %s x %d  %s schedules/s (%sx)%n",
        org.kernsim.scenario.Durations.pretty(forkAt),
        forks,
        range(r.get("forkedSchedulesPerSecond")),
        r.get("forkedOverPlain"));
    System.out.printf(
        "  one run, one thread  %s events/s (%s events)%n",
        range(r.get("singleRunEventsPerSecond")), r.get("singleRunEvents"));
    if (r.containsKey("plainSchedulesPerCpuSecond"))
      System.out.printf(
          "  per CPU second of the process: %s schedules without forking, %s forking, %s events"
              + " in one run%n",
          range(r.get("plainSchedulesPerCpuSecond")),
          range(r.get("forkedSchedulesPerCpuSecond")),
          range(r.get("singleRunEventsPerCpuSecond")));
    if (r.containsKey("plainSchedulesPerCpuSecondWithoutJit"))
      System.out.printf(
          "  without the JIT compiler's CPU (%s of the process's): %s schedules without forking,"
              + " %s forking; %d warm-up repeats, compiler settled: %s%n",
          ((Map<?, ?>) r.get("jitCompilerShareOfProcessCpu")).get("median"),
          range(r.get("plainSchedulesPerCpuSecondWithoutJit")),
          range(r.get("forkedSchedulesPerCpuSecondWithoutJit")),
          (Integer) r.get("warmupRepeats"),
          r.get("jitSettledBeforeMeasuring"));
    System.out.printf(
        "  load average %s before, %s after%n",
        r.get("loadAverageBefore"), r.get("loadAverageAfter"));
    return ExitCodes.OK;
  }

  private Integer drivers() {
    if (repeat < 1 || warmup < 0)
      throw new BadInputException("--repeat must be >= 1 and --warmup >= 0");
    java.util.List<String> scenarios =
        spec.commandLine().getParseResult().hasMatchedOption("--scenario")
            ? java.util.Arrays.stream(scenario.split(",")).map(String::trim).toList()
            : org.kernsim.bench.DriversBench.DEFAULT_SCENARIOS;
    java.util.List<String> o = sets != null ? sets : java.util.List.of();
    for (String s : scenarios) org.kernsim.models.Models.load(s, o); // bad input before any work
    int partitions =
        threads != null ? ScenarioOptions.threads(threads) : RunSpec.DEFAULT_PARTITIONS;
    Map<String, Object> r;
    try (ProgressBar bar =
        json ? null : Progress.counter("runs", 2L * scenarios.size() * ((long) warmup + repeat))) {
      r =
          org.kernsim.bench.DriversBench.run(
              new org.kernsim.bench.DriversBench.Config(
                  scenarios,
                  o,
                  seed,
                  partitions,
                  repeat,
                  warmup,
                  processes ? new FreshJvmRuns() : org.kernsim.bench.DriversBench.IN_THIS_JVM),
              bar == null ? () -> {} : bar::step);
    }
    if (json) {
      System.out.println(Json.write(r));
      return ExitCodes.OK;
    }
    System.out.printf(
        "actor driver (%d partition%s) against the sequential driver, %d pairs after %d warm-up"
            + " pairs%s (wall ms, median [min, max]; ratio pair by pair)%n",
        partitions,
        partitions == 1 ? "" : "s",
        repeat,
        warmup,
        processes ? ", each run a fresh JVM" : "");
    @SuppressWarnings("unchecked")
    java.util.List<Map<String, Object>> rows =
        (java.util.List<Map<String, Object>>) r.get("scenarios");
    for (Map<String, Object> m : rows) {
      System.out.printf(
          "  %s (%,d events, %,d windows)%n", m.get("scenario"), m.get("events"), m.get("windows"));
      System.out.printf("    sequential  %s ms%n", millis(m.get("sequentialMillis")));
      System.out.printf("    actors      %s ms%n", millis(m.get("actorMillis")));
      System.out.printf("    actors / sequential  %s%n", spread(m, "actorOverSequential"));
    }
    return ExitCodes.OK;
  }

  /**
   * A ratio taken pair by pair: its median {@code [min, max]} ({@code key}, {@code keyMin}, ...).
   */
  private static String spread(Map<String, Object> r, String key) {
    return r.get(key) + " [" + r.get(key + "Min") + ", " + r.get(key + "Max") + "]";
  }

  @SuppressWarnings("unchecked")
  private static String millis(Object stats) {
    Map<String, Object> m = (Map<String, Object>) stats;
    return String.format(
        java.util.Locale.ROOT,
        "%,.1f [%,.1f, %,.1f]",
        (Double) m.get("median"),
        (Double) m.get("min"),
        (Double) m.get("max"));
  }

  @SuppressWarnings("unchecked")
  private static String range(Object stats) {
    Map<String, Object> m = (Map<String, Object>) stats;
    return String.format(
        java.util.Locale.ROOT, "%,d [%,d, %,d]", m.get("median"), m.get("min"), m.get("max"));
  }

  private Integer clusterBench(int threads) {
    if (clusterNodes < 1)
      throw new BadInputException("--cluster-nodes " + clusterNodes + ": must be >= 1");
    int perNode =
        partitionsPerNode != null
            ? partitionsPerNode
            : org.kernsim.config.KernsimSettings.get().cluster().partitionsPerNode();
    if (perNode < 1)
      throw new BadInputException("--partitions-per-node " + perNode + ": must be >= 1");
    PholdBench.Config c =
        new PholdBench.Config(entities, events, population, threads, repeat, warmup, seed);
    Map<String, Object> paired;
    try (ProgressBar bar =
        json ? null : Progress.counter("repetitions", 2 * ((long) warmup + repeat))) {
      Runnable step = bar == null ? () -> {} : bar::step;
      try (Nodes nodes =
          Nodes.local(
              clusterNodes,
              "127.0.0.1",
              new org.kernsim.config.ClusterConfig.Security(
                  org.kernsim.protocol.kryo.ClusterToken.generate(), null),
              null)) {
        paired =
            PholdBench.runPaired(
                c,
                nodes.system,
                clusterNodes,
                perNode,
                step,
                PholdBench::settleMachine,
                nodes::cpuNanos);
      }
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> single = (Map<String, Object>) paired.get("singleNode");
    @SuppressWarnings("unchecked")
    Map<String, Object> cluster = (Map<String, Object>) paired.get("cluster");
    Map<String, Object> r = new java.util.LinkedHashMap<>();
    r.put("benchmark", "phold-cluster");
    r.put("entities", entities);
    r.put("population", population);
    r.put("events", single.get("events"));
    r.put("repeats", repeat);
    r.put("singleNode", single);
    r.put("cluster", cluster);
    long one = (Long) single.get("eventsPerSecond");
    long many = (Long) cluster.get("eventsPerSecond");
    for (String k :
        java.util.List.of(
            "speedup",
            "speedupMin",
            "speedupMax",
            "samplesSpeedup",
            "sameHash",
            "singleNodeCpuNanosPerEvent",
            "clusterCpuNanosPerEvent",
            "cpuPerEventRatio",
            "cpuPerEventRatioMin",
            "cpuPerEventRatioMax",
            "samplesCpuPerEventRatio")) r.put(k, paired.get(k));
    if (json) {
      System.out.println(Json.write(r));
    } else {
      System.out.printf(
          "PHOLD: %s entities, population %s, %s events%n",
          entities, population, single.get("events"));
      System.out.printf(
          "  1 node  (actors, %d threads)                %,d events/s%n", threads, one);
      System.out.printf(
          "  %d nodes (local JVMs, %d partitions per node) %,d events/s%n",
          clusterNodes, perNode, many);
      System.out.printf(
          "  CPU per event (all nodes' processes): 1 node %s ns, %d nodes %s ns; %d nodes / 1 node,"
              + " pair by pair: %s%n",
          r.get("singleNodeCpuNanosPerEvent"),
          clusterNodes,
          r.get("clusterCpuNanosPerEvent"),
          clusterNodes,
          spread(r, "cpuPerEventRatio"));
      System.out.printf(
          "  %d nodes / 1 node, pair by pair: %s, same traceSha256: %s%n",
          clusterNodes, spread(r, "speedup"), r.get("sameHash"));
    }
    return ExitCodes.OK;
  }
}
