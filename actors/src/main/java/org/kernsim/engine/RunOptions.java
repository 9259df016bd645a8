package org.kernsim.engine;

import java.util.List;

/**
 * How to run a simulation.
 *
 * @param seed the run seed; every random stream derives from it
 * @param until virtual-time limit in ns (exclusive); {@code Long.MAX_VALUE} for none
 * @param stopAtFirstViolation end the run after the window in which the first violation fired
 * @param recordAll turn every delivered message and note into a trace record (for a trace file or a
 *     timeline); otherwise only what checkers observe is recorded
 * @param observers extra consumers of the canonical record stream (trace writer, timeline)
 */
public record RunOptions(
    long seed,
    long until,
    boolean stopAtFirstViolation,
    boolean recordAll,
    List<TraceObserver> observers) {

  public static RunOptions of(long seed, long until) {
    return new RunOptions(seed, until, false, false, List.of());
  }

  public RunOptions withStopAtFirstViolation(boolean stop) {
    return new RunOptions(seed, until, stop, recordAll, observers);
  }

  /**
   * Adds an observer that only follows the windows (a progress bar): it does not turn recording on.
   */
  public RunOptions withProgress(TraceObserver o) {
    List<TraceObserver> l = new java.util.ArrayList<>(observers);
    l.add(o);
    return new RunOptions(seed, until, stopAtFirstViolation, recordAll, List.copyOf(l));
  }

  /** Adds an observer of every record (a trace file, a timeline): turns recording on. */
  public RunOptions withObserver(TraceObserver o) {
    List<TraceObserver> l = new java.util.ArrayList<>(observers);
    l.add(o);
    return new RunOptions(seed, until, stopAtFirstViolation, true, List.copyOf(l));
  }
}
