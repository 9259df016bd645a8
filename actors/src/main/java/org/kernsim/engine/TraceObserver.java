package org.kernsim.engine;

import org.kernsim.protocol.engine.TraceRecord;

/** A consumer of the canonical record stream of a run (a trace file, a timeline collector). */
public interface TraceObserver {

  void observe(TraceRecord record);

  /** Called after each completed window; a file writer flushes here. */
  default void windowCompleted(long windowEnd) {}

  default void finish(long endNanos, EndReason reason) {}
}
