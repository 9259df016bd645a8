package org.kernsim.engine;

import java.util.random.RandomGenerator;

/** Everything an entity may do while it handles an event. The context is the only way to act. */
public interface Context {

  /** Virtual time of the event being handled, in simulated nanoseconds. */
  long now();

  /** This entity's id. */
  int self();

  /**
   * This entity's own random stream, seeded from the run seed and the entity id. Use it only inside
   * handlers: its sequence of draws is part of the entity's deterministic history.
   */
  RandomGenerator random();

  /**
   * Sends {@code message} to entity {@code to}; it is delivered after a delay drawn (from this
   * entity's stream) from {@code latency}, plus whatever the fault plan adds. A message to another
   * entity is never delivered sooner than the simulation's lookahead.
   */
  void send(int to, Object message, Latency latency);

  /** Sends with an explicit delay (at least the lookahead for another entity, at least 1 ns). */
  void sendAfter(int to, Object message, long delayNanos);

  /**
   * Starts (or restarts) the timer {@code key}: {@code message} is delivered to this entity after
   * {@code delayNanos} (at least 1 ns) unless the timer is cancelled or restarted first.
   */
  void startTimer(Object key, long delayNanos, Object message);

  /** Cancels timer {@code key}; a cancelled timer never fires. No-op if it is not active. */
  void cancelTimer(Object key);

  /** Whether timer {@code key} is started and has not fired or been cancelled. */
  boolean timerActive(Object key);

  /**
   * Records a model annotation (a record: a lock taken, a worker picked, a cull...) in the trace.
   * Cheap when nobody observes it; guard expensive construction with {@link #tracing()}.
   */
  void trace(Object note);

  /** Whether notes are recorded at all in this run (a trace file or an observing checker). */
  boolean tracing();

  /** Reports that invariant {@code checker} is violated here and now. */
  void violation(String checker, String message);

  /** Adds {@code delta} to counter {@code metric}; counters are summed over entities. */
  void count(String metric, long delta);

  /** Records {@code value} in histogram {@code metric}; histograms are merged over entities. */
  void record(String metric, long value);

  /**
   * Whether the run's fault plan is still on. A model that injects faults itself (preemptions, CPU
   * hotplug) injects none once this is false: the liveness phase ({@code liveness.faults-off-at}).
   */
  default boolean faultsActive() {
    return true;
  }

  /** The display name of an entity, for notes and messages. */
  String name(int entity);
}
