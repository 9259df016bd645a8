package org.kernsim.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.kernsim.bench.PholdBench;
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
      "Exit codes: 0 ok, 1 internal error, 2 bad input, 4 the cluster failed, 5 out of memory,",
      "130/143 interrupted by SIGINT/SIGTERM."
    })
final class BenchCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "BENCHMARK", description = "phold")
  String benchmark;

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
      description = "Dispatcher threads (default: cores).")
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

  @Override
  public Integer call() {
    if (!benchmark.equals("phold"))
      throw new BadInputException(
          "unknown benchmark '" + Quote.value(benchmark) + "' (available: phold)");
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
          "  ratio             %s (min %s, max %s; engine / tell, pair by pair)%n",
          r.get("ratio"), r.get("ratioMin"), r.get("ratioMax"));
      System.out.printf(
          "  sequential driver %,d events/s%n", (Long) r.get("sequentialEventsPerSecond"));
    }
    return ExitCodes.OK;
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
    Map<String, Object> single;
    Map<String, Object> cluster;
    try (ProgressBar bar =
        json ? null : Progress.counter("repetitions", 2 * ((long) warmup + repeat))) {
      Runnable step = bar == null ? () -> {} : bar::step;
      single = PholdBench.runSingleNode(c, step);
      try (Nodes nodes =
          Nodes.local(
              clusterNodes,
              "127.0.0.1",
              new org.kernsim.config.ClusterConfig.Security(
                  org.kernsim.protocol.kryo.ClusterToken.generate(), null),
              null)) {
        cluster = PholdBench.runCluster(c, nodes.system, clusterNodes, perNode, step);
      }
    }
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
    r.put("speedup", Math.round(many * 1000.0 / Math.max(1, one)) / 1000.0);
    r.put("sameHash", single.get("traceSha256").equals(cluster.get("traceSha256")));
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
          "  speedup %s, same traceSha256: %s%n", r.get("speedup"), r.get("sameHash"));
    }
    return ExitCodes.OK;
  }
}
