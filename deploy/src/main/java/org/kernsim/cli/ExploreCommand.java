package org.kernsim.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.kernsim.models.Models;
import org.kernsim.run.ClusterExplorer;
import org.kernsim.run.Explorer;
import org.kernsim.run.RunSpec;
import org.kernsim.run.Runner;
import org.kernsim.run.Shrinker;
import org.kernsim.scenario.BadInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "explore",
    mixinStandardHelpOptions = true,
    description = {
      "Run a scenario over many seeds in parallel on all cores and report which invariants fired.",
      "On a cluster: --cluster-nodes N starts a local cluster of N JVMs on 127.0.0.1, --join",
      "HOST:PORT uses an existing one ('kernsim node'); schedules are spread over the nodes in",
      "batches (each schedule runs whole on one node, --threads batches at once per node), the",
      "violating set and the summary are those of one node, and a lost node's unfinished batches",
      "run again on the others.",
      "Exit codes: 0 no seed violated an invariant, 1 internal error, 2 bad input, 3 some seed",
      "violated an invariant, 4 the cluster did not form or every node of it was lost, 5 out of",
      "memory, 130/143 interrupted by SIGINT/SIGTERM (what was found so far is printed)."
    })
final class ExploreCommand implements Callable<Integer> {

  @Mixin ScenarioOptions options = new ScenarioOptions();

  @Parameters(
      index = "0",
      paramLabel = "SCENARIO",
      description = "A scenario file, or a built-in name.")
  String scenario;

  @Option(
      names = "--seeds",
      paramLabel = "A..B",
      required = true,
      description = "Seed range, inclusive (e.g. 1..10000), or one seed.")
  String seeds;

  @Option(names = "--json", description = "Print one JSON object on stdout.")
  boolean json;

