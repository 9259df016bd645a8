package org.kernsim.engine;

import java.util.Map;
import java.util.Set;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * A named invariant over the canonical event history (an Always or Eventually property). It sees
 * the delivered messages and notes of the classes it {@link #observes()}, in canonical order,
 * whatever the driver, and may fire at any record or at the end of the run.
 */
public interface Checker {

  /** The property's name, as reported ({@code NoStrandedWork}). */
  String name();

  /** The message and note classes this checker needs to see. */
  Set<Class<?>> observes();

  void observe(TraceRecord record, Checks checks);

  /** Called once when the run ends. */
  default void finish(long endNanos, EndReason reason, Checks checks) {}

  /** Adds this checker's figures to the run's metrics. */
  default void contribute(Map<String, Object> metrics) {}

  /** What a checker can do when it decides. */
  interface Checks {
    void violation(long atNanos, int entity, String message);

    String name(int entity);
  }
}
