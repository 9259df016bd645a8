package org.kernsim.engine;

import java.util.Set;
import org.kernsim.protocol.engine.TraceRecord;

/** A consumer of the canonical record stream of a run (a trace file, a timeline collector). */
public interface TraceObserver {

  void observe(TraceRecord record);

  /**
   * The message and note classes this observer needs, or null for every record (a trace file). An
   * observer that names its classes (a report's time series) does not turn on the recording of
   * everything: the entities record those classes only (besides what checkers observe). It may
   * still be handed other records, when something else records everything.
   */
  default Set<Class<?>> observes() {
    return null;
  }

  /** Called after each completed window; a file writer flushes here. */
  default void windowCompleted(long windowEnd) {}

  default void finish(long endNanos, EndReason reason) {}

  /**
   * What the driver is doing while no window completes: before the first one, creating and starting
   * the entity actors ("entity actors: 40,960 of 196,614 created"), and after the last, stopping
   * them. For a display (a progress bar) only; called from any of the run's threads.
   */
  default void stage(String what) {}
}
