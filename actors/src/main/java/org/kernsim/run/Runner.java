package org.kernsim.run;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.Violation;
import org.kernsim.engine.actor.ActorDriver;
import org.kernsim.models.Models;
import org.kernsim.protocol.snapshot.SimSnapshot;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;
import org.kernsim.trace.Timeline;
import org.kernsim.trace.TraceFileWriter;

/** Loads a scenario and runs it: the shared core of {@code kernsim run} and the tests. */
public final class Runner {
  private Runner() {}

  /** A finished run and the scenario it ran. */
  public record Outcome(Scenario scenario, RunSpec spec, RunResult result) {
    public Map<String, Object> json() {
      return RunJson.of(scenario, spec, result);
    }
  }

  /** A driver outside this module's own (the cluster driver of the CLI). */
  public interface Backend {
    RunResult run(Scenario scenario, Simulation sim, RunOptions options);
  }

  public static Outcome run(RunSpec spec) {
    return run(spec, null, null);
  }

  /** Runs {@code spec} on {@code backend} (null: the driver named in the spec). */
  public static Outcome run(RunSpec spec, Backend backend) {
    return run(spec, backend, null);
  }

  /**
   * Runs {@code spec} on {@code backend} (null: the driver named in the spec), with {@code
   * progress} (null: none) following the completed windows.
   */
  public static Outcome run(
      RunSpec spec, Backend backend, org.kernsim.engine.TraceObserver progress) {
    return run(spec, backend, progress, List.of());
  }

  /**
   * As {@link #run(RunSpec, Backend, org.kernsim.engine.TraceObserver)}, with {@code observers} of
   * the record stream (a report's time series).
   */
  public static Outcome run(
      RunSpec spec,
      Backend backend,
      org.kernsim.engine.TraceObserver progress,
      List<org.kernsim.engine.TraceObserver> observers) {
    return run(spec, backend, progress, observers, null);
  }

  /**
   * As {@link #run(RunSpec, Backend, org.kernsim.engine.TraceObserver, List)}, with the snapshot of
   * {@code spec.fromSnapshot()} already read ({@code loaded}; null: read it here).
   */
  public static Outcome run(
      RunSpec spec,
      Backend backend,
      org.kernsim.engine.TraceObserver progress,
      List<org.kernsim.engine.TraceObserver> observers,
      SimSnapshot loaded) {
    SimSnapshot resume =
        loaded != null
            ? loaded
            : spec.fromSnapshot() == null
                ? null
                : SnapshotFile.read("--from-snapshot", spec.fromSnapshot());
    Scenario scenario =
        resume == null
            ? Models.load(spec.scenario(), spec.overrides())
            : scenarioOf(resume, "--from-snapshot " + spec.fromSnapshot());
    if (resume != null) {
      // the run's scenario and seed are the snapshot's
      spec =
          new RunSpec(
              scenario.name(),
              List.of(),
              resume.seed(),
              spec.until(),
              spec.trace(),
              spec.driver(),
              spec.threads(),
              spec.stopAtFirstViolation(),
              spec.snapshotAt(),
              spec.snapshot(),
              spec.fromSnapshot());
    }
    Simulation sim = scenario.build();
    long until = spec.until() >= 0 ? spec.until() : scenario.until();
    RunOptions options =
        RunOptions.of(spec.seed(), until).withStopAtFirstViolation(spec.stopAtFirstViolation());
    if (resume != null) {
      if (resume.resumeNanos() >= until && !resume.pending().isEmpty())
        throw new BadInputException(
            "--until "
                + org.kernsim.scenario.Durations.format(until)
                + ": the snapshot resumes at "
                + org.kernsim.scenario.Durations.pretty(resume.resumeNanos())
                + ", past the limit");
      options = options.resumingFrom(resume);
    }
    boolean[] taken = new boolean[1];
    if (spec.snapshot() != null) {
      Path file = spec.snapshot();
      options =
          options.withSnapshot(
              new RunOptions.Snapshots(
                  spec.snapshotAt(),
                  scenario.settings().asOverrides(),
                  false,
                  s -> {
                    SnapshotFile.write(file, s);
                    taken[0] = true;
                  }));
    }
    TraceFileWriter writer = null;
    if (spec.trace() != null) {
      writer =
          new TraceFileWriter(
              spec.trace(), sim::entityName, sim.naming(), header(scenario, spec, sim));
      options = options.withObserver(writer);
    }
    if (progress != null) options = options.withProgress(progress);
    for (org.kernsim.engine.TraceObserver o : observers) options = options.withObserver(o);
    RunResult result;
    try {
      result =
          spec.fork() != null
              ? fork(sim, options, spec.fork())
              : backend != null
                  ? backend.run(scenario, sim, options)
                  : drive(sim, options, spec.driver(), spec.threads());
    } catch (org.kernsim.engine.actor.Coordinator.RunFailed e) {
      // a lost node or a model failure: the trace is kept up to the last completed window,
      // unless the run was being stopped by a signal (then its end is not the failure's)
      if (writer != null) {
        if (org.kernsim.engine.StopRequest.requested()) writer.discard();
        else writer.abandon();
      }
      throw e;
    } catch (RuntimeException | Error e) {
      // a write error, a signal, the heap exhausted: no part of the trace is left
      if (writer != null) writer.discard();
      throw e;
    }
    if (writer != null) writer.complete(result.traceSha256(), result.events());
    if (spec.snapshot() != null
        && !taken[0]
        && result.endReason() != org.kernsim.engine.EndReason.INTERRUPTED) {
      throw new BadInputException(
          "--snapshot-at "
              + org.kernsim.scenario.Durations.format(spec.snapshotAt())
              + ": the run ended at "
              + org.kernsim.scenario.Durations.pretty(result.simulatedNanos())
              + " ("
              + result.endReason().json()
              + ") before it; no snapshot written");
    }
    return new Outcome(scenario, spec, result);
  }

