package org.kernsim.engine.schedule.guided;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.kernsim.engine.Coverage;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.schedule.Strategy;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * A coverage-guided schedule is a <em>chain</em>: scenario seed {@code s} simulated from time 0 up
 * to the first fork time {@code t1}, then perturbation {@code p1} of the {@code random} strategy
 * from there up to {@code t2}, then {@code p2}, ..., and the last perturbation to the end. Its
 * identity is {@code (scenario and settings, s, [(t1, p1), ..., (tk, pk)])}; {@code k = 0} is the
 * plain run of seed {@code s}, and {@code k = 1} is exactly {@code explore --fork-at t1} schedule
 * {@code p1} of the {@code random} strategy. Each fork is at a window boundary (the first at or
 * after {@code ti}) and only re-seeds the entities' streams and reorders same-time sources, as the
 * {@code random} strategy does; a chain never makes an order the kernel cannot have.
 *
 * <p>The same chain gives the same run, byte for byte: a segment's snapshot is the simulation at
 * that boundary (its entities' streams where the segment's draws left them), and the next segment
 * re-seeds every entity it restores from its own fork.
 */
public final class Chains {
  private Chains() {}

  private static final Strategy.Pilot NO_PILOT = new Strategy.Pilot(0, new int[0]);

  /** The fork of a segment resumed at {@code at} under {@code perturbation}. */
  static SequentialDriver.Fork fork(long scenarioSeed, Step step, int entities) {
    return Strategy.random().fork(scenarioSeed, step.at(), step.perturbation(), entities, NO_PILOT);
  }

  /**
   * The simulation at the first window boundary at or after {@code at}: from time 0 ({@code from}
   * null: seed {@code options.seed()}), or going on from {@code from} under {@code via} (the fork
   * {@code from} was taken at, with its perturbation). Null if the run ended before {@code at}.
   */
  public static SimSnapshot snapshotAt(
      Simulation sim, StateCodec codec, RunOptions options, SimSnapshot from, Step via, long at) {
    AtomicReference<SimSnapshot> snap = new AtomicReference<>();
    RunOptions o =
        options.withSnapshot(new RunOptions.Snapshots(at, java.util.Map.of(), true, snap::set));
    RunResult r;
    if (from == null) {
      r = SequentialDriver.run(sim, o, codec, null);
    } else {
      if (via.at() != from.atNanos())
        throw new IllegalArgumentException(
            "a snapshot taken at " + from.atNanos() + " ns resumed as the fork at " + via.at());
      r =
          SequentialDriver.run(
              sim, o.resumingFrom(from), codec, fork(from.seed(), via, sim.entityCount()));
    }
    return r.endReason() == EndReason.SNAPSHOT ? snap.get() : null;
  }

  /**
   * The run of one segment to the end: from {@code from} (the fork {@code via}), feeding {@code
   * coverage} (null: none).
   */
  public static RunResult finish(
      Simulation sim,
      StateCodec codec,
      RunOptions options,
      SimSnapshot from,
      Step via,
      Coverage coverage) {
    if (via.at() != from.atNanos())
      throw new IllegalArgumentException(
          "a snapshot taken at " + from.atNanos() + " ns resumed as the fork at " + via.at());
    return SequentialDriver.run(
        sim,
        options.resumingFrom(from),
        codec,
        fork(from.seed(), via, sim.entityCount()),
        coverage);
  }

  /**
   * Runs the whole chain of seed {@code options.seed()} (its observers see every segment's records
   * in order): the replay of one coverage-guided schedule.
   *
   * @throws IllegalArgumentException if the fork times do not increase, or a segment ends before
   *     the next fork time
   */
  public static RunResult run(Simulation sim, RunOptions options, List<Step> chain) {
    StateCodec codec = new StateCodec(sim);
    if (chain.isEmpty()) return SequentialDriver.run(sim, options, codec, null);
    SimSnapshot snap = null;
    Step via = null;
    for (Step s : chain) {
      if (via != null && s.at() <= via.at())
        throw new IllegalArgumentException(
            "fork times must increase: " + s.at() + " ns after " + via.at() + " ns");
      SimSnapshot next = snapshotAt(sim, codec, options, snap, via, s.at());
      if (next == null)
        throw new IllegalArgumentException(
            "the run of seed "
                + Long.toUnsignedString(options.seed())
                + " ended before the fork time "
                + s.at()
                + " ns");
      snap = next;
      via = s;
    }
    return finish(sim, codec, options, snap, via, null);
  }
}
