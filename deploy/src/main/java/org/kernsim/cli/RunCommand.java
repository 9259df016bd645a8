package org.kernsim.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.Violation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.engine.actor.EarlyActorSystem;
import org.kernsim.models.Models;
import org.kernsim.report.HtmlReport;
import org.kernsim.run.RunSpec;
import org.kernsim.run.Runner;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Durations;
import org.kernsim.scenario.Quote;
import org.kernsim.trace.OutputFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run one scenario for one seed and print a summary (or --json).",
      "On a cluster: --cluster-nodes N starts a local cluster of N JVMs on 127.0.0.1 and runs on it;",
      "--join HOST:PORT runs on an existing cluster ('kernsim node', with its --token-file).",
      "Same JSON, same traceSha256.",
      "Exit codes: 0 ok, 1 internal error, 2 bad input (also an output that cannot be written),",
      "3 an invariant was violated, 4 the cluster did not form or a node was lost during the run,",
      "5 out of memory, 130/143 interrupted by SIGINT/SIGTERM (the summary so far is printed, no",
      "file is written)."
    })
final class RunCommand implements Callable<Integer> {

  @Mixin ScenarioOptions options = new ScenarioOptions();

  @Mixin ScheduleOptions schedule = new ScheduleOptions();

  @Option(
      names = "--perturb",
      paramLabel = "P",
      description =
          "With --fork-at: run perturbation P of the strategy from the fork (one schedule of an"
              + " exploration, as its replay command names it); runs on the sequential driver.")
  Long perturb;

