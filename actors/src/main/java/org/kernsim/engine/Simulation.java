package org.kernsim.engine;

import java.util.List;
import java.util.Map;

/**
 * A built model, ready to run: the entities, their names and placement, the lookahead, the checkers
 * and how to report metrics. Built deterministically from a scenario's settings, so every node of a
 * cluster builds the same one and creates locally only the entities it hosts.
 */
public interface Simulation {

  /** The model's name, as in the scenario ({@code workqueue}, {@code kprobes}, {@code phold}). */
  String model();

  /** Entities are numbered {@code 0 .. entityCount()-1}; the numbering is the canonical order. */
  int entityCount();

  /** Creates the logic of entity {@code id} (called once per run, on the node hosting it). */
  Entity createEntity(int id);

  /**
   * Whether entity {@code id} does nothing in {@code start()} (a kworker slot that no pool has used
   * yet): the engine then creates it only when its first event arrives, and an entity that never
   * gets one costs nothing. Its history is the same either way.
   */
  default boolean startsIdle(int id) {
    return false;
  }

  /** A stable, readable name ({@code cpu3}, {@code pool0}, {@code kworker/0:1}). */
  String entityName(int id);

  /**
   * Entities with the same placement key always share a partition (and a cluster node). Keys are in
   * {@code [0, placementKeys())} and are spread over partitions in contiguous blocks.
   */
  default int placementKey(int id) {
    return id;
  }

  default int placementKeys() {
    return entityCount();
  }

  /** The smallest delay of any message between two different entities, in nanoseconds. */
  long lookahead();

  /** Fresh instances of the global invariant checkers for one run. */
  default List<Checker> checkers() {
    return List.of();
  }

  /** Extra link delays of the fault plan. */
  default LinkFaults faults() {
    return LinkFaults.NONE;
  }

  /**
   * The run's {@code metrics} object, from the entities' merged counters and histograms and the
   * checkers (which may contribute their own figures).
   */
  default Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
    Map<String, Object> out = new java.util.LinkedHashMap<>(merged.counters());
    for (Checker c : checkers) c.contribute(out);
    return out;
  }

  /**
   * Which fields of this model's messages and notes name an entity, a CPU, a work item, a probe or
   * an address, and how to name them (traces carry the names beside the numbers).
   */
  default TraceNaming naming() {
    return TraceNaming.NONE;
  }

  /**
   * The classes of this model's state (its entities, what they hold, its checkers, and the
   * configuration objects they point into), each with its fixed Kryo id in 2000-2999, for snapshots
   * ({@code org.kernsim.engine.snapshot.StateCodec}). Registration is required: a class missing
   * here fails the snapshot naming it.
   */
  default List<org.kernsim.protocol.kryo.KryoRegistry.Entry> stateClasses() {
    return List.of();
  }

  /**
   * What this model promises to finish (a queued work item runs, an optimizer pass ends, a
   * stop_machine() returns): what the liveness phase ({@link Liveness}) requires to converge.
   */
  default List<Obligation> obligations() {
    return List.of();
  }

  /** How a violation of this model is shown as a timeline. */
  default TimelineSpec timeline() {
    return TimelineSpec.notes(this, 40);
  }
}
