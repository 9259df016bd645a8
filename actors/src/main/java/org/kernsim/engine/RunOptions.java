package org.kernsim.engine;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.kernsim.protocol.snapshot.SimSnapshot;

/**
 * How to run a simulation.
 *
 * @param seed the run seed; every random stream derives from it
 * @param until virtual-time limit in ns (exclusive); {@code Long.MAX_VALUE} for none
 * @param stopAtFirstViolation end the run after the window in which the first violation fired
 * @param recordAll turn every delivered message and note into a trace record (for a trace file or a
 *     timeline); otherwise only what checkers observe is recorded
 * @param observers extra consumers of the canonical record stream (trace writer, timeline)
 * @param snapshot take a snapshot on the way (null: none)
 * @param resume go on from this snapshot instead of starting at time 0 (null: start fresh); the
 *     seed is the snapshot's
 * @param traceHash compute the run's {@code traceSha256} (encode every delivered event into its
 *     entity's history digest); without it the sequential driver skips that per-event work and the
 *     result's {@code traceSha256} is null, never a wrong hash. For runs whose hash nothing prints
 *     or compares (an exploration's schedules: a violating one is named by its identity and its
 *     replay recomputes the hash). Only the sequential driver honours it (the actor and cluster
 *     drivers always hash); a run without it cannot take a snapshot (a snapshot holds the digests)
 */
public record RunOptions(
    long seed,
    long until,
    boolean stopAtFirstViolation,
    boolean recordAll,
    List<TraceObserver> observers,
    Snapshots snapshot,
    SimSnapshot resume,
    boolean traceHash) {

  /**
   * A snapshot to take: at the first window boundary at or after {@code atNanos} (every event
   * before the boundary delivered, none after), handed to {@code sink} (on the driver's thread),
   * with the scenario's {@code settings} recorded in it; the run goes on unless {@code stopAfter}.
   */
  public record Snapshots(
      long atNanos, Map<String, String> settings, boolean stopAfter, Consumer<SimSnapshot> sink) {}

  /**
   * Options for a run of {@code seed} up to {@code until}: no observers, nothing recorded beyond
   * what checkers observe, no snapshot, from time 0, with the trace hash. Every other setting is a
   * {@code with...} on the result (the one way to build options: no telescoping constructors).
   */
  public static RunOptions of(long seed, long until) {
    return new RunOptions(seed, until, false, false, List.of(), null, null, true);
  }

  /** Turns recording of every delivered message and note on (or off). */
  public RunOptions withRecordAll(boolean all) {
    return new RunOptions(
        seed, until, stopAtFirstViolation, all, observers, snapshot, resume, traceHash);
  }

  /** Replaces the observers (recording is set apart: {@link #withRecordAll}). */
  public RunOptions withObservers(List<TraceObserver> os) {
    return new RunOptions(
        seed, until, stopAtFirstViolation, recordAll, List.copyOf(os), snapshot, resume, traceHash);
  }

  /** Starts from time 0 again (the seed stays). */
  public RunOptions withoutResume() {
    return new RunOptions(
        seed, until, stopAtFirstViolation, recordAll, observers, snapshot, null, traceHash);
  }

  public RunOptions withStopAtFirstViolation(boolean stop) {
    return new RunOptions(seed, until, stop, recordAll, observers, snapshot, resume, traceHash);
  }

  /**
   * Adds an observer that only follows the windows (a progress bar): it does not turn recording on.
   */
  public RunOptions withProgress(TraceObserver o) {
    List<TraceObserver> l = new java.util.ArrayList<>(observers);
    l.add(o);
    return new RunOptions(
        seed, until, stopAtFirstViolation, recordAll, List.copyOf(l), snapshot, resume, traceHash);
  }

  /**
   * Adds an observer of records: one of every record (a trace file, a timeline) turns recording of
   * everything on; one that names its classes ({@link TraceObserver#observes}) has only those
   * recorded.
   */
  public RunOptions withObserver(TraceObserver o) {
    List<TraceObserver> l = new java.util.ArrayList<>(observers);
    l.add(o);
    return new RunOptions(
        seed,
        until,
        stopAtFirstViolation,
        recordAll || o.observes() == null,
        List.copyOf(l),
        snapshot,
        resume,
        traceHash);
  }

  public RunOptions withSnapshot(Snapshots s) {
    return new RunOptions(
        seed, until, stopAtFirstViolation, recordAll, observers, s, resume, traceHash);
  }

  /** Goes on from {@code s} (its seed becomes the run's). */
  public RunOptions resumingFrom(SimSnapshot s) {
    return new RunOptions(
        s.seed(), until, stopAtFirstViolation, recordAll, observers, snapshot, s, traceHash);
  }

  /**
   * The same run without its trace hash (see {@code traceHash}): for a schedule whose {@code
   * traceSha256} nothing reads.
   */
  public RunOptions withoutTraceHash() {
    return new RunOptions(
        seed, until, stopAtFirstViolation, recordAll, observers, snapshot, resume, false);
  }
}