  @Option(names = "--stop-at-first", description = "Stop launching seeds once one violates.")
  boolean stopAtFirst;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description =
          "Seeds run in parallel (default: cores); on a cluster, batches each node runs at once"
              + " (default: the node's cores).")
  Integer threads;

  @Mixin ClusterOptions cluster = new ClusterOptions();

  @Option(
      names = "--no-timeline",
      description = "Do not print the timeline of the first violation.")
  boolean noTimeline;

  @Option(
      names = "--shrink",
      description =
          "Shrink the first violation: lower the model's sizes and the fault rates while the same"
              + " checker still fires; with --strategy guided, its chain of forks (drop forks,"
              + " move them later, lower the settings, end the run at the violation).")
  boolean shrink;

  @Option(
      names = "--shrink-budget",
      paramLabel = "RUNS",
      defaultValue = "400",
      description = "Most runs the shrinker may spend (default: ${DEFAULT-VALUE}).")
  int shrinkBudget;

  @Mixin ScheduleOptions schedule = new ScheduleOptions();

  @Option(
      names = "--forks",
      paramLabel = "M",
      description =
          "With --fork-at: schedules forked from each seed's snapshot, perturbations 1..M"
              + " (default: 100).")
  Long forks;

  @Option(
      names = "--coverage",
      description =
          "Count the distinct abstract states and transitions the schedules reach (worker pools,"
              + " the kprobe core) and how they grew (JSON, and a plot with --report).")
  boolean coverage;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description =
          "Write an HTML report: the exploration, the first violation with its timeline, the"
              + " coverage growth plot.")
  java.nio.file.Path reportFile;

  @Option(
      names = "--swarm",
      description =
          "Swarm testing: each schedule switches a random subset of the scenario's fault plan on"
              + " (faults.delay, faults.drop, faults.preempt, faults.hotplug.rate,"
              + " faults.hotplug.plan, those that are on), a function of its seed; the summary"
              + " counts schedules and violations per subset, and the replay names the settings"
              + " that switch the others off.")
  boolean swarm;

  @Option(
      names = "--violations",
      paramLabel = "FILE",
      description =
          "Write every violating schedule to FILE as it is found, one line each: seed,"
              + " perturbation (with --fork-at), the checkers that fired.")
  java.nio.file.Path violationsFile;

  @Option(
      names = "--guided-seed",
      paramLabel = "G",
      defaultValue = "1",
      description =
          "With --strategy guided: the exploration's own seed (which points it goes on from, the"
              + " perturbation seeds); default ${DEFAULT-VALUE}.")
  long guidedSeed;

  @Option(
      names = "--guided-fresh",
      paramLabel = "F",
      defaultValue = "0.5",
      description =
          "With --strategy guided: the probability that a schedule is the next fresh seed rather"
              + " than a continuation from the corpus; default ${DEFAULT-VALUE}.")
  double guidedFresh;

  @Override
  public Integer call() {
    Signals.graceful();
    if (shrinkBudget < 0)
      throw new BadInputException("--shrink-budget " + shrinkBudget + ": must be >= 0");
    long[] range = parseSeeds(seeds);
    long untilNanos = options.untilNanos();
    int n = ScenarioOptions.threads(threads);
    Models.load(scenario, options.sets); // bad input fails here, before any work
    long forkAt = schedule.forkAtNanos();
    org.kernsim.engine.schedule.Strategy strategy = schedule.strategy();
    long perSeed = forks != null ? forks : forkAt < 0 ? 1 : 100;
    Explorer.Plan plan =
        Explorer.Plan.builder(scenario)
            .overrides(options.sets)
            .seeds(range[0], range[1])
            .until(untilNanos)
            .threads(n)
            .stopAtFirst(stopAtFirst)
            .fork(forkAt, perSeed)
            .strategy(strategy)
            .coverage(coverage)
            .swarm(swarm)
            .build()
            .validate();
    if (shrink && forkAt >= 0)
      throw new BadInputException("--shrink: not with --fork-at (it shrinks a seed's settings)");
    if (schedule.guided()) {
      // --fork-at and --forks: GuidedExplorer refuses them with the plan
      if (violationsFile != null || cluster.on())
        throw new BadInputException(
            "--strategy guided: runs on one node and picks its own schedules; not with"
                + " --violations, --cluster-nodes or --join");
      return exploreGuided(plan);
    }
    if (swarm && shrink)
      throw new BadInputException(
          "--shrink: not with --swarm (replay the schedule with its settings, then shrink that)");
    org.kernsim.run.swarm.Swarm swarmOf =
        swarm ? org.kernsim.run.swarm.Swarm.of(Models.load(scenario, options.sets)) : null;
    org.kernsim.trace.OutputFiles.check("--violations", violationsFile);
    org.kernsim.trace.OutputFiles.check("--report", reportFile);
    cluster.check();
    long total = plan.schedules();
    Explorer.Report report;
    Map<String, Object> clusterJson = null;
    boolean showProgress = System.console() != null && !json;
    try (ViolationsFile out = ViolationsFile.open(violationsFile, forkAt >= 0);
        ProgressBar pb =
            showProgress
                ? new ProgressBarBuilder()
                    .setTaskName("schedules")
                    .setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                    .build()
                : null) {
      Explorer.Listener listener = out.listener(pb == null ? null : pb::stepTo);
      if (cluster.on()) {
        ClusterExplorer.Outcome o = exploreOnCluster(plan, listener, pb);
        report = o.report();
        clusterJson = o.json();
      } else {
        report = Explorer.explore(plan, listener);
      }
    }
    if (org.kernsim.engine.StopRequest.requested()) {
      // what was found so far; the signal's exit code follows (Main)
      System.err.printf(
          "kernsim: interrupted by %s after %d schedules; violating so far: %s%n",
          org.kernsim.engine.StopRequest.signal(),
          report.schedulesRun(),
          report.violating() == 0 ? "none" : describe(report));
    }
    if (json) {
      Map<String, Object> j = report.json();
      if (clusterJson != null) j.put("cluster", clusterJson);
      System.out.println(Json.write(j));
    } else {
      if (clusterJson != null) // on stderr: stdout is one node's summary, whatever the cluster
      System.err.printf(
            "cluster: %s nodes, schedules per node %s, %s batches of %s, lost %s%n",
            clusterJson.get("nodes"),
            clusterJson.get("schedulesPerNode"),
            clusterJson.get("batches"),
            clusterJson.get("batchSize"),
            clusterJson.get("lost"));
      System.out.printf(
          "scenario %s, %s: %d schedules run, %d violating, %.1f schedules/s, wall %d ms%n",
          report.scenario(),
          forkAt < 0
              ? "seeds " + range[0] + ".." + range[1]
              : "seeds "
                  + range[0]
                  + ".."
                  + range[1]
                  + " forked at "
                  + org.kernsim.scenario.Durations.pretty(forkAt)
                  + " x "
                  + perSeed
                  + " ("
                  + strategy.kind().flag()
                  + ")",
          report.schedulesRun(),
          report.violating(),
          report.schedulesPerSecond(),
          report.wallMillis());
      if (report.coverage() != null)
        System.out.printf(
            "coverage: %s abstract states, %s transitions%n",
            report.coverage().get("abstractStates"), report.coverage().get("transitions"));
      printSwarm(report);
      if (report.violationsByChecker().isEmpty()) System.out.println("no checker fired");
      for (Map.Entry<String, Long> e : report.violationsByChecker().entrySet()) {
        System.out.printf("  %-28s fired on %d schedules%n", e.getKey(), e.getValue());
      }
    }
    if (report.first() != null) {
      var out = json ? System.err : System.out;
      Explorer.Found first = report.first();
      out.printf(
          "%nfirst violation: schedule %d (seed %d%s), %s: %s%n",
          first.index() + 1,
          first.schedule().seed(),
          forkAt < 0 ? "" : ", perturbation " + first.schedule().perturbation(),
          first.first().checker(),
          first.first().message());
      List<String> shownSets = options.sets;
      if (swarmOf != null) {
        shownSets = new java.util.ArrayList<>(options.sets);
        shownSets.addAll(swarmOf.offSets(swarmOf.subset(first.schedule().seed())));
        out.println(
            "swarm subset: "
                + swarmOf.name(swarmOf.subset(first.schedule().seed()))
                + (shownSets.size() > options.sets.size()
                    ? " (the others off: "
                        + String.join(" ", shownSets.subList(options.sets.size(), shownSets.size()))
                        + ")"
                    : ""));
      }
      long shownSeed = first.schedule().seed();
      var shownViolation = first.first();
      String replay = report.replay();
      RunSpec.Fork shownFork =
          forkAt < 0 ? null : new RunSpec.Fork(forkAt, first.schedule().perturbation(), strategy);
      if (shrink && !org.kernsim.engine.StopRequest.requested()) {
        Shrinker.Result s =
            Shrinker.shrink(
                scenario,
                options.sets,
                shownSeed,
                shownViolation.checker(),
                untilNanos,
                n,
                shrinkBudget);
        out.printf("shrunk in %d runs:%n", s.runs());
        for (Shrinker.Step st : s.steps())
          out.printf("  %s: %s -> %s (seed %d)%n", st.key(), st.from(), st.to(), st.seed());
        if (s.steps().isEmpty())
          out.println("  nothing smaller still fires " + shownViolation.checker());
        if (s.violation() != null) {
          shownSets = s.overrides();
          shownSeed = s.seed();
          shownViolation = s.violation();
          replay = s.replay();
        }
      }
      String timeline = timeline(out, shownSets, shownSeed, untilNanos, shownFork, shownViolation);
      out.println("replay: " + replay);
      writeReport(report, timeline);
      return ExitCodes.VIOLATION;
    }
    writeReport(report, null);
    return ExitCodes.OK;
  }

  /** {@code --strategy guided}: a coverage-guided exploration on this node. */
  private Integer exploreGuided(Explorer.Plan plan) {
    org.kernsim.run.GuidedExplorer.Params g =
        new org.kernsim.run.GuidedExplorer.Params(guidedSeed, guidedFresh);
    long untilNanos = plan.untilOverride();
    long[] range = {plan.first(), plan.last()};
    org.kernsim.trace.OutputFiles.check("--report", reportFile);
    boolean showProgress = System.console() != null && !json;
    org.kernsim.run.GuidedExplorer.Outcome o;
    try (ProgressBar pb =
        showProgress
            ? new ProgressBarBuilder()
                .setTaskName("schedules")
                .setInitialMax(plan.schedules())
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build()
            : null) {
      o =
          org.kernsim.run.GuidedExplorer.explore(
              plan,
              g,
              new Explorer.Listener() {
                @Override
                public void progress(long done) {
                  if (pb != null) pb.stepTo(done);
                }
              });
    }
    Explorer.Report report = o.report();
    if (org.kernsim.engine.StopRequest.requested())
      System.err.printf(
          "kernsim: interrupted by %s after %d schedules; violating so far: %s%n",
          org.kernsim.engine.StopRequest.signal(),
          report.schedulesRun(),
          report.violating() == 0 ? "none" : describe(report));
    if (json) {
      System.out.println(Json.write(o.fullJson()));
    } else {
      Map<String, Object> gj = o.json();
      System.out.printf(
          "scenario %s, guided (seed %d, fresh %s) over seeds %d..%d: %d schedules run (%s fresh,"
              + " %s continued), %d violating, %.1f schedules/s, wall %d ms%n",
          report.scenario(),
          guidedSeed,
          guidedFresh,
          range[0],
          range[1],
          report.schedulesRun(),
          gj.get("freshSchedules"),
          gj.get("continuedSchedules"),
          report.violating(),
          report.schedulesPerSecond(),
          report.wallMillis());
      System.out.printf(
          "corpus: %s points (%s gone on from), deepest chain %s, %s states and transitions%n",
          gj.get("corpusPoints"),
          gj.get("pointsContinued"),
          gj.get("deepestChain"),
          gj.get("statesAndTransitionsSeen"));
      printSwarm(report);
      if (report.violationsByChecker().isEmpty()) System.out.println("no checker fired");
      for (Map.Entry<String, Long> e : report.violationsByChecker().entrySet())
        System.out.printf("  %-28s fired on %d schedules%n", e.getKey(), e.getValue());
    }
    if (report.first() == null) {
      writeReport(report, null);
      return ExitCodes.OK;
    }
    var out = json ? System.err : System.out;
    Explorer.Found first = report.first();
    List<org.kernsim.engine.schedule.guided.Step> chain = o.chain(first.index());
    out.printf(
        "%nfirst violation: schedule %d (seed %d, %s), %s: %s%n",
        first.index() + 1,
        first.schedule().seed(),
        chain.isEmpty() ? "a fresh seed" : "a chain of " + chain.size() + " fork(s)",
        first.first().checker(),
        first.first().message());
    List<String> sets = org.kernsim.run.GuidedExplorer.settings(plan, first.schedule().seed());
    if (plan.swarm()) {
      org.kernsim.run.swarm.Swarm sw =
          org.kernsim.run.swarm.Swarm.of(Models.load(scenario, options.sets));
      List<String> off = sets.subList(options.sets.size(), sets.size());
      out.println(
          "swarm subset: "
              + sw.name(sw.subset(first.schedule().seed()))
              + (off.isEmpty() ? "" : " (the others off: " + String.join(" ", off) + ")"));
    }
    long shownUntil = untilNanos;
    org.kernsim.engine.Violation shownViolation = first.first();
    String replay = report.replay();
    if (shrink && !org.kernsim.engine.StopRequest.requested()) {
      org.kernsim.run.ChainShrinker.Result s =
          org.kernsim.run.ChainShrinker.shrink(
              scenario,
              sets,
              first.schedule().seed(),
              chain,
              first.first().checker(),
              untilNanos,
              shrinkBudget);
      out.printf(
          "shrunk in %d runs (%s): %s -> %s%n",
          s.runs(),
          s.tried().entrySet().stream()
              .map(e -> e.getValue() + " " + e.getKey())
              .collect(java.util.stream.Collectors.joining(", ")),
          org.kernsim.run.ChainShrinker.describe(chain),
          org.kernsim.run.ChainShrinker.describe(s.chain()));
      for (org.kernsim.run.ChainShrinker.Change c : s.changes())
        out.printf("  %s: %s -> %s%n", c.what(), c.from(), c.to());
      if (s.minimal())
        out.println(
            "  already minimal: no smaller schedule tried still fires " + first.first().checker());
      sets = s.overrides();
      chain = s.chain();
      shownUntil = s.until();
      shownViolation = s.violation();
      replay = s.replay();
    }
    String timeline =
        timeline(
            out,
            sets,
            first.schedule().seed(),
            shownUntil,
            org.kernsim.run.GuidedExplorer.fork(chain),
            shownViolation);
    out.println("replay: " + replay);
    writeReport(report, timeline);
    return ExitCodes.VIOLATION;
  }

  /** With --swarm: the components and, per subset, its schedules and violating schedules. */
  private static void printSwarm(Explorer.Report report) {
    if (report.swarm() == null) return;
    System.out.println("swarm: subsets of the fault plan " + report.swarm().get("components"));
    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> per =
        (Map<String, Map<String, Object>>) report.swarm().get("subsets");
    per.forEach(
        (k, v) ->
            System.out.printf(
                "  %-28s %s schedules, %s violating%n", k, v.get("schedules"), v.get("violating")));
  }

  /**
   * The timeline of the violating schedule (its sequential replay), printed unless {@code
   * --no-timeline} on {@code out}; null when neither the screen nor {@code --report} wants it, or a
   * stop was asked for.
   */
  private String timeline(
      java.io.PrintStream out,
      List<String> sets,
      long seed,
      long untilNanos,
      RunSpec.Fork fork,
      org.kernsim.engine.Violation violation) {
    if ((noTimeline && reportFile == null) || org.kernsim.engine.StopRequest.requested())
      return null;
    RunSpec spec = RunSpec.schedule(scenario, sets, seed, untilNanos, fork);
    String timeline = Runner.timeline(Models.load(scenario, sets), spec, violation);
    if (!noTimeline) out.println(timeline);
    return timeline;
  }

  /**
   * The exploration on a local cluster ({@code --cluster-nodes}) or a joined one ({@code --join}):
   * the progress bar shows the nodes coming up, then the schedules done.
   */
  private ClusterExplorer.Outcome exploreOnCluster(
      Explorer.Plan plan, Explorer.Listener listener, ProgressBar pb) {
    int wanted = cluster.clusterNodes == null ? 0 : cluster.clusterNodes;
    if (pb != null)
      pb.setExtraMessage(wanted > 0 ? "starting " + wanted + " nodes" : "joining " + cluster.join);
    try (Nodes nodes = cluster.open(pb == null ? null : what -> pb.setExtraMessage(" " + what))) {
      ClusterExplorer.Target target =
          ClusterExplorer.Target.of(wanted, threads == null ? 0 : threads, nodes.system);
      return ClusterExplorer.explore(
          nodes.system,
          plan,
          target,
          new ClusterExplorer.Listener() {
            @Override
            public void progress(long done) {
              listener.progress(done);
            }

            @Override
            public void violating(Explorer.Found f) {
              listener.violating(f);
            }

            @Override
            public void nodesReady(int ready, int of) {
              if (pb != null) pb.setExtraMessage("nodes ready " + ready + "/" + of);
            }

            @Override
            public void nodeLost(String address, String how, int batches, int left) {
              if (pb != null) pb.setExtraMessage("node lost, " + left + " left");
            }
          });
    }
  }

  private void writeReport(Explorer.Report report, String timeline) {
    if (reportFile == null) return;
    org.kernsim.report.ExploreReport.write(reportFile, report, timeline);
    System.err.println("wrote " + reportFile);
  }

  /** The violating schedules found so far, briefly (an interrupted exploration's last word). */
  private static String describe(Explorer.Report r) {
    StringBuilder sb = new StringBuilder();
    int shown = 0;
    for (Explorer.Found f : r.violatingKept()) {
      if (shown++ == 20) {
        sb.append(" ...");
        break;
      }
      if (sb.length() > 0) sb.append(", ");
      sb.append("seed ").append(f.schedule().seed());
      if (f.schedule().perturbation() > 0)
        sb.append("/perturbation ").append(f.schedule().perturbation());
      sb.append(" (").append(String.join(",", f.checkers())).append(')');
    }
    sb.append(" — ").append(r.violating()).append(" in all");
    return sb.toString();
  }

  static long[] parseSeeds(String s) {
    try {
      String t = s.trim();
      int dots = t.indexOf("..");
      long a;
      long b;
      if (dots < 0) {
        a = b = Long.parseLong(t);
      } else {
        a = Long.parseLong(t.substring(0, dots).trim());
        b = Long.parseLong(t.substring(dots + 2).trim());
      }
      if (a < 0 || b < a) throw new NumberFormatException();
      return new long[] {a, b};
    } catch (NumberFormatException e) {
      throw new BadInputException(
          "--seeds "
              + org.kernsim.scenario.Quote.value(s)
              + ": expected A..B with 0 <= A <= B (e.g. 1..10000)");
    }
  }
}
