package org.kernsim.engine;

import org.kernsim.protocol.engine.TraceRecord;

/**
 * Something a model promises to finish: opened by a record of class {@code opens} (a note or a
 * delivered message), closed by one of class {@code closes} with the same key. The liveness phase
 * ({@link Liveness}) requires every obligation open when the faults stop to be closed within a
 * bound.
 *
 * @param what what it is, for the violation ("work item", "stop_machine()")
 */
public record Obligation(String what, Class<?> opens, Class<?> closes, Key key) {

  /** The key matching an opening record to its closing one. */
  @FunctionalInterface
  public interface Key extends java.io.Serializable {
    long of(TraceRecord record, Object payload);
  }
}
