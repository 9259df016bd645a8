package org.kernsim.engine.schedule;

import java.util.concurrent.atomic.AtomicReference;
import org.kernsim.engine.EndReason;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.RunResult;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.snapshot.StateCodec;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * Forking exploration's two halves: the common prefix, simulated once up to the fork time and kept
 * as an in-memory snapshot, and each schedule, resumed from it under a {@link Strategy}'s
 * perturbation. Everything runs on the sequential driver (one schedule per thread); a schedule
 * restores only the entities that act after the fork.
 */
public final class Forks {
  private Forks() {}

  /**
   * The common prefix of every schedule.
   *
   * @param sim the simulation (shared, read-only, by every schedule)
   * @param seed the scenario seed
   * @param forkAt the fork time as asked
   * @param until the runs' virtual-time limit
   * @param snapshot the simulation at the first window boundary at or after {@code forkAt}
   * @param pilot what the unperturbed continuation drew after the fork
   * @param prefixMillis wall time of the prefix run (the snapshot included)
   */
  public record Prefix(
      Simulation sim,
      long seed,
      long forkAt,
      long until,
      SimSnapshot snapshot,
      StateCodec codec,
      Strategy.Pilot pilot,
      long prefixMillis) {}

  /**
   * Runs scenario seed {@code seed} of {@code sim} up to {@code forkAt} and keeps the snapshot,
   * then runs its unperturbed continuation once to count the delay draws after the fork (the
   * pilot).
   *
   * @throws IllegalArgumentException if the run ends before {@code forkAt}
   */
  public static Prefix prefix(Simulation sim, long seed, long forkAt, long until) {
    return prefix(sim, RunOptions.of(seed, until), forkAt, true);
  }

  /** The prefix for schedules of {@code strategy} (only PCT and delay-bounding need the pilot). */
  public static Prefix prefix(
      Simulation sim, long seed, long forkAt, long until, Strategy strategy) {
    return prefix(sim, RunOptions.of(seed, until), forkAt, strategy.needsPilot());
  }

  /**
   * As {@link #prefix(Simulation, long, long, long, Strategy)}, with {@code codec} (made for {@code
   * sim}; thread-safe), shared by the prefixes of one exploration.
   */
  public static Prefix prefix(
      Simulation sim, StateCodec codec, long seed, long forkAt, long until, Strategy strategy) {
    return prefix(sim, codec, RunOptions.of(seed, until), forkAt, strategy.needsPilot());
  }

  /**
   * As {@link #prefix(Simulation, long, long, long)}, with the seed, limit and observers of {@code
   * options} (a trace or a timeline sees the prefix's records, then the schedule's).
   */
  public static Prefix prefix(Simulation sim, RunOptions options, long forkAt) {
    return prefix(sim, options, forkAt, true);
  }

  /**
   * As {@link #prefix(Simulation, RunOptions, long)}; without {@code pilot} the continuation is not
   * run and the pilot is empty (a {@code random} schedule does not use it).
   */
  public static Prefix prefix(Simulation sim, RunOptions options, long forkAt, boolean pilot) {
    return prefix(sim, new StateCodec(sim), options, forkAt, pilot);
  }

  private static Prefix prefix(
      Simulation sim, StateCodec codec, RunOptions options, long forkAt, boolean pilot) {
    long seed = options.seed();
    long until = options.until();
    long t0 = System.nanoTime();
    AtomicReference<SimSnapshot> snap = new AtomicReference<>();
    RunOptions o =
        options.withSnapshot(new RunOptions.Snapshots(forkAt, java.util.Map.of(), true, snap::set));
    RunResult r = SequentialDriver.run(sim, o, codec, null);
    if (r.endReason() != EndReason.SNAPSHOT || snap.get() == null)
      throw new IllegalArgumentException(
          "the run of seed "
              + Long.toUnsignedString(seed)
              + " ended ("
              + r.endReason().json()
              + ") at "
              + r.simulatedNanos()
              + " ns, before the fork time "
              + forkAt
              + " ns");
    long prefixMillis = (System.nanoTime() - t0) / 1_000_000;
    if (!pilot)
      return new Prefix(
          sim,
          seed,
          forkAt,
          until,
          snap.get(),
          codec,
          new Strategy.Pilot(0, new int[0]),
          prefixMillis);
    Strategy.Counting counting = new Strategy.Counting();
    SequentialDriver.run(
        sim,
        RunOptions.of(seed, until).withoutTraceHash().resumingFrom(snap.get()),
        codec,
        counting); // only its draws are counted
    return new Prefix(sim, seed, forkAt, until, snap.get(), codec, counting.pilot(), prefixMillis);
  }

  /** Schedule {@code perturbation} of {@code strategy} from {@code prefix}. */
  public static RunResult schedule(Prefix prefix, Strategy strategy, long perturbation) {
    return schedule(prefix, strategy, perturbation, RunOptions.of(prefix.seed(), prefix.until()));
  }

  /** As {@link #schedule(Prefix, Strategy, long)}, with observers and stops in {@code options}. */
  public static RunResult schedule(
      Prefix prefix, Strategy strategy, long perturbation, RunOptions options) {
    return schedule(prefix, strategy, perturbation, options, null);
  }

  /** As {@link #schedule(Prefix, Strategy, long, RunOptions)}, feeding {@code coverage}. */
  public static RunResult schedule(
      Prefix prefix,
      Strategy strategy,
      long perturbation,
      RunOptions options,
      org.kernsim.engine.Coverage coverage) {
    SequentialDriver.Fork fork =
        strategy.fork(
            prefix.seed(),
            prefix.forkAt(),
            perturbation,
            prefix.sim().entityCount(),
            prefix.pilot());
    return SequentialDriver.run(
        prefix.sim(), options.resumingFrom(prefix.snapshot()), prefix.codec(), fork, coverage);
  }
}