  @Option(
      names = "--then-fork",
      paramLabel = "AT/P[,AT/P...]",
      description =
          "With --fork-at and --perturb (random strategy): then fork again at each AT with"
              + " perturbation P, in order (a coverage-guided schedule's chain, as explore"
              + " --strategy guided prints it).")
  String thenFork;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SCENARIO",
      description =
          "A scenario file, or a built-in name (see 'kernsim scenarios'); none with --from-snapshot.")
  String scenario;

  @Option(
      names = "--snapshot-at",
      paramLabel = "DURATION",
      description =
          "Take a snapshot of the whole simulation at the first window boundary at or after this"
              + " virtual time (e.g. 299s), written to --snapshot; the run goes on to its end.")
  String snapshotAt;

  @Option(
      names = "--snapshot",
      paramLabel = "FILE",
      description = "Where --snapshot-at writes the snapshot.")
  Path snapshot;

  @Option(
      names = "--from-snapshot",
      paramLabel = "FILE",
      description =
          "Go on from a snapshot instead of starting at time 0 (its scenario, settings and seed);"
              + " the run ends with the same traceSha256 as the run it was taken from.")
  Path fromSnapshot;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Run seed, 0..18446744073709551615 (default: ${DEFAULT-VALUE}).",
      converter = ScenarioOptions.Seed.class,
      defaultValue = "1")
  long seed;

  @Option(
      names = "--trace",
      paramLabel = "FILE",
      description = "Write every delivered message and note as JSON Lines (.gz to compress).")
  Path trace;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "Write an HTML report: summary, violations and timeline, metrics, latency histograms.")
  Path report;

  @Option(
      names = "--driver",
      paramLabel = "DRIVER",
      description =
          "actors (Pekko: every entity an actor; the default), sequential (one thread) or"
              + " partitions (faster, entities run by their partition, not actors); all give the"
              + " same traceSha256.",
      defaultValue = "actors")
  String driver;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = {
        "Partitions of the actor driver, each on a dispatcher thread of its own (default: 1; on",
        "a cluster, kernsim.cluster.partitions-per-node). A round carries a few events in the",
        "kernel models, and more partitions make them slower (docs/performance.md); a load with",
        "thousands of events per round (PHOLD) gains from more."
      })
  Integer threads;

  @Option(
      names = "--stop-at-first-violation",
      description = "End the run after the window of the first violation.")
  boolean stopAtFirst;

  @Option(
      names = "--no-timeline",
      description = "Do not print the timeline of the first violation.")
  boolean noTimeline;

  @Mixin ClusterOptions cluster = new ClusterOptions();

  @Option(
      names = "--snapshot-every",
      paramLabel = "N",
      description = {
        "On a cluster: take a snapshot of the whole run every N rounds (0: never; default:",
        "kernsim.cluster.snapshot-every, 1000), held back while the snapshots would take more",
        "than kernsim.cluster.snapshot-max-share (0.05) of the wall time. If a node is lost, the",
        "others go on from the last one and the run ends with the same traceSha256."
      })
  Long snapshotEvery;

  @Option(
      names = "--no-recover",
      description =
          "On a cluster: a lost node ends the run (exit 4) even when there is a snapshot.")
  boolean noRecover;

  @Option(
      names = "--timeline-of",
      paramLabel = "CHECKER",
      description =
          "Print the timeline of this checker's first violation instead of the run's first violation.")
  String timelineOf;

  /** The scenario this run runs (from its file or name, or the snapshot's). */
  private org.kernsim.scenario.Scenario loaded;

  @Override
  public Integer call() {
    Signals.graceful();
    long untilNanos = options.untilNanos();
    OutputFiles.check("--trace", trace);
    OutputFiles.check("--report", report);
    long snapshotAtNanos = -1;
    if ((snapshotAt == null) != (snapshot == null))
      throw new BadInputException("--snapshot-at and --snapshot: give both, or neither");
    if (snapshotAt != null) {
      snapshotAtNanos = ScenarioOptions.duration("--snapshot-at", snapshotAt, 0);
      OutputFiles.check("--snapshot", snapshot);
    }
    // a run on entity actors in this JVM: its actor system is created on a thread of its own while
    // the scenario loads and builds; the run stops it, or, on bad input found meanwhile, close()
    EarlyActorSystem early = earlySystem();
    try {
      return loadAndRun(early, untilNanos, snapshotAtNanos);
    } finally {
      if (early != null) early.close();
    }
  }

  /**
   * The actor system of a run on the embedded actor driver, started now (null: another driver, a
   * cluster run, a forked schedule, or a {@code --threads} that the checks below refuse).
   */
  private EarlyActorSystem earlySystem() {
    if (!driver.equals("actors") || cluster.on() || schedule.forkAt != null) return null;
    int partitions;
    try {
      partitions = threads == null ? RunSpec.DEFAULT_PARTITIONS : ScenarioOptions.threads(threads);
    } catch (BadInputException e) {
      return null; // said, in its turn, by the checks
    }
    return EarlyActorSystem.start(partitions);
  }

  private Integer loadAndRun(EarlyActorSystem early, long untilNanos, long snapshotAtNanos) {
    org.kernsim.protocol.snapshot.SimSnapshot resumed = null;
    if (fromSnapshot != null) {
      if (scenario != null)
        throw new BadInputException(
            "--from-snapshot: the scenario comes from the snapshot; drop " + Quote.value(scenario));
      if (!options.sets.isEmpty())
        throw new BadInputException(
            "--from-snapshot: --set would change the resumed simulation; only --until may differ");
      resumed = org.kernsim.run.SnapshotFile.read("--from-snapshot", fromSnapshot);
      loaded = org.kernsim.run.Runner.scenarioOf(resumed, "--from-snapshot");
      scenario = loaded.name();
    } else if (scenario == null) {
      throw new BadInputException(
          "give a SCENARIO (a file or a built-in name), or --from-snapshot");
    } else {
      loaded = Models.load(scenario, options.sets); // bad input fails here, before any work
    }
    int defaultedThreads =
        threads == null
            ? org.kernsim.run.RunSpec.DEFAULT_PARTITIONS
            : ScenarioOptions.threads(threads);
    if (!driver.equals("actors") && !driver.equals("sequential") && !driver.equals("partitions"))
      throw new BadInputException(
          "--driver " + Quote.value(driver) + ": expected actors, sequential or partitions");
    if (timelineOf != null) checkChecker(timelineOf);
    cluster.check();
    Integer clusterNodes = cluster.clusterNodes;
    HostPort seedNode = cluster.seedNode();
    boolean onCluster = cluster.on();
    if (snapshotEvery != null && snapshotEvery < 0)
      throw new BadInputException("--snapshot-every " + snapshotEvery + ": must be >= 0");
    if (!onCluster && (snapshotEvery != null || noRecover))
      throw new BadInputException(
          "--snapshot-every, --no-recover: only for a cluster run (--cluster-nodes, --join)");
    RunSpec.Fork fork = null;
    long forkAt = schedule.forkAtNanos();
    if ((forkAt >= 0) != (perturb != null))
      throw new BadInputException(
          "--fork-at and --perturb: give both (one forked schedule), or neither");
    if (forkAt >= 0) {
      if (perturb < 0) throw new BadInputException("--perturb " + perturb + ": must be >= 0");
      if (onCluster || fromSnapshot != null || snapshotAt != null)
        throw new BadInputException(
            "--fork-at: a forked schedule runs on one thread; not with --cluster-nodes, --join,"
                + " --snapshot-at or --from-snapshot");
      fork =
          new RunSpec.Fork(
              forkAt, perturb, schedule.strategy(), ScheduleOptions.thenFork(thenFork, forkAt));
    } else if (thenFork != null) {
      throw new BadInputException("--then-fork: needs --fork-at and --perturb (the first fork)");
    } else if (!schedule.strategy.equals("random")) {
      throw new BadInputException(
          "--strategy: needs --fork-at and --perturb (one forked schedule)");
    }
    if (seedNode == null) {
      // a layout that cannot fit this heap is refused before the run starts (an early actor
      // system is stopped by close(); on --cluster-nodes N, this node hosts about 1/N of the
      // entities)
      org.kernsim.scenario.Scenario asked = Models.load(scenario, options.sets);
      org.kernsim.run.MemoryEstimate.of(
              asked,
              asked.build(),
              onCluster || driver.equals("actors"),
              clusterNodes == null ? 1 : 1.0 / clusterNodes)
          .check(Runtime.getRuntime().maxMemory());
    }
    RunSpec spec =
        new RunSpec(
            scenario,
            options.sets,
            seed,
            untilNanos,
            trace,
            onCluster ? "cluster" : fork != null ? "sequential" : driver,
            defaultedThreads,
            stopAtFirst,
            snapshotAtNanos,
            snapshot,
            fromSnapshot,
            fork);
    Runner.Outcome outcome;
    java.util.Map<String, Object> clusterJson = null;
    long progressUntil = untilNanos >= 0 ? untilNanos : loaded.until();
    // a report plots what the run's notes tell over time (only those notes are recorded for it)
    org.kernsim.report.RunSeries series =
        report != null ? new org.kernsim.report.RunSeries() : null;
    java.util.List<org.kernsim.engine.TraceObserver> observers =
        series != null ? java.util.List.of(series) : java.util.List.of();
    try (Progress progress = Progress.forRun(progressUntil)) {
      if (onCluster) {
        try (Nodes nodes = cluster.open(what -> Progress.stage(progress, what))) {
          ClusterRuns.Recorder rec = new ClusterRuns.Recorder();
          int perNode =
              threads != null
                  ? threads
                  : org.kernsim.config.KernsimSettings.get().cluster().partitionsPerNode();
          outcome =
              Runner.run(
                  spec,
                  ClusterRuns.backend(
                      nodes,
                      clusterNodes == null ? 0 : clusterNodes,
                      perNode,
                      snapshotEvery,
                      !noRecover,
                      rec),
                  progress,
                  observers,
                  resumed);
          clusterJson = rec.json();
        }
      } else {
        Runner.Backend backend =
            early == null ? null : (sc, sim, opts) -> ActorDriver.run(early, sim, opts);
        outcome = Runner.run(spec, backend, progress, observers, resumed);
      }
    }
    RunResult r = outcome.result();
    if (r.endReason() == EndReason.INTERRUPTED || org.kernsim.engine.StopRequest.requested())
      return interrupted(outcome, clusterJson);
    if (json) {
      java.util.Map<String, Object> out = outcome.json();
      if (clusterJson != null) out.put("cluster", clusterJson);
      System.out.println(Json.write(out));
    } else {
      printSummary(outcome);
      if (clusterJson != null) System.out.println("cluster: " + clusterJson);
    }
    String timeline = null;
    if (!r.violations().isEmpty() && (!noTimeline || report != null)) {
      Violation first = r.violations().get(0);
      boolean firstOnly = true;
      if (timelineOf != null) {
        Violation of =
            r.violations().stream()
                .filter(v -> v.checker().equals(timelineOf))
                .findFirst()
                .orElse(null);
        if (of == null) {
          (json ? System.err : System.out)
              .println(
                  "\n" + timelineOf + " did not fire in this run; showing the first violation");
        } else {
          first = of;
          firstOnly = false;
        }
      }
      timeline =
          "("
              + first.checker()
              + ")\n"
              + Runner.timeline(outcome.scenario(), spec, first, firstOnly);
      if (!noTimeline)
        (json ? System.err : System.out).println("\nTimeline of the first violation " + timeline);
    }
    if (report != null) {
      HtmlReport.run(
          report,
          outcome.scenario(),
          outcome.spec().seed(),
          spec.replayCommand(),
          r,
          timeline,
          series);
      System.err.println("wrote " + report);
    }
    if (!r.violations().isEmpty()) {
      (json ? System.err : System.out).println("replay: " + spec.replayCommand());
      return ExitCodes.VIOLATION;
    }
    return ExitCodes.OK;
  }

  /**
   * {@code --timeline-of}: a checker this run has (the model's checkers depend on its settings).
   */
  private void checkChecker(String name) {
    java.util.List<String> names =
        loaded.build().checkers().stream().map(org.kernsim.engine.Checker::name).toList();
    if (!names.contains(name)) {
      throw new BadInputException(
          "--timeline-of "
              + Quote.value(name)
              + ": no such checker in this run ("
              + (names.isEmpty() ? "it has none" : "its checkers: " + String.join(", ", names))
              + ")");
    }
  }

  /** A run stopped by SIGINT or SIGTERM: the summary so far, and no file. */
  private int interrupted(Runner.Outcome outcome, java.util.Map<String, Object> clusterJson) {
    if (json) {
      java.util.Map<String, Object> out = outcome.json();
      if (clusterJson != null) out.put("cluster", clusterJson);
      System.out.println(Json.write(out));
    } else {
      printSummary(outcome);
    }
    RunResult r = outcome.result();
    StringBuilder what =
        new StringBuilder("kernsim: interrupted by ")
            .append(org.kernsim.engine.StopRequest.signal());
    if (r.endReason() == EndReason.INTERRUPTED) {
      what.append(" after window ")
          .append(r.windows())
          .append(" (virtual time ")
          .append(Durations.pretty(r.simulatedNanos()))
          .append("): the summary above is of the run so far");
      if (trace != null) what.append("; no --trace file was written");
    } else {
      what.append(" as the run ended");
    }
    if (report != null) what.append("; no --report file was written");
    System.err.println(what);
    return Signals.exitCode();
  }

  private static void printSummary(Runner.Outcome o) {
    RunResult r = o.result();
    System.out.printf(
        "scenario %s (model %s), seed %s%n",
        o.scenario().name(), o.scenario().model().name(), Long.toUnsignedString(o.spec().seed()));
    System.out.printf(
        "events %d, simulated %s, %d windows, wall %d ms, ended: %s%n",
        r.events(),
        Durations.pretty(r.simulatedNanos()),
        r.windows(),
        r.wallMillis(),
        r.endReason().json());
    System.out.println("traceSha256 " + r.traceSha256());
    System.out.println("metrics:");
    for (Map.Entry<String, Object> e : r.metrics().entrySet())
      System.out.println("  " + e.getKey() + " = " + e.getValue());
    if (r.violations().isEmpty()) {
      System.out.println("violations: none");
    } else {
      System.out.println("violations: " + r.violations().size());
      int shown = 0;
      for (Violation v : r.violations()) {
        if (shown++ == 10) {
          System.out.println("  ...");
          break;
        }
        System.out.printf(
            "  %s at %s on %s: %s%n",
            v.checker(), Durations.pretty(v.atNanos()), v.entity(), v.message());
      }
    }
  }
}