  /** The scenario a snapshot was taken of: its model with every effective setting. */
  public static Scenario scenarioOf(SimSnapshot s, String what) {
    org.kernsim.scenario.ModelFactory model = Models.find(s.model());
    if (model == null)
      throw new BadInputException(what + ": a snapshot of model '" + s.model() + "', unknown here");
    try {
      return org.kernsim.scenario.Scenarios.fromMap(model, s.settings());
    } catch (BadInputException e) {
      throw new BadInputException(what + ": its settings do not load here: " + e.getMessage());
    }
  }

  /**
   * One forked schedule, on the sequential driver: the seed's run up to the fork time (its records
   * observed), then the schedule from the snapshot.
   */
  static RunResult fork(Simulation sim, RunOptions options, RunSpec.Fork fork) {
    if (options.snapshot() != null || options.resume() != null)
      throw new BadInputException("--fork-at: not with --snapshot-at or --from-snapshot");
    if (!fork.then().isEmpty()) {
      try { // a coverage-guided schedule's chain of random forks
        return org.kernsim.engine.schedule.guided.Chains.run(sim, options, fork.chain());
      } catch (IllegalArgumentException e) {
        throw new BadInputException("--then-fork: " + e.getMessage());
      }
    }
    org.kernsim.engine.schedule.Forks.Prefix prefix;
    try {
      prefix =
          org.kernsim.engine.schedule.Forks.prefix(
              sim, options, fork.forkAt(), fork.strategy().needsPilot());
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--fork-at: " + e.getMessage());
    }
    return org.kernsim.engine.schedule.Forks.schedule(
        prefix, fork.strategy(), fork.perturbation(), options);
  }

  static RunResult drive(Simulation sim, RunOptions options, String driver, int threads) {
    return switch (driver) {
      case "actors" -> ActorDriver.run(sim, options, threads);
      case "sequential" -> SequentialDriver.run(sim, options);
      case "partitions" -> org.kernsim.engine.actor.PartitionsDriver.run(sim, options, threads);
      default ->
          throw new BadInputException(
              "--driver " + driver + ": expected actors, sequential or partitions");
    };
  }

  /**
   * Reruns a seed on one thread with every record kept and renders its first violation as a
   * timeline (the run is deterministic, so the rerun is the same run).
   */
  public static String timeline(Scenario scenario, RunSpec spec, Violation violation) {
    return timeline(scenario, spec, violation, true);
  }

  /**
   * As {@link #timeline(Scenario, RunSpec, Violation)}; with {@code firstOnly} false the rerun does
   * not stop at the run's first violation but goes on to {@code violation}'s time (to show a later
   * violation, or one of another checker).
   */
  public static String timeline(
      Scenario scenario, RunSpec spec, Violation violation, boolean firstOnly) {
    Simulation sim = scenario.build();
    long until = spec.until() >= 0 ? spec.until() : scenario.until();
    if (!firstOnly) until = Math.min(until, violation.atNanos() + 1);
    Timeline.Collector collector = new Timeline.Collector(200_000);
    RunOptions options =
        RunOptions.of(spec.seed(), until)
            .withStopAtFirstViolation(firstOnly)
            .withRecordAll(true)
            .withObservers(List.of(collector));
    if (spec.fork() != null) fork(sim, options, spec.fork());
    else SequentialDriver.run(sim, options);
    return Timeline.render(collector.records(), sim.timeline(), violation, 30);
  }

  static Map<String, Object> header(Scenario scenario, RunSpec spec, Simulation sim) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("scenario", scenario.name());
    h.put("seed", spec.seed());
    h.put("settings", scenario.settings().effective());
    h.put("replay", spec.replayCommand());
    // entity names by id: fields of messages and notes name entities by their id
    List<String> names = new java.util.ArrayList<>(sim.entityCount());
    for (int id = 0; id < sim.entityCount(); id++) names.add(sim.entityName(id));
    h.put("entities", names);
    return h;
  }
}
